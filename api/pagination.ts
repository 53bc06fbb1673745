import { and, asc, eq, gt, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client';
import type { Principal } from '../services/api-keys';
import { ownedByPartner, visibleCompany } from './scope';
import { decodeCursor, page } from '../resources/page';

export interface PageQuery {
  limit: number;
  cursor?: string | undefined;
}

/**
 * One page of a listing: the rows of `table` matching every filter (undefined ones are left
 * out), ordered by id, after the cursor's id; `next_cursor` is null on the last page. Every list
 * route pages this way, so a cursor means the same thing everywhere.
 */
export async function listPage<T extends PgTable & { id: AnyPgColumn }>(
  db: Db,
  table: T,
  query: PageQuery,
  filters: (SQL | undefined)[],
): Promise<{ data: T['$inferSelect'][]; next_cursor: string | null }> {
  const after = decodeCursor(query.cursor);
  const rows = (await db
    .select()
    .from(table as PgTable)
    .where(and(...filters, after ? gt(table.id, after) : undefined))
    .orderBy(asc(table.id))
    .limit(query.limit + 1)) as (T['$inferSelect'] & { id: string })[];
  return page(rows, query.limit);
}

/**
 * A page of what a principal's partner owns (everything for ops), of one company when the query
 * names one. Filtering by another tenant's (or an unknown) company is a 404, as reading it would be.
 */
export async function partnerListPage<T extends PgTable & { id: AnyPgColumn; partnerId: AnyPgColumn; companyId: AnyPgColumn }>(
  db: Db,
  principal: Principal,
  table: T,
  query: PageQuery & { company_id?: string | undefined },
  filters: (SQL | undefined)[] = [],
): Promise<{ data: T['$inferSelect'][]; next_cursor: string | null }> {
  if (query.company_id) await visibleCompany(db, principal, query.company_id);
  return listPage(db, table, query, [ownedByPartner(table.partnerId, principal), query.company_id ? eq(table.companyId, query.company_id) : undefined, ...filters]);
}
