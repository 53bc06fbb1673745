import { eq, sql } from 'drizzle-orm';
import { invoiceStateActivities, type InvoiceChange } from '../../activities/invoice-state';
import type { ActivityDeps } from '../../activities/deps';
import { companies, events, imports } from '../../db/schema';
import type { InvoiceStatus } from '../../domain/invoice-status';
import { defaultDunningPolicy } from '../../domain/dunning-policy';
import { companyOverview } from '../../services/company-overview';
import { saveDunningPolicy } from '../../services/dunning-policies';
import { newId } from '../../services/ids';
import { createTestDatabase } from '../support/database';
import { seedCompany, seedInvoice } from '../support/seed';

/**
 * The overview's numbers over invoices written as their workflows write them (the invoice-state
 * activity: state, ledger entry and events in one transaction), in several states, ages and months.
 * "Now" is 15 March 2026, 12:00 in Amsterdam.
 */
const NOW = new Date('2026-03-15T11:00:00Z');
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let seed: Awaited<ReturnType<typeof seedCompany>>;

type Seed = Awaited<ReturnType<typeof seedCompany>>;
interface Story {
  dueDate: string;
  amountCents: number;
  transmittedAt?: string;
  status?: InvoiceStatus;
  level?: number;
  feesCents?: number;
  payments?: Array<{ cents: number; at: string }>;
  currency?: string;
  name?: string;
}

/** One invoice's life: transmitted at a time in the past, paid, then in the status given. */
async function invoice(company: Seed, story: Story): Promise<string> {
  const db = database.db;
  const input = await seedInvoice(db, company, { dueDate: story.dueDate, amountCents: story.amountCents, debtor: story.name ? { organization_name: story.name } : {} });
  const id = input.invoiceId;
  if (story.currency) await db.execute(sql`update invoices set currency = ${story.currency} where id = ${id}`);
  if (!story.transmittedAt) return id;
  let revision = 0;
  let paid = 0;
  const persist = (at: string, change: Omit<InvoiceChange, 'invoiceId' | 'partnerId' | 'companyId' | 'revision' | 'snapshot'> & { status: InvoiceStatus; level?: number; fees?: number }) =>
    invoiceStateActivities({ db, clock: () => new Date(at) } as ActivityDeps).persistInvoiceChange({
      invoiceId: id,
      partnerId: company.partner.id,
      companyId: company.company.id,
      revision: ++revision,
      changeKey: change.changeKey,
      ledgerEntry: change.ledgerEntry,
      events: change.events,
      snapshot: {
        status: change.status,
        amountTotalCents: story.amountCents,
        amountPaidCents: paid,
        amountCreditedCents: 0,
        feesCents: change.fees ?? 0,
        amountDueCents: Math.max(0, story.amountCents + (change.fees ?? 0) - paid),
        overpaidCents: 0,
        dunningLevel: change.level ?? 0,
        nextActionAt: null,
      },
    });
  await persist(story.transmittedAt, { changeKey: 'transmit', status: 'open', events: [{ type: 'invoice.transmitted', data: {} }] });
  // The events table stamps rows with the database's clock: the transmission happened back then.
  await db.update(events).set({ createdAt: new Date(story.transmittedAt) }).where(eq(events.invoiceId, id));
  for (const [i, p] of (story.payments ?? []).entries()) {
    paid += p.cents;
    await persist(p.at, {
      changeKey: `payment-${i}`,
      status: 'overdue',
      ledgerEntry: { kind: 'payment', amountCents: p.cents, externalId: `bank-${id}-${i}`, occurredAt: p.at },
      events: [{ type: 'invoice.payment_received', data: { source: 'bank' } }],
    });
  }
  await persist(NOW.toISOString(), { changeKey: 'now', status: story.status ?? 'open', level: story.level, fees: story.feesCents, events: [] });
  return id;
}

