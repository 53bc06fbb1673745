import { count, inArray } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db } from '../db/client';
import { imports, invoices, type companies } from '../db/schema';
import type { importCreateSchema } from '../domain/schemas';
import { newId } from './ids';

type ImportRow = typeof imports.$inferSelect;
export type ImportCreate = z.infer<typeof importCreateSchema>;

/** A new import of a company, `draft` until transmitted; tenancy is the caller's business. */
export async function createImport({ db }: { db: Db }, company: Pick<typeof companies.$inferSelect, 'id' | 'partnerId'>, input: Omit<ImportCreate, 'company_id'>): Promise<ImportRow> {
  const [row] = await db
    .insert(imports)
    .values({ id: newId('imp'), partnerId: company.partnerId, companyId: company.id, title: input.title ?? null, settings: input.settings ?? {} })
    .returning();
  return row!;
}

/** How many invoices of each import are in each status; every asked-for import has an entry, empty when it has none. */
export async function importInvoiceCounts({ db }: { db: Db }, importIds: string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>(importIds.map((id) => [id, {}]));
  if (importIds.length === 0) return out;
  const rows = await db
    .select({ importId: invoices.importId, status: invoices.status, n: count() })
    .from(invoices)
    .where(inArray(invoices.importId, importIds))
    .groupBy(invoices.importId, invoices.status);
  for (const row of rows) out.get(row.importId)![row.status] = Number(row.n);
  return out;
}
