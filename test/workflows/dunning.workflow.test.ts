import { eq } from 'drizzle-orm';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { debtCollectionCases } from '../../db/schema';
import { dunningPolicySchema, defaultDunningPolicy } from '../../domain/dunning-policy';
import { wikFeeCents } from '../../domain/fees';
import { createPaymentPlan, invoiceState, promiseToPay, registerPayment } from '../../workflows/invoice.messages';
import { reverseInvoicePayment } from '../../services/payment-reversal';
import { eventually } from '../support/eventually';
import { dateFrom, optOutDebtorOf, seedInvoice } from '../support/seed';
import { startWorkflowTestEnv, type WorkflowTestEnv } from '../support/workflow-env';
import { contactRequestTimes } from '../support/contact-requests';

let t: WorkflowTestEnv;

beforeAll(async () => {
  t = await startWorkflowTestEnv();
}, 120_000);

afterAll(async () => {
  await t?.close();
});

const types = async (id: string) => (await t.eventsOf(id)).map((e) => e.type);
const today = async () => dateFrom(await t.env.currentTimeMs(), 0);
const day = async (n: number) => dateFrom(await t.env.currentTimeMs(), n);

describe('the default policy, unpaid to the end', () => {
  test('a consumer gets the notice, three reminders, level 1 announcing its fee (charged a week later), level 2 announcing the statutory fee, the fee after the 14-day notice, then debt collection', async () => {
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(5), amountCents: 100_000, debtor: { phone: '+31612345678' } });
    const handle = await t.start(input);
    await t.env.sleep('60 days');
    const s = await handle.query(invoiceState);
    const wik = wikFeeCents(100_000);
    expect(s).toMatchObject({ status: 'in_debt_collection', dunningLevel: 2, feesCents: 500 + wik, amountDueCents: 100_000 + 500 + wik });
    const row = await t.invoiceRow(input.invoiceId);
    expect(row).toMatchObject({ status: 'in_debt_collection', feesCents: 500 + wik, dunningLevel: 2 });
    expect(row.debtCollectionCaseId).toMatch(/^dcc_/);
    const [kase] = await t.database.db.select().from(debtCollectionCases).where(eq(debtCollectionCases.invoiceId, input.invoiceId));
    // Prepared automatically by its workflow; with no collector configuration it waits for review.
    expect(kase).toMatchObject({ source: 'dunning', state: 'reviewing', amountCents: 100_000 + 500 + wik });

    const events = await t.eventsOf(input.invoiceId);
    const levels = events.filter((e) => e.type === 'invoice.dunning_level_changed').map((e) => e.data);
    expect(levels).toEqual([
      expect.objectContaining({ level: 1, fee_cents: 0, announced_fee_cents: 500, policy_version: 0, step_index: 3 }),
      expect.objectContaining({ level: 1, fee_cents: 500, fee_type: 'fixed', wik_notice: 'delivered', step_index: 3 }),
      expect.objectContaining({ level: 2, fee_cents: 0, announced_fee_cents: wik, step_index: 4 }),
      expect.objectContaining({ level: 2, fee_cents: wik, fee_type: 'wik', wik_notice: 'delivered' }),
      expect.objectContaining({ debt_collection: true, step_index: 5 }),
    ]);
    // Every step's event says why: the policy version, the step and its guardrail checks.
    const reminder = events.find((e) => e.type === 'invoice.reminder_sent')!.data;
    expect(reminder).toMatchObject({ policy_version: 0, step_index: 0, guardrails: expect.arrayContaining([expect.objectContaining({ check: 'quiet_hours' })]) });
    expect((await types(input.invoiceId)).filter((x) => x === 'invoice.reminder_sent')).toHaveLength(3);
    expect(await types(input.invoiceId)).toContain('debt_case.created');

    // The 14-day notice states the fee; the fee comes 17 days later.
    const messages = await t.messagesOf(input.invoiceId);
    const level2Email = messages.find((m) => m.kind === 'dunning_notice' && m.channel === 'email' && m.sendKey.includes('step4'))!;
    expect(level2Email.bodyText).toContain('14');
    expect(level2Email.bodyText).toMatch(/150[.,]00/);
    const feeEvent = events.find((e) => e.data.fee_type === 'wik')!;
    const noticeEvent = events.find((e) => e.data.announced_fee_cents === wik && e.data.step)!;
    expect(feeEvent.createdAt.getTime()).toBeGreaterThan(noticeEvent.createdAt.getTime());
    // SMS went out on the steps that ask for it.
    expect(messages.filter((m) => m.channel === 'sms').length).toBeGreaterThanOrEqual(3);

    // Still open to payment while in debt collection.
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: s.amountDueCents, externalId: 'late-pay', source: 'partner' }] });
    expect(await handle.result()).toMatchObject({ status: 'paid' });
  });

  test('an organisation is charged the statutory fee fee_notice_days (7) after the level-2 notice, not the 14 days of a consumer', async () => {
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(2), amountCents: 50_000, debtor: { organization_name: 'Bakkerij BV', last_name: undefined } });
    expect(input.consumer).toBe(false);
    const handle = await t.start(input);
    // The first step (-3) was due before the notice: the ladder starts 3 days after it, 4 days later than the policy's dates.
    await t.env.sleep('36 days'); // level 2 (day 34) announced it
    expect((await handle.query(invoiceState)).feesCents).toBe(500);
    await t.env.sleep('7 days');
    expect((await handle.query(invoiceState)).feesCents).toBe(500 + wikFeeCents(50_000));
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 1_000_000, externalId: 'all', source: 'partner' }] });
    expect(await handle.result()).toMatchObject({ status: 'paid', overpaidCents: 1_000_000 - 50_000 - 500 - wikFeeCents(50_000) });
  });
});