/** A second company of the same partner, so only the company filter keeps their numbers apart. */
async function siblingCompany(of: Seed): Promise<Seed> {
  const [company] = await database.db
    .insert(companies)
    .values({ id: newId('cmp'), partnerId: of.partner.id, name: 'Other Club', country: 'NL', currency: 'EUR', locale: 'nl', timezone: 'Europe/Amsterdam', status: 'verified' })
    .returning();
  const [imp] = await database.db.insert(imports).values({ id: newId('imp'), partnerId: of.partner.id, companyId: company!.id, status: 'transmitting' }).returning();
  return { partner: of.partner, company: company!, imp: imp! };
}

beforeAll(async () => {
  database = await createTestDatabase();
  seed = await seedCompany(database.db);
  // Not due yet (5 days to go), transmitted this month.
  await invoice(seed, { dueDate: '2026-03-20', amountCents: 10_000, transmittedAt: '2026-03-02T09:00:00Z', status: 'open' });
  // 14 days overdue, reminded.
  await invoice(seed, { dueDate: '2026-03-01', amountCents: 20_000, transmittedAt: '2026-03-01T09:00:00Z', status: 'overdue' });
  // 54 days overdue at dunning level 1 with a fee, partly paid just after midnight on 1 March in
  // Amsterdam (still February in UTC): that payment is March's.
  await invoice(seed, { dueDate: '2026-01-20', amountCents: 30_000, transmittedAt: '2026-02-03T09:00:00Z', status: 'overdue', level: 1, feesCents: 1_500, payments: [{ cents: 5_000, at: '2026-02-28T23:30:00Z' }] });
  // 95 days overdue, level 2, then a promise to pay.
  await invoice(seed, { dueDate: '2025-12-10', amountCents: 40_000, transmittedAt: '2025-12-01T09:00:00Z', status: 'promise_to_pay', level: 2 });
  // 85 days overdue, with the debt collector.
  await invoice(seed, { dueDate: '2025-12-20', amountCents: 50_000, transmittedAt: '2025-12-05T09:00:00Z', status: 'in_debt_collection', level: 2 });
  // Paid in full in February: collected, no longer outstanding.
  await invoice(seed, { dueDate: '2026-02-28', amountCents: 60_000, transmittedAt: '2026-02-01T09:00:00Z', status: 'paid', payments: [{ cents: 60_000, at: '2026-02-10T10:00:00Z' }] });
  // 29 days overdue, on hold.
  await invoice(seed, { dueDate: '2026-02-14', amountCents: 8_000, transmittedAt: '2026-02-05T09:00:00Z', status: 'on_hold' });
  // A draft counts nowhere.
  await invoice(seed, { dueDate: '2026-02-14', amountCents: 70_000 });
  // Transmitted and paid thirteen months ago: before the window.
  await invoice(seed, { dueDate: '2025-02-20', amountCents: 99_000, transmittedAt: '2025-02-01T09:00:00Z', status: 'paid', payments: [{ cents: 99_000, at: '2025-02-20T10:00:00Z' }] });
  // In dollars: outside the euro sums, counted apart.
  await invoice(seed, { dueDate: '2026-03-01', amountCents: 12_300, transmittedAt: '2026-03-02T09:00:00Z', status: 'overdue', currency: 'USD' });
}, 60_000);

afterAll(async () => {
  await database?.close();
});

test('amount outstanding is what is still due on the open invoices (fees in, payments out; drafts, paid and other currencies out)', async () => {
  const o = await companyOverview(database.db, seed.company, NOW);
  expect(o.today).toBe('2026-03-15');
  expect(o.currency).toBe('EUR');
  expect(o.outstanding).toEqual({ count: 6, amountCents: 10_000 + 20_000 + 26_500 + 40_000 + 50_000 + 8_000 });
  expect(o.otherCurrencyOpenCount).toBe(1);
});

