import { and, asc, desc, eq, gte, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import { overdueBucketDays, type OverdueBucket } from '../domain/overdue-buckets';
import type { Db } from '../db/client';
import { debtors, events, invoiceLines, invoices, ledgerEntries, messages } from '../db/schema';
import { openInvoiceStatuses, type InvoiceStatus } from '../domain/invoice-status';
import { addDays, localDateTime } from '../domain/local-time';
import { decodeCursor, encodeCursor } from '../resources/page';
import { invoiceLineOrder } from './invoice-lines';

/**
 * A company's own invoices as its people read them in the dashboard: a filtered, paged list and
 * one invoice with everything that happened to it. Every query is limited to the company given;
 * an invoice of another company is simply not found.
 */

type InvoiceRow = typeof invoices.$inferSelect;

export { overdueBuckets, type OverdueBucket } from '../domain/overdue-buckets';

export interface CompanyInvoiceFilter {
  status?: InvoiceStatus | undefined;
  overdue?: OverdueBucket | undefined;
  debtorId?: string | undefined;
  /** Part of the invoice number or the debtor's name, any letter case. */
  search?: string | undefined;
}

export interface CompanyInvoiceListRow {
  invoice: InvoiceRow;
  debtorName: string;
}

/** `%`, `_` and `\` typed in a search are themselves, not patterns. */
export const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Newest first is by issue date, then id: both are exact in a cursor (a timestamp would lose
 * PostgreSQL's microseconds in JavaScript). The cursor is `<issue date>~<id>`, opaque to the reader.
 */
export const invoiceListCursor = (row: Pick<InvoiceRow, 'issueDate' | 'id'>): string => encodeCursor(`${row.issueDate}~${row.id}`);

/** The cursor's issue date and id, or null when it is not one this list gave out. */
export function readInvoiceListCursor(cursor: string): { issueDate: string; id: string } | null {
  const [issueDate, id, ...rest] = (decodeCursor(cursor) ?? '').split('~');
  if (rest.length || !issueDate || !id || !/^\d{4}-\d{2}-\d{2}$/.test(issueDate) || !/^[A-Za-z0-9_]{1,64}$/.test(id)) return null;
  return { issueDate, id };
}

/**
 * One page of the company's invoices matching the filter, newest first. `now` gives the
 * company's today (in its timezone) for the overdue buckets, which hold open invoices only (as
 * the overview's aging chart does): a paid invoice is no longer overdue however old its due date.
 */
export async function companyInvoicePage(
  db: Db,
  company: { id: string; timezone: string },
  filter: CompanyInvoiceFilter,
  page: { limit: number; after?: { issueDate: string; id: string } | undefined },
  now: Date,
): Promise<{ rows: CompanyInvoiceListRow[]; next: string | null }> {
  const conditions: Array<SQL | undefined> = [eq(invoices.companyId, company.id)];
  if (filter.status) conditions.push(eq(invoices.status, filter.status));
  if (filter.debtorId) conditions.push(eq(invoices.debtorId, filter.debtorId));
  if (filter.overdue) {
    const today = localDateTime(now.getTime(), company.timezone).date;
    const [least, most] = overdueBucketDays[filter.overdue];
    conditions.push(inArray(invoices.status, [...openInvoiceStatuses]), lte(invoices.dueDate, addDays(today, -least)));
    if (most !== null) conditions.push(gte(invoices.dueDate, addDays(today, -most)));
  }
  if (filter.search) {
    const pattern = likePattern(filter.search);
    conditions.push(or(sql`${invoices.invoiceNumber} ILIKE ${pattern} ESCAPE '\\'`, sql`${debtors.name} ILIKE ${pattern} ESCAPE '\\'`));
  }
  if (page.after) {
    const { issueDate, id } = page.after;
    conditions.push(or(sql`${invoices.issueDate} < ${issueDate}`, and(eq(invoices.issueDate, issueDate), sql`${invoices.id} < ${id}`)));
  }
  const found = await db
    .select({ invoice: invoices, debtorName: debtors.name })
    .from(invoices)
    .innerJoin(debtors, eq(debtors.id, invoices.debtorId))
    .where(and(...conditions))
    .orderBy(desc(invoices.issueDate), desc(invoices.id))
    .limit(page.limit + 1);
  const rows = found.slice(0, page.limit);
  return { rows, next: found.length > page.limit ? invoiceListCursor(rows.at(-1)!.invoice) : null };
}

/** The company's invoice with its lines, money movements, messages and events (oldest first); null when it is not the company's. */
export async function companyInvoice(db: Db, companyId: string, invoiceId: string) {
  const [invoice] = await db
    .select()
    .from(invoices)
    .where(and(eq(invoices.id, invoiceId), eq(invoices.companyId, companyId)));
  if (!invoice) return null;
  const [lines, ledger, sent, timeline] = await Promise.all([
    db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, invoice.id)).orderBy(...invoiceLineOrder),
    db.select().from(ledgerEntries).where(eq(ledgerEntries.invoiceId, invoice.id)).orderBy(asc(ledgerEntries.occurredAt), asc(ledgerEntries.id)),
    db.select().from(messages).where(eq(messages.invoiceId, invoice.id)).orderBy(asc(messages.createdAt)),
    // The partner's index, then the invoice: the same read as the console's case page.
    db
      .select()
      .from(events)
      .where(and(eq(events.partnerId, invoice.partnerId), eq(events.invoiceId, invoice.id)))
      .orderBy(asc(events.seq)),
  ]);
  return { invoice, lines, ledger, messages: sent, timeline };
}

export type CompanyInvoiceView = NonNullable<Awaited<ReturnType<typeof companyInvoice>>>;
