import { and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { companies, invoices, ledgerEntries } from '../db/schema';
import { addDays, localDateTime, localTimeToUtc } from '../domain/local-time';
import { debtorNames } from '../domain/statements/matching';
import type { CollectionAccount, CollectionStatement, StatementEntry } from '../domain/statements/statement';

type Company = typeof companies.$inferSelect;

/**
 * The statements of a company's collected payments between two dates (inclusive, in the company's
 * timezone), one per currency: the company's currency always, others when the company has
 * invoices in them. Payments are the `payment` ledger entries of its invoices; chargebacks,
 * refunds and reversals are the negative ones (debits). The opening balance is the net of
 * everything before `from`.
 */
export async function collectionStatements(
  db: Db,
  input: { company: Company; from: string; to: string; account: CollectionAccount; now?: Date },
): Promise<CollectionStatement[]> {
  const { company, from, to, account } = input;
  const tz = company.timezone;
  const start = new Date(localTimeToUtc(from, 0, 0, tz));
  const end = new Date(localTimeToUtc(addDays(to, 1), 0, 0, tz));
  const ofCompany = and(eq(invoices.companyId, company.id), eq(ledgerEntries.kind, 'payment'));

  const before = await db
    .select({ currency: invoices.currency, cents: sql<string>`coalesce(sum(${ledgerEntries.amountCents}), 0)` })
    .from(ledgerEntries)
    .innerJoin(invoices, eq(invoices.id, ledgerEntries.invoiceId))
    .where(and(ofCompany, lt(ledgerEntries.occurredAt, start)))
    .groupBy(invoices.currency);
  const rows = await db
    .select({ entry: ledgerEntries, invoice: { id: invoices.id, number: invoices.invoiceNumber, reference: invoices.reference, paymentReference: invoices.paymentReference, currency: invoices.currency, debtor: invoices.debtor } })
    .from(ledgerEntries)
    .innerJoin(invoices, eq(invoices.id, ledgerEntries.invoiceId))
    .where(and(ofCompany, gte(ledgerEntries.occurredAt, start), lt(ledgerEntries.occurredAt, end)))
    .orderBy(asc(ledgerEntries.occurredAt), asc(ledgerEntries.id));

  // Sums come back from SQL as text (bigint): converted exactly, never through a float sum.
  const opening = new Map(before.map((b) => [b.currency, Number(BigInt(b.cents))]));
  const currencies = [...new Set([company.currency, ...opening.keys(), ...rows.map((r) => r.invoice.currency)])];
  const createdAt = (input.now ?? new Date()).toISOString();
  return currencies.map((currency) => ({
    reference: `R${compact(from)}${compact(to)}${currencies.length > 1 ? currency : ''}`,
    sequenceNumber: statementNumber(to),
    account,
    companyName: company.name,
    currency,
    from,
    to,
    createdAt,
    openingBalanceCents: opening.get(currency) ?? 0,
    entries: rows
      .filter((r) => r.invoice.currency === currency)
      .map(
        (r): StatementEntry => ({
          id: r.entry.id,
          date: localDateTime(r.entry.occurredAt.getTime(), tz).date,
          amountCents: r.entry.amountCents,
          invoiceId: r.invoice.id,
          invoiceNumber: r.invoice.number,
          invoiceReference: r.invoice.reference,
          creditorReference: r.invoice.paymentReference,
          debtorName: debtorNames(r.invoice.debtor)[0] ?? '',
          paymentExternalId: r.entry.externalId,
        }),
      ),
  }));
}

/** 2026-11-23 → 261123. */
function compact(date: string): string {
  return date.slice(2).replace(/-/g, '');
}

/** The statement's number: its last day as YYDDD (year and day of the year), the same for the same period. */
function statementNumber(to: string): number {
  const day = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${to.slice(0, 4)}-01-01T00:00:00Z`)) / 86_400_000 + 1;
  return Number(to.slice(2, 4)) * 1000 + day;
}
