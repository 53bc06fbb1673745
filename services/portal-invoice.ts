import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { companies, debtors, dunningPolicies, events, invoiceLines, invoices } from '../db/schema';
import { invoiceLineOrder } from './invoice-lines';
import { defaultDunningPolicy, type DunningPolicy } from '../domain/dunning-policy';
import { openInvoiceStatuses } from '../domain/invoice-status';
import { localDateTime } from '../domain/local-time';
import type { Locale } from '../messaging/templates';

/** One open invoice of the debtor's account, as the portal lists it. */
export interface AccountInvoice {
  invoice: typeof invoices.$inferSelect;
  lines: Array<typeof invoiceLines.$inferSelect>;
  /** The policy version this invoice runs under. */
  policy: DunningPolicy;
}

/** Everything the portal shows and checks for one invoice, read from the database (never from the workflow). */
export interface PortalInvoice {
  /**
   * The debtor's account at this company: every open invoice of the invoice's debtor in its
   * currency (this one too while it is open), oldest due date first. Never another debtor's or
   * another company's invoice.
   */
  account: AccountInvoice[];
  invoice: typeof invoices.$inferSelect;
  companyName: string;
  /** Reads a debtor's national phone number when their own address gives no country. */
  companyCountry: string;
  lines: Array<typeof invoiceLines.$inferSelect>;
  locale: Locale;
  /** The policy version the invoice runs under: its limits for promises and plans. */
  policy: DunningPolicy;
  /** The channels the invoice's debtor opted out of (for all their invoices). */
  optOuts: Array<'email' | 'sms'>;
  /** The arrangement in place, from its event (the invoice row keeps only the status). */
  promiseDate: string | null;
  installments: Array<{ due_date: string; amount_cents: number }>;
  /** Today in the debtor's timezone. */
  today: string;
}

export async function loadPortalInvoice(db: Db, invoiceId: string, now: Date): Promise<PortalInvoice | null> {
  const [row] = await db
    .select({ invoice: invoices, companyName: companies.name, companyCountry: companies.country, optOuts: debtors.optOuts })
    .from(invoices)
    .innerJoin(companies, eq(companies.id, invoices.companyId))
    .innerJoin(debtors, eq(debtors.id, invoices.debtorId))
    .where(eq(invoices.id, invoiceId));
  if (!row) return null;
  const { invoice } = row;
  const [lines, policyRows, arrangement] = await Promise.all([
    db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, invoice.id)).orderBy(...invoiceLineOrder),
    invoice.policyVersion
      ? db.select({ policy: dunningPolicies.policy }).from(dunningPolicies).where(and(eq(dunningPolicies.companyId, invoice.companyId), eq(dunningPolicies.version, invoice.policyVersion)))
      : Promise.resolve([]),
    invoice.status === 'promise_to_pay' || invoice.status === 'payment_plan'
      ? db
          .select({ type: events.type, data: events.data })
          .from(events)
          .where(and(eq(events.invoiceId, invoice.id), inArray(events.type, ['invoice.promise_to_pay_made', 'invoice.payment_plan_created'])))
          .orderBy(desc(events.seq))
          .limit(1)
      : Promise.resolve([]),
  ]);
  const account = await loadAccount(db, invoice);
  const latest = arrangement[0];
  const timezone = invoice.debtor.timezone ?? 'Europe/Amsterdam';
  return {
    account,
    invoice,
    companyName: row.companyName,
    companyCountry: row.companyCountry,
    lines,
    locale: invoice.debtor.locale ?? 'en',
    policy: policyRows[0]?.policy ?? defaultDunningPolicy,
    optOuts: row.optOuts,
    promiseDate: latest?.type === 'invoice.promise_to_pay_made' && typeof latest.data.date === 'string' ? latest.data.date : null,
    installments: latest?.type === 'invoice.payment_plan_created' && Array.isArray(latest.data.installments) ? (latest.data.installments as PortalInvoice['installments']) : [],
    today: localDateTime(now.getTime(), timezone).date,
  };
}

async function loadAccount(db: Db, invoice: typeof invoices.$inferSelect): Promise<AccountInvoice[]> {
  const rows = invoice.debtorId
    ? await db
        .select()
        .from(invoices)
        .where(
          and(
            eq(invoices.debtorId, invoice.debtorId),
            eq(invoices.companyId, invoice.companyId),
            eq(invoices.currency, invoice.currency),
            inArray(invoices.status, [...openInvoiceStatuses]),
          ),
        )
        .orderBy(asc(invoices.dueDate), asc(invoices.id))
    : openInvoiceStatuses.includes(invoice.status)
      ? [invoice]
      : [];
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const versions = [...new Set(rows.map((r) => r.policyVersion).filter((v): v is number => v !== null))];
  const [lines, policies] = await Promise.all([
    db.select().from(invoiceLines).where(inArray(invoiceLines.invoiceId, ids)).orderBy(...invoiceLineOrder),
    versions.length > 0
      ? db.select({ version: dunningPolicies.version, policy: dunningPolicies.policy }).from(dunningPolicies).where(and(eq(dunningPolicies.companyId, invoice.companyId), inArray(dunningPolicies.version, versions)))
      : Promise.resolve([]),
  ]);
  return rows.map((row) => ({
    invoice: row,
    lines: lines.filter((l) => l.invoiceId === row.id),
    policy: policies.find((p) => p.version === row.policyVersion)?.policy ?? defaultDunningPolicy,
  }));
}
