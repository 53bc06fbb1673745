import { and, eq, inArray, ne, sql, type SQL } from 'drizzle-orm';
import { overdueBucketDays, overdueBuckets, type OverdueBucket } from '../domain/overdue-buckets';
import type { Db } from '../db/client';
import { companies, events, invoices, ledgerEntries } from '../db/schema';
import { addDays, localDateTime, localTimeToUtc } from '../domain/local-time';
import { openInvoiceStatuses, type InvoiceStatus } from '../domain/invoice-status';
import { currentDunningPolicy } from './dunning-policies';

type Company = typeof companies.$inferSelect;

/** The months the overview shows: this month and the twelve before it, oldest first. */
export const OVERVIEW_MONTHS = 13;

export interface MonthCollection {
  /** YYYY-MM, in the company's timezone. */
  month: string;
  /** Payments received in the month (net of reversals), in minor units. */
  collectedCents: number;
  /** The total of the invoices transmitted in the month, in minor units. */
  transmittedCents: number;
  transmittedCount: number;
  /** collected / transmitted of the month; null when nothing was transmitted (no ratio to show). */
  collectionRate: number | null;
}

export type AgingBucket = 'not_due' | OverdueBucket;
export const agingBuckets: readonly AgingBucket[] = ['not_due', ...overdueBuckets];

/**
 * Where an open invoice is in the collection policy: its status, and for an overdue invoice how far
 * dunning has gone (`reminder` before the first dunning level, then `dunning_level` with its level).
 */
export type PolicyStage =
  | { stage: 'open' }
  | { stage: 'reminder' }
  | { stage: 'dunning_level'; level: number }
  | { stage: Exclude<InvoiceStatus, 'draft' | 'open' | 'overdue' | 'paid' | 'credited' | 'retracted' | 'collected' | 'written_off'> };

export interface CompanyOverview {
  currency: string;
  /** The company's today (YYYY-MM-DD in its timezone); days overdue count from it. */
  today: string;
  outstanding: { count: number; amountCents: number };
  /** Open invoices in another currency than the company's: not in any sum above or below. */
  otherCurrencyOpenCount: number;
  /** OVERVIEW_MONTHS months, oldest first; the last is this month. */
  months: MonthCollection[];
  aging: Array<{ bucket: AgingBucket; count: number; amountCents: number }>;
  stages: Array<PolicyStage & { count: number; amountCents: number }>;
}

/** Sums come back from SQL as text (bigint): converted exactly, never through a float sum. */
const cents = (v: string | number | null | undefined): number => Number(BigInt(v ?? 0));

/** SQL for what is still due on an invoice (domain/amounts.ts `amountDue`). */
const amountDueSql = sql`greatest(0, ${invoices.amountTotalCents} + ${invoices.feesCents} - ${invoices.amountPaidCents} - ${invoices.amountCreditedCents})`;

/**
 * The numbers of a company's dashboard overview, each computed by one aggregate query over that
 * company's rows only. Amounts are in the company's currency; months and "today" are the
 * company's (its timezone). See docs/dashboard.md#overview for what each number means.
 */