describe('promises to pay', () => {
  const reminders = dunningPolicySchema.parse({
    steps: [
      { offset_days: 1, action: 'reminder', channels: ['email'] },
      { offset_days: 10, action: 'reminder', channels: ['email'] },
      { offset_days: 20, action: 'dunning_level', level: 1, channels: ['email'], fee: { type: 'fixed', amount_cents: 1_000 } },
    ],
  });

  test('pauses reminders; paid by the date, the invoice closes as paid', async () => {
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(0), policy: reminders });
    const handle = await t.start(input);
    const s = await handle.executeUpdate(promiseToPay, { args: [{ date: await day(15), source: 'portal' }] });
    expect(s.status).toBe('promise_to_pay');
    await t.env.sleep('12 days');
    expect((await t.messagesOf(input.invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice']);
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: 'kept', source: 'portal' }] });
    expect(await handle.result()).toMatchObject({ status: 'paid' });
    expect(await types(input.invoiceId)).toContain('invoice.promise_to_pay_made');
  });

  test('unpaid at the date plus grace: broken, and the policy continues where it was', async () => {
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(0), policy: reminders });
    const handle = await t.start(input);
    // The first reminder (day 1) waits for the minimum gap of 3 days after the notice.
    await t.env.sleep('2 days');
    expect((await t.messagesOf(input.invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice']);
    await t.env.sleep('2 days');
    expect((await t.messagesOf(input.invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice', 'reminder']);
    await handle.executeUpdate(promiseToPay, { args: [{ date: await day(5), source: 'partner' }] });
    await t.env.sleep('9 days'); // 5 days + 3 days grace passed
    expect(await types(input.invoiceId)).toContain('invoice.promise_to_pay_broken');
    const s = await handle.query(invoiceState);
    expect(s.status).toBe('overdue');
    // The next reminder was 6 days away when the promise was made: it comes 6 days after the break, not at once.
    expect((await t.messagesOf(input.invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice', 'reminder']);
    await t.env.sleep('9 days');
    expect((await t.messagesOf(input.invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice', 'reminder', 'reminder']);
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: 'finally', source: 'partner' }] });
    expect((await handle.result()).status).toBe('paid');
  });

  test.each([
    ['a date beyond the policy’s maximum', 31],
    ['a date in the past', -1],
  ])('%s is refused before it enters history', async (_label, days) => {
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(10), policy: reminders });
    const handle = await t.start(input);
    const err = await handle.executeUpdate(promiseToPay, { args: [{ date: await day(days), source: 'portal' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'not_allowed_by_policy' });
    const history = await handle.fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: 'x', source: 'partner' }] });
  });
});

