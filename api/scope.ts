import { eq, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client';
import { companies, imports, invoiceLines, invoices } from '../db/schema';
import { preparedPerDb } from '../db/prepared';
import { invoiceLineOrder } from '../services/invoice-lines';
import { lastNoticeAmong, noticeCandidatesFromJson, noticeCandidatesOf } from '../services/last-notice';
import type { Principal } from '../services/api-keys';
import { notFound } from '../domain/errors';

/** Tenancy: a partner sees only what is under its own companies; anything else is "not found". */
export function canSee(principal: Principal, partnerId: string): boolean {
  return principal.role === 'ops' || principal.partnerId === partnerId;
}

const companyById = preparedPerDb((db) => db.select().from(companies).where(eq(companies.id, sql.placeholder('id'))).prepare('company_by_id'));
const importById = preparedPerDb((db) => db.select().from(imports).where(eq(imports.id, sql.placeholder('id'))).prepare('import_by_id'));
const invoiceById = preparedPerDb((db) => db.select().from(invoices).where(eq(invoices.id, sql.placeholder('id'))).prepare('invoice_by_id'));

export async function visibleCompany(db: Db, principal: Principal, id: string) {
  const [row] = await companyById(db).execute({ id });
  if (!row || !canSee(principal, row.partnerId)) throw notFound('company');
  return row;
}

export async function visibleImport(db: Db, principal: Principal, id: string) {
  const [row] = await importById(db).execute({ id });
  if (!row || !canSee(principal, row.partnerId)) throw notFound('import');
  return row;
}

const importWithCompany = preparedPerDb((db) =>
  db
    .select({ imp: imports, company: companies })
    .from(imports)
    .innerJoin(companies, eq(companies.id, imports.companyId))
    .where(eq(imports.id, sql.placeholder('id')))
    .prepare('import_with_company'),
);

/** An import and its company in one round trip (POST /invoices adds to an import in its company's terms). */
export async function visibleImportWithCompany(db: Db, principal: Principal, id: string) {
  const [row] = await importWithCompany(db).execute({ id });
  if (!row || !canSee(principal, row.imp.partnerId)) throw notFound('import');
  return row;
}

export async function visibleInvoice(db: Db, principal: Principal, id: string) {
  const [row] = await invoiceById(db).execute({ id });
  if (!row || !canSee(principal, row.partnerId)) throw notFound('invoice');
  return row;
}

const invoiceWithLines = preparedPerDb((db) =>
  db
    .select({ invoice: invoices, line: invoiceLines, notices: noticeCandidatesOf(invoices.id) })
    .from(invoices)
    .leftJoin(invoiceLines, eq(invoiceLines.invoiceId, invoices.id))
    .where(eq(invoices.id, sql.placeholder('id')))
    .orderBy(...invoiceLineOrder)
    .prepare('invoice_with_lines'),
);

/**
 * An invoice with its lines (in the order sent) and its last notice in one round trip, a prepared
 * statement: GET /invoices/{id} is the API's hottest read.
 */
export async function visibleInvoiceWithLines(db: Db, principal: Principal, id: string) {
  const rows = await invoiceWithLines(db).execute({ id });
  const invoice = rows[0]?.invoice;
  if (!invoice || !canSee(principal, invoice.partnerId)) throw notFound('invoice');
  return { invoice, lines: rows.flatMap((r) => (r.line ? [r.line] : [])), lastNotice: lastNoticeAmong(noticeCandidatesFromJson(rows[0]!.notices)) };
}

/** The partner a partner-scoped listing is limited to; undefined for ops (everything). */
export function partnerFilter(principal: Principal): string | undefined {
  return principal.role === 'ops' ? undefined : (principal.partnerId ?? '\u0000none');
}

/** The condition that keeps a listing to the principal's partner (none for ops). */
export function ownedByPartner(partnerColumn: AnyPgColumn, principal: Principal): SQL | undefined {
  const partnerId = partnerFilter(principal);
  return partnerId ? eq(partnerColumn, partnerId) : undefined;
}