test('collected and transmitted by month in the company timezone, with the collection rate of each month', async () => {
  const o = await companyOverview(database.db, seed.company, NOW);
  expect(o.months.map((m) => m.month)).toEqual([
    '2025-03', '2025-04', '2025-05', '2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03',
  ]);
  const month = (m: string) => o.months.find((x) => x.month === m)!;
  expect(month('2026-03')).toEqual({ month: '2026-03', collectedCents: 5_000, transmittedCents: 30_000, transmittedCount: 2, collectionRate: 5_000 / 30_000 });
  expect(month('2026-02')).toEqual({ month: '2026-02', collectedCents: 60_000, transmittedCents: 98_000, transmittedCount: 3, collectionRate: 60_000 / 98_000 });
  expect(month('2025-12')).toEqual({ month: '2025-12', collectedCents: 0, transmittedCents: 90_000, transmittedCount: 2, collectionRate: 0 });
  expect(month('2026-01')).toEqual({ month: '2026-01', collectedCents: 0, transmittedCents: 0, transmittedCount: 0, collectionRate: null });
  // The invoice of February 2025 is before the window: nothing of it anywhere.
  expect(o.months.reduce((n, m) => n + m.collectedCents, 0)).toBe(65_000);
});

test('aging: open invoices by days past their due date, counted and summed', async () => {
  const o = await companyOverview(database.db, seed.company, NOW);
  expect(o.aging).toEqual([
    { bucket: 'not_due', count: 1, amountCents: 10_000 },
    { bucket: 'days_0_30', count: 2, amountCents: 28_000 },
    { bucket: 'days_31_60', count: 1, amountCents: 26_500 },
    { bucket: 'days_61_90', count: 1, amountCents: 50_000 },
    { bucket: 'days_90_plus', count: 1, amountCents: 40_000 },
  ]);
});

test("stages follow the company's policy: every dunning level of it is listed, empty ones with zero", async () => {
  const o = await companyOverview(database.db, seed.company, NOW);
  const stages = o.stages.map((s) => [s.stage === 'dunning_level' ? `level ${s.level}` : s.stage, s.count, s.amountCents]);
  const levels = defaultDunningPolicy.steps.flatMap((s) => (s.action === 'dunning_level' ? [`level ${s.level}`] : []));
  expect(stages).toEqual([
    ['open', 1, 10_000],
    ['reminder', 1, 20_000],
    ...levels.map((l) => [l, l === 'level 1' ? 1 : 0, l === 'level 1' ? 26_500 : 0]),
    ['promise_to_pay', 1, 40_000],
    ['payment_plan', 0, 0],
    ['on_hold', 1, 8_000],
    ['disputed', 0, 0],
    ['in_debt_collection', 1, 50_000],
  ]);
});

test("a company's numbers never include another company's invoices, even of the same partner", async () => {
  const before = await companyOverview(database.db, seed.company, NOW);
  const other = await siblingCompany(seed);
  await invoice(other, { dueDate: '2026-01-02', amountCents: 777_700, transmittedAt: '2026-03-03T09:00:00Z', status: 'overdue', level: 1, payments: [{ cents: 100, at: '2026-03-04T09:00:00Z' }] });
  await invoice(other, { dueDate: '2026-03-30', amountCents: 5_500, transmittedAt: '2026-02-03T09:00:00Z', status: 'disputed' });

  expect(await companyOverview(database.db, seed.company, NOW)).toEqual(before);
  const theirs = await companyOverview(database.db, other.company, NOW);
  expect(theirs.outstanding).toEqual({ count: 2, amountCents: 777_600 + 5_500 });
  expect(theirs.months.at(-1)).toMatchObject({ collectedCents: 100, transmittedCents: 777_700 });
});

test('a level beyond the current policy (reached under an older version) still has its stage', async () => {
  const company = await seedCompany(database.db, 'Policy Club');
  await saveDunningPolicy(database.db, company.company.id, { ...defaultDunningPolicy, steps: [{ offset_days: 7, action: 'dunning_level', level: 1, channels: ['email'] }] });
  await invoice(company, { dueDate: '2026-01-02', amountCents: 1_000, transmittedAt: '2026-01-01T09:00:00Z', status: 'overdue', level: 3 });
  const o = await companyOverview(database.db, company.company, NOW);
  expect(o.stages.filter((s) => s.stage === 'dunning_level')).toEqual([
    { stage: 'dunning_level', level: 1, count: 0, amountCents: 0 },
    { stage: 'dunning_level', level: 3, count: 1, amountCents: 1_000 },
  ]);
});