describe('payment plans', () => {
  test('installments with reminders; a missed installment breaks the plan and dunning resumes on the remaining amount', async () => {
    const policy = dunningPolicySchema.parse({
      steps: [
        { offset_days: 3, action: 'reminder', channels: ['email'] },
        { offset_days: 30, action: 'dunning_level', level: 1, channels: ['email'], fee: { type: 'percentage', percent: 10 } },
      ],
      payment_plan: { max_installments: 6, min_installment_cents: 1_000 },
    });
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(0), amountCents: 30_000, policy });
    const handle = await t.start(input);
    const refused = await handle.executeUpdate(createPaymentPlan, { args: [{ installmentCount: 12, firstDueDate: await day(10), source: 'portal' }] }).catch((e: unknown) => e);
    expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'not_allowed_by_policy' });
    const s = await handle.executeUpdate(createPaymentPlan, { args: [{ installmentCount: 3, firstDueDate: await day(10), intervalDays: 30, source: 'portal' }] });
    expect(s.status).toBe('payment_plan');
    await t.env.sleep('9 days');
    const kinds = (await t.messagesOf(input.invoiceId)).map((m) => m.kind);
    expect(kinds).toEqual(['invoice_notice', 'installment_reminder']); // the day-3 reminder paused
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: 'inst-1', source: 'portal' }] });
    await t.env.sleep('40 days'); // the second installment (day 40) is missed
    expect(await types(input.invoiceId)).toContain('invoice.payment_plan_broken');
    const after = await handle.query(invoiceState);
    expect(after.status).toBe('overdue');
    expect(after.amountDueCents).toBe(20_000);
    await t.env.sleep('40 days');
    // Dunning resumed: level 1 with 10% of the remaining principal.
    const final = await handle.query(invoiceState);
    expect(final).toMatchObject({ dunningLevel: 1, feesCents: 2_000, amountDueCents: 22_000 });
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 22_000, externalId: 'rest', source: 'partner' }] });
    expect((await handle.result()).status).toBe('paid');
  });
});

describe('guardrails', () => {
  test('an SMS opt-out skips the SMS and records why; email still goes', async () => {
    const policy = dunningPolicySchema.parse({ steps: [{ offset_days: 1, action: 'reminder', channels: ['email', 'sms'] }] });
    // A debtor of its own: the opt-out holds for every invoice of the debtor.
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(0), policy, debtor: { email: 'no-sms@example.nl', phone: '+31612345678' } });
    await optOutDebtorOf(t.database.db, input.invoiceId, ['sms']);
    const handle = await t.start(input);
    await t.env.sleep('4 days');
    const reminder = (await t.eventsOf(input.invoiceId)).find((e) => e.type === 'invoice.reminder_sent')!;
    expect(reminder.data.guardrails).toContainEqual({ check: 'opt_out', result: 'skipped', channel: 'sms' });
    expect((await t.messagesOf(input.invoiceId)).map((m) => m.channel)).toEqual(['email', 'email']);
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: 'p', source: 'partner' }] });
  });

  test('a transmission in the debtor’s night sends the notice at 08:00 their time', async () => {
    await t.daytime();
    // Amsterdam daytime is night in Auckland (UTC+13 in its summer).
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(20), debtor: { timezone: 'Pacific/Auckland' } });
    const now = await t.env.currentTimeMs();
    const localHour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Pacific/Auckland', hour: 'numeric', hourCycle: 'h23' }).format(new Date(now)));
    const handle = await t.start(input);
    if (localHour >= 21 || localHour < 8) {
      await t.env.sleep('1 hour');
      expect(await t.messagesOf(input.invoiceId)).toEqual([]);
    }
    await t.env.sleep('1 day');
    expect((await t.messagesOf(input.invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice']);
    // The time the workflow asked its debtor's workflow for the send (alone, at once), on the server's (skipped) clock.
    const history = await handle.fetchHistory();
    const sentAt = new Date(contactRequestTimes(history)[0]!);
    const sentHour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Pacific/Auckland', hour: 'numeric', hourCycle: 'h23' }).format(sentAt));
    expect(sentHour).toBeGreaterThanOrEqual(8);
    expect(sentHour).toBeLessThan(21);
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: 'p', source: 'partner' }] });
  });
});