export async function companyOverview(db: Db, company: Company, now: Date = new Date()): Promise<CompanyOverview> {
  const tz = company.timezone;
  const today = localDateTime(now.getTime(), tz).date;
  const monthStarts = lastMonthStarts(today, OVERVIEW_MONTHS);
  // Month boundaries as instants, computed here with the timezone rules the rest of Recoup uses:
  // bounds[i] ≤ t < bounds[i + 1] is month i.
  const bounds = [...monthStarts, nextMonth(monthStarts.at(-1)!)].map((d) => new Date(localTimeToUtc(d, 0, 0, tz)));
  const boundsArray = sql`ARRAY[${sql.join(
    bounds.map((b) => sql`${b.toISOString()}::timestamptz`),
    sql`, `,
  )}]`;
  const first = bounds[0]!;
  const end = bounds.at(-1)!;
  const ofCompany = and(eq(invoices.companyId, company.id), eq(invoices.currency, company.currency));
  const open = and(ofCompany, inArray(invoices.status, [...openInvoiceStatuses]));

  const [otherCurrency, collected, transmitted, aging, stages, policy] = await Promise.all([
    db
      .select({ count: sql<string>`count(*)` })
      .from(invoices)
      .where(and(eq(invoices.companyId, company.id), ne(invoices.currency, company.currency), inArray(invoices.status, [...openInvoiceStatuses]))),
    // Payments are the `payment` ledger entries of the company's invoices: what debtors paid by any
    // way (bank, portal, the partner's report) and what a debt collector recovered (recorded on the
    // invoice as a payment). Reversals and chargebacks are negative entries and count against
    // their own month.
    db
      .select({ bucket: sql<number>`width_bucket(${ledgerEntries.occurredAt}, ${boundsArray})`, cents: sql<string>`coalesce(sum(${ledgerEntries.amountCents}), 0)` })
      .from(ledgerEntries)
      .innerJoin(invoices, eq(invoices.id, ledgerEntries.invoiceId))
      .where(and(ofCompany, eq(ledgerEntries.kind, 'payment'), sql`${ledgerEntries.occurredAt} >= ${first.toISOString()}::timestamptz`, sql`${ledgerEntries.occurredAt} < ${end.toISOString()}::timestamptz`))
      .groupBy(sql`1`),
    transmittedByMonth(db, company, boundsArray, first, end, ofCompany!),
    db
      .select({ bucket: agingBucketSql(today), count: sql<string>`count(*)`, cents: sql<string>`coalesce(sum(${amountDueSql}), 0)` })
      .from(invoices)
      .where(open)
      .groupBy(sql`1`),
    db
      .select({ status: invoices.status, level: invoices.dunningLevel, count: sql<string>`count(*)`, cents: sql<string>`coalesce(sum(${amountDueSql}), 0)` })
      .from(invoices)
      .where(open)
      .groupBy(invoices.status, invoices.dunningLevel),
    currentDunningPolicy(db, company.id),
  ]);

  const collectedByMonth = new Map(collected.map((r) => [Number(r.bucket), cents(r.cents)]));
  const transmittedMonth = new Map(transmitted.map((r) => [Number(r.bucket), r]));
  const months = monthStarts.map((start, i): MonthCollection => {
    const collectedCents = collectedByMonth.get(i + 1) ?? 0;
    const t = transmittedMonth.get(i + 1);
    const transmittedCents = cents(t?.cents);
    return {
      month: start.slice(0, 7),
      collectedCents,
      transmittedCents,
      transmittedCount: cents(t?.count),
      collectionRate: transmittedCents > 0 ? collectedCents / transmittedCents : null,
    };
  });

  const agingOf = new Map(aging.map((r) => [r.bucket, r]));
  const agingRows = agingBuckets.map((bucket) => ({ bucket, count: cents(agingOf.get(bucket)?.count), amountCents: cents(agingOf.get(bucket)?.cents) }));

  const policyLevels = policy.policy.steps.flatMap((s) => (s.action === 'dunning_level' && s.level !== undefined ? [s.level] : []));
  return {
    currency: company.currency,
    today,
    outstanding: { count: agingRows.reduce((n, r) => n + r.count, 0), amountCents: agingRows.reduce((n, r) => n + r.amountCents, 0) },
    otherCurrencyOpenCount: cents(otherCurrency[0]?.count),
    months,
    aging: agingRows,
    stages: policyStages(
      stages.map((r) => ({ status: r.status, level: r.level, count: cents(r.count), amountCents: cents(r.cents) })),
      policyLevels,
    ),
  };
}

/**
 * The total of the invoices transmitted in each month: an invoice counts in the month of its
 * `invoice.transmitted` event (read through the partner's index, then narrowed to the company).
 */