test('a 90-day life: a broken promise, a partial payment and a broken payment plan end exactly where the policy says', async () => {
  const input = await seedInvoice(t.database.db, t.seed, { dueDate: await today(), amountCents: 60_000, policy: { ...defaultDunningPolicy, payment_plan: { max_installments: 6, min_installment_cents: 1_000 } } });
  const handle = await t.start(input);
  await handle.executeUpdate(promiseToPay, { args: [{ date: await day(10), source: 'portal' }] });
  await t.env.sleep('15 days'); // broken (10 + 3 grace)
  await handle.executeUpdate(registerPayment, { args: [{ amountCents: 20_000, externalId: 'part', source: 'partner' }] });
  await handle.executeUpdate(createPaymentPlan, { args: [{ installmentCount: 2, firstDueDate: await day(5), intervalDays: 30, source: 'portal' }] });
  await t.env.sleep('10 days'); // first installment (day 5) missed
  await t.env.sleep('65 days');
  const s = await handle.query(invoiceState);
  const events = await types(input.invoiceId);
  expect(events).toEqual(expect.arrayContaining(['invoice.promise_to_pay_broken', 'invoice.payment_received', 'invoice.payment_plan_broken', 'debt_case.created']));
  const wik = wikFeeCents(40_000);
  expect(s).toMatchObject({ status: 'in_debt_collection', dunningLevel: 2, amountPaidCents: 20_000, feesCents: 500 + wik, amountDueCents: 40_000 + 500 + wik });
  expect(await t.invoiceRow(input.invoiceId)).toMatchObject({ status: 'in_debt_collection', feesCents: 500 + wik, amountPaidCents: 20_000 });
});

describe('chargebacks', () => {
  test('a chargeback on a paid invoice reopens the amount and opens a debt collection case', async () => {
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(10), amountCents: 25_000 });
    const handle = await t.start(input);
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 25_000, externalId: 'card-1', source: 'portal' }] });
    expect((await handle.result()).status).toBe('paid');
    const result = await reverseInvoicePayment({ db: t.database.db, temporal: t.env.client, taskQueue: 'invoice-workflow-test' }, input.invoiceId, {
      externalId: 'card-1',
      amountCents: 25_000,
      kind: 'chargeback',
      reason: 'fraudulent',
    });
    expect(result).toEqual({ reopened: true });
    await eventually(async () => expect(await t.invoiceRow(input.invoiceId)).toMatchObject({ status: 'in_debt_collection', amountPaidCents: 0 }));
    // The case is opened just after the status changes: wait for it too.
    const kase = await eventually(async () => {
      const [found] = await t.database.db.select().from(debtCollectionCases).where(eq(debtCollectionCases.invoiceId, input.invoiceId));
      expect(found).toBeDefined();
      return found!;
    });
    const row = await t.invoiceRow(input.invoiceId);
    expect(kase).toMatchObject({ id: row.debtCollectionCaseId, source: 'chargeback', amountCents: 25_000 });
    expect(await types(input.invoiceId)).toEqual(expect.arrayContaining(['invoice.paid', 'debt_case.created']));
  });

  test('a refund reversal on a running invoice lowers what was paid', async () => {
    const policy = dunningPolicySchema.parse({ chargeback: 'resume_dunning', steps: [{ offset_days: 30, action: 'reminder', channels: ['email'] }] });
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(10), amountCents: 25_000, policy });
    const handle = await t.start(input);
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: 'sepa-1', source: 'bank' }] });
    const s = await reverseInvoicePayment({ db: t.database.db, temporal: t.env.client, taskQueue: 'invoice-workflow-test' }, input.invoiceId, {
      externalId: 'sepa-1',
      amountCents: 10_000,
      kind: 'reversal',
    });
    expect(s).toMatchObject({ status: 'open', amountPaidCents: 0, amountDueCents: 25_000 });
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 25_000, externalId: 'sepa-2', source: 'bank' }] });
  });
});

test('a year-long payment plan continues as new to keep histories small, and ends paid', async () => {
  const policy = dunningPolicySchema.parse({ steps: [{ offset_days: 30, action: 'reminder', channels: ['email'] }], payment_plan: { max_installments: 12, min_installment_cents: 1_000 } });
  const input = { ...(await seedInvoice(t.database.db, t.seed, { dueDate: await day(0), amountCents: 120_000, policy })), continueAfterEvents: 60 };
  const handle = await t.start(input);
  const firstRun = (await handle.describe()).runId;
  await handle.executeUpdate(createPaymentPlan, { args: [{ installmentCount: 12, firstDueDate: await day(10), intervalDays: 30, source: 'portal' }] });
  for (let i = 0; i < 12; i++) {
    await t.env.sleep('9 days');
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: `inst-${i}`, source: 'portal' }] });
    await t.env.sleep('21 days');
  }
  const result = await handle.result();
  expect(result).toMatchObject({ status: 'paid', amountPaidCents: 120_000 });
  const last = await handle.describe();
  expect(last.runId).not.toBe(firstRun);
  expect((await handle.fetchHistory()).events!.length).toBeLessThan(200);
  expect((await types(input.invoiceId)).filter((x) => x === 'invoice.payment_plan_broken')).toEqual([]);
});