function transmittedByMonth(db: Db, company: Company, boundsArray: SQL, first: Date, end: Date, ofCompany: SQL) {
  const firstTransmission = db
    .select({ invoiceId: sql<string>`${events.invoiceId}`.as('invoice_id'), at: sql<Date>`min(${events.createdAt})`.as('at') })
    .from(events)
    .where(
      and(
        eq(events.partnerId, company.partnerId),
        eq(events.companyId, company.id),
        eq(events.type, 'invoice.transmitted'),
        sql`${events.createdAt} >= ${first.toISOString()}::timestamptz`,
        sql`${events.createdAt} < ${end.toISOString()}::timestamptz`,
      ),
    )
    .groupBy(events.invoiceId)
    .as('transmission');
  return db
    .select({ bucket: sql<number>`width_bucket(${firstTransmission.at}, ${boundsArray})`, count: sql<string>`count(*)`, cents: sql<string>`coalesce(sum(${invoices.amountTotalCents}), 0)` })
    .from(firstTransmission)
    .innerJoin(invoices, eq(invoices.id, firstTransmission.invoiceId))
    .where(ofCompany)
    .groupBy(sql`1`);
}

/** Days overdue count from the due date: due today is 0 days overdue, due tomorrow is not due yet. */
function agingBucketSql(today: string): SQL<AgingBucket> {
  const days = sql`(${today}::date - ${invoices.dueDate})`;
  // One `when` per bounded bucket of domain/overdue-buckets.ts, the open-ended one last.
  const whens = overdueBuckets.flatMap((bucket) => {
    const last = overdueBucketDays[bucket][1];
    return last === null ? [] : [sql` when ${days} <= ${sql.raw(String(last))} then ${sql.raw(`'${bucket}'`)}`];
  });
  const open = overdueBuckets.find((b) => overdueBucketDays[b][1] === null)!;
  return sql<AgingBucket>`case when ${days} < 0 then 'not_due'${sql.join(whens)} else ${sql.raw(`'${open}'`)} end`;
}

const pausedStages = ['promise_to_pay', 'payment_plan', 'on_hold', 'disputed', 'in_debt_collection'] as const;

/**
 * Open invoices by stage, in the policy's order: open, reminder, each dunning level of the policy
 * (and any level an invoice reached under an older policy version), then the statuses that pause
 * or end dunning. Every stage is listed, with zero when no invoice is in it.
 */
export function policyStages(
  rows: Array<{ status: InvoiceStatus; level: number; count: number; amountCents: number }>,
  policyLevels: number[],
): CompanyOverview['stages'] {
  const stageOf = (r: { status: InvoiceStatus; level: number }): string => (r.status === 'overdue' ? (r.level > 0 ? `dunning_level:${r.level}` : 'reminder') : r.status);
  const levels = [...new Set([...policyLevels, ...rows.filter((r) => r.status === 'overdue' && r.level > 0).map((r) => r.level)])].sort((a, b) => a - b);
  const stages: PolicyStage[] = [{ stage: 'open' }, { stage: 'reminder' }, ...levels.map((level) => ({ stage: 'dunning_level' as const, level })), ...pausedStages.map((stage) => ({ stage }))];
  return stages.map((s) => {
    const key = s.stage === 'dunning_level' ? `dunning_level:${s.level}` : s.stage;
    const inStage = rows.filter((r) => stageOf(r) === key);
    return { ...s, count: inStage.reduce((n, r) => n + r.count, 0), amountCents: inStage.reduce((n, r) => n + r.amountCents, 0) };
  });
}

/** The first days (YYYY-MM-01) of the `n` months ending with the month of `today`, oldest first. */
function lastMonthStarts(today: string, n: number): string[] {
  let start = `${today.slice(0, 7)}-01`;
  const starts = [start];
  for (let i = 1; i < n; i++) {
    start = `${addDays(start, -1).slice(0, 7)}-01`;
    starts.unshift(start);
  }
  return starts;
}

function nextMonth(monthStart: string): string {
  return `${addDays(monthStart, 31).slice(0, 7)}-01`;
}
