import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { dunningPolicySchema } from '../../domain/dunning-policy';
import { addDays, localTimeToUtc } from '../../domain/local-time';
import {
  applyInvoiceChanges,
  creditAndRetractInvoice,
  creditInvoice,
  holdInvoice,
  invoiceState,
  registerPayment,
  resumeInvoice,
  retractInvoice,
  type InvoiceWorkflowInput,
} from '../../workflows/invoice.messages';
import { invoiceClient, refusedAsClosed } from '../../workflows/invoice.client';
import { eventually } from '../support/eventually';
import { dateFrom, seedInvoice } from '../support/seed';
import { startWorkflowTestEnv, type WorkflowTestEnv } from '../support/workflow-env';
import { contactRequestTimes } from '../support/contact-requests';

let t: WorkflowTestEnv;
let env: WorkflowTestEnv['env'];
let database: WorkflowTestEnv['database'];
let seed: WorkflowTestEnv['seed'];

beforeAll(async () => {
  t = await startWorkflowTestEnv();
  ({ env, database, seed } = t);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

const start = (input: InvoiceWorkflowInput) => t.start(input);
const invoiceRow = (id: string) => t.invoiceRow(id);
const messagesOf = (id: string) => t.messagesOf(id);
const eventTypes = async (id: string) => (await t.eventsOf(id)).map((e) => e.type);

/** `RECORD_HISTORIES=1 npm test -- test/workflows/invoice` refreshes the histories the replay test keeps. */
async function keepHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const file = path.join(__dirname, '..', 'histories', `invoice-${name}.history.bin`);
  writeFileSync(file, temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish());
}

/** Only the notice went out a minute before `at`; a minute after it, the reminder too. */
async function expectReminderAt(handle: WorkflowHandle, invoiceId: string, at: number): Promise<void> {
  await env.sleep(at - (await env.currentTimeMs()) - 60_000);
  expect((await messagesOf(invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice']);
  await env.sleep('2 minutes');
  await handle.query(invoiceState); // lets the workflow finish the step
  expect((await messagesOf(invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice', 'reminder']);
}

/** A policy of reminders only, to look at timing without fees. */
const reminderPolicy = dunningPolicySchema.parse({
  steps: [
    { offset_days: -3, action: 'reminder', channels: ['email'] },
    { offset_days: 7, action: 'reminder', channels: ['email'] },
  ],
});

describe('invoice workflow', () => {
  test('a payment covering the amount closes the invoice as paid, after the invoice notice went out', async () => {
    const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(Date.now(), 30), amountCents: 12_000 });
    const handle = await start(input);
    await eventually(async () => expect((await messagesOf(input.invoiceId)).map((m) => m.status)).toEqual(['sent']));
    const snapshot = await handle.executeUpdate(registerPayment, { args: [{ amountCents: 12_000, externalId: 'pay-1', source: 'partner' }] });
    expect(snapshot.status).toBe('paid');
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'paid', amountDueCents: 0, amountPaidCents: 12_000 });
    const row = await invoiceRow(input.invoiceId);
    expect(row).toMatchObject({ status: 'paid', amountPaidCents: 12_000 });
    expect(await eventTypes(input.invoiceId)).toEqual(['invoice.transmitted', 'message.sent', 'invoice.payment_received', 'invoice.paid']);
    const [notice] = await messagesOf(input.invoiceId);
    expect(notice).toMatchObject({ kind: 'invoice_notice', channel: 'email', status: 'sent', recipient: 'anna@example.nl' });
    // The notice was asked of the debtor's workflow by the activity that persisted the transmission, not by one of its own.
    const scheduled = (await handle.fetchHistory()).events!.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(new Set(scheduled)).toEqual(new Set(['persistInvoiceChange']));
    await keepHistory(handle, 'notice-requested-with-transmission-paid');
  });

  test('a partial payment lowers the amount due and the reminders go on', async () => {
    const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(await env.currentTimeMs(), 10), amountCents: 10_000, policy: reminderPolicy });
    const handle = await start(input);
    const after = await handle.executeUpdate(registerPayment, { args: [{ amountCents: 4_000, externalId: 'part-1', source: 'partner' }] });
    expect(after).toMatchObject({ status: 'open', amountDueCents: 6_000 });
    expect((await invoiceRow(input.invoiceId)).amountPaidCents).toBe(4_000);
    await env.sleep('8 days');
    const sent = await messagesOf(input.invoiceId);
    expect(sent.map((m) => m.kind)).toEqual(['invoice_notice', 'reminder']);
    expect(sent[1]!.bodyText).toContain('60.00');
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 6_000, externalId: 'part-2', source: 'partner' }] });
    expect(await handle.result()).toMatchObject({ status: 'paid', amountDueCents: 0 });
    await keepHistory(handle, 'partial-payment-reminder-paid');
  });

  test('the first reminder goes out 3 days before the due date at 10:00 in the debtor\u2019s timezone, not before', async () => {
    // Start at 16:00 UTC: daytime in New York and in Amsterdam, so the notice is not held back.
    const before = await env.currentTimeMs();
    const at16 = new Date(before);
    at16.setUTCHours(16, 0, 0, 0);
    if (at16.getTime() <= before) at16.setUTCDate(at16.getUTCDate() + 1);
    await env.sleep(at16.getTime() - before);
    const now = await env.currentTimeMs();
    const dueDate = dateFrom(now, 6);
    const input = await seedInvoice(database.db, seed, { dueDate, policy: reminderPolicy, debtor: { timezone: 'America/New_York' } });
    const handle = await start(input);
    const reminderAt = localTimeToUtc(addDays(dueDate, -3), 10, 0, 'America/New_York');
    await eventually(async () => expect((await invoiceRow(input.invoiceId)).nextActionAt?.getTime()).toBe(reminderAt));
    await expectReminderAt(handle, input.invoiceId, reminderAt);
    expect(await eventTypes(input.invoiceId)).toContain('invoice.reminder_sent');
    await handle.executeUpdate(retractInvoice, { args: [{ reason: 'done' }] });
  });

  test('after the due date passes unpaid the invoice is overdue', async () => {
    const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(await env.currentTimeMs(), 2), policy: reminderPolicy });
    const handle = await start(input);
    await env.sleep('4 days');
    expect((await handle.query(invoiceState)).status).toBe('overdue');
    expect((await invoiceRow(input.invoiceId)).status).toBe('overdue');
    await handle.executeUpdate(retractInvoice, { args: [{}] });
  });

  test('a full credit closes the invoice as credited; a credit above the amount due is refused', async () => {
    const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(await env.currentTimeMs(), 30), amountCents: 5_000 });
    const handle = await start(input);
    await expect(handle.executeUpdate(creditInvoice, { args: [{ amountCents: 5_001, creditId: 'c0' }] })).rejects.toThrow(WorkflowUpdateFailedError);
    await handle.executeUpdate(creditInvoice, { args: [{ amountCents: 2_000, creditId: 'c1', reason: 'discount' }] });
    const last = await handle.executeUpdate(creditInvoice, { args: [{ amountCents: 3_000, creditId: 'c2' }] });
    expect(last.status).toBe('credited');
    expect(await handle.result()).toMatchObject({ status: 'credited', amountCreditedCents: 5_000, amountDueCents: 0 });
    expect(await invoiceRow(input.invoiceId)).toMatchObject({ status: 'credited', amountCreditedCents: 5_000 });
  });

  test('four changes in one Update (an update file\u2019s records about one invoice) apply in order, and the invoice\u2019s search attributes and memo are written once for them', async () => {
    const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(await env.currentTimeMs(), 30), amountCents: 12_000 });
    const handle = await start(input);
    await eventually(async () => expect((await messagesOf(input.invoiceId)).map((m) => m.status)).toEqual(['sent']));
    const results = await handle.executeUpdate(applyInvoiceChanges, {
      args: [
        [
          { kind: 'payment', key: 'batch-pay', request: { amountCents: 2_000, externalId: 'batch-pay', source: 'partner' } },
          { kind: 'hold', key: 'batch-hold', request: { reason: 'asked by the club' } },
          { kind: 'resume', key: 'batch-resume' },
          { kind: 'credit', key: 'batch-credit', request: { amountCents: 1_000, creditId: 'batch-credit' } },
        ],
      ],
    });
    expect(results.map((r) => (r.status === 'applied' ? [r.status, r.snapshot.status, r.snapshot.amountDueCents] : [r.status]))).toEqual([
      ['applied', 'open', 10_000],
      ['applied', 'on_hold', 10_000],
      ['applied', 'open', 10_000],
      ['applied', 'open', 9_000],
    ]);
    expect(await invoiceRow(input.invoiceId)).toMatchObject({ status: 'open', amountPaidCents: 2_000, amountCreditedCents: 1_000 });
    expect((await handle.describe()).searchAttributes).toMatchObject({ AmountDueCents: [9_000], InvoiceStatus: ['open'] });
    // Between the Update's acceptance and its answer: one upsert of search attributes, one memo.
    const events = (await handle.fetchHistory()).events ?? [];
    const E = temporal.api.enums.v1.EventType;
    const accepted = events.findIndex((e) => e.eventType === E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
    const completed = events.findIndex((e, i) => i > accepted && e.eventType === E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED);
    const during = events.slice(accepted, completed);
    const ours = during.filter((e) => 'InvoiceStatus' in (e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}));
    expect(ours).toHaveLength(1);
    expect(during.filter((e) => e.eventType === E.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED)).toHaveLength(1);
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 9_000, externalId: 'batch-rest', source: 'partner' }] });
    expect(await handle.result()).toMatchObject({ status: 'paid', amountDueCents: 0 });
    await keepHistory(handle, 'change-batch-paid');
  });

  test('a retracted invoice stops at once and sends nothing more', async () => {
    const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(await env.currentTimeMs(), 5), policy: reminderPolicy });
    const handle = await start(input);
    await handle.executeUpdate(retractInvoice, { args: [{ reason: 'sent in error' }] });
    expect(await handle.result()).toMatchObject({ status: 'retracted' });
    await env.sleep('20 days');
    expect((await messagesOf(input.invoiceId)).filter((m) => m.kind !== 'invoice_notice')).toEqual([]);
    await expect(handle.executeUpdate(registerPayment, { args: [{ amountCents: 1, externalId: 'late', source: 'partner' }] })).rejects.toThrow();
  });

  test('credit and retract credits what is outstanding and retracts', async () => {
    const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(await env.currentTimeMs(), 30), amountCents: 8_000 });
    const handle = await start(input);
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 3_000, externalId: 'cr-1', source: 'partner' }] });
    const s = await handle.executeUpdate(creditAndRetractInvoice, { args: [{ amountCents: 0, creditId: 'cr', reason: 'member left' }] });
    expect(s).toMatchObject({ status: 'retracted', amountCreditedCents: 5_000, amountPaidCents: 3_000, amountDueCents: 0 });
    await handle.result();
    await keepHistory(handle, 'credit-and-retract');
  });

  test('while on hold no reminder is sent, and the policy clock resumes where it stopped', async () => {
    const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(await env.currentTimeMs(), 5), policy: reminderPolicy });
    const handle = await start(input);
    await handle.executeUpdate(holdInvoice, { args: [{ reason: 'disputed' }] });
    await env.sleep('10 days');
    expect((await messagesOf(input.invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice']);
    expect((await invoiceRow(input.invoiceId)).status).toBe('on_hold');
    await handle.executeUpdate(resumeInvoice, { args: [] });
    expect((await invoiceRow(input.invoiceId)).status).toBe('open');
    // The first reminder was 2 days away when the hold began: not sent after 1 day, sent after 3.
    await env.sleep('1 day');
    expect((await messagesOf(input.invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice']);
    await env.sleep('2 days');
    await handle.query(invoiceState);
    expect((await messagesOf(input.invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice', 'reminder']);
    await handle.executeUpdate(retractInvoice, { args: [{}] });
    await handle.result();
    await keepHistory(handle, 'hold-resume-retract');
  });

  test('a dunning level announces its fee; unpaid after the notice period, the fee is added to what is due', async () => {
    const policy = dunningPolicySchema.parse({
      steps: [{ offset_days: 3, action: 'dunning_level', level: 1, channels: ['email'], fee: { type: 'fixed', amount_cents: 750 } }],
    });
    const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(await env.currentTimeMs(), 1), amountCents: 10_000, policy });
    const handle = await start(input);
    await env.sleep('5 days');
    expect(await handle.query(invoiceState)).toMatchObject({ status: 'overdue', dunningLevel: 1, feesCents: 0 });
    await env.sleep('8 days');
    const s = await handle.query(invoiceState);
    expect(s).toMatchObject({ status: 'overdue', dunningLevel: 1, feesCents: 750, amountDueCents: 10_750 });
    expect(await invoiceRow(input.invoiceId)).toMatchObject({ feesCents: 750, dunningLevel: 1 });
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 10_750, externalId: 'fee-pay', source: 'partner' }] });
    expect(await handle.result()).toMatchObject({ status: 'paid' });
    await keepHistory(handle, 'dunning-fee-paid');
  });
});

describe('a debtor who moves to another timezone mid-life', () => {
  /** One reminder a week after the due date, at the default send hour (10:00 local). */
  const weekLater = dunningPolicySchema.parse({ steps: [{ offset_days: 7, action: 'reminder', channels: ['email'] }] });
  const hourIn = (timezone: string, at: number) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: 'numeric', hourCycle: 'h23' }).format(new Date(at)));

  test('moving from Amsterdam to New York, the next reminder goes at 10:00 New York time, not at 10:00 Amsterdam (04:00 in New York, in quiet hours)', async () => {
    const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(await env.currentTimeMs(), 0), policy: weekLater });
    const handle = await start(input);
    const amsterdamAt = localTimeToUtc(addDays(input.dueDate, 7), 10, 0, 'Europe/Amsterdam');
    await eventually(async () => expect((await invoiceRow(input.invoiceId)).nextActionAt?.getTime()).toBe(amsterdamAt));

    await env.sleep('2 days');
    await invoiceClient(env.client, input.invoiceId).contactChanged({ timezone: 'America/New_York' }, 'move-to-new-york');
    const newYorkAt = localTimeToUtc(addDays(input.dueDate, 7), 10, 0, 'America/New_York');
    // What comes next is shown in the new zone at once.
    await eventually(async () => expect((await invoiceRow(input.invoiceId)).nextActionAt?.getTime()).toBe(newYorkAt));

    await expectReminderAt(handle, input.invoiceId, newYorkAt);
    // The time the workflow asked its debtor's workflow for the send (alone, the debtor is contacted at once), on the server's (skipped) clock.
    const history = await handle.fetchHistory();
    const reminderSentAt = contactRequestTimes(history)[1]!;
    expect(hourIn('America/New_York', reminderSentAt)).toBe(10);
    expect(reminderSentAt).toBeGreaterThanOrEqual(newYorkAt);

    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: 'paid-from-new-york', source: 'partner' }] });
    expect(await handle.result()).toMatchObject({ status: 'paid' });
    await keepHistory(handle, 'timezone-change-reminder-paid');
    // A closed invoice has nothing left to time: the change is refused as closed, and callers skip it.
    const late = await invoiceClient(env.client, input.invoiceId).contactChanged({ timezone: 'Europe/Amsterdam' }).catch((err: unknown) => err);
    expect(late).toBeInstanceOf(Error);
  });

  test('a contact change naming no IANA timezone is refused before it enters history', async () => {
    const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(await env.currentTimeMs(), 10), policy: weekLater });
    const handle = await start(input);
    const refused = await invoiceClient(env.client, input.invoiceId).contactChanged({ timezone: 'Mars/Olympus_Mons' }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(refusedAsClosed(refused)).toBe(false);
    const history = await handle.fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
    await handle.executeUpdate(retractInvoice, { args: [{ reason: 'done' }] });
  });
});

describe('one payment plan over two invoices of a debtor', () => {
  test('the oldest invoice misses its installment: its plan breaks, it ends the plan on the other invoice, and both resume dunning', async () => {
    const due = dateFrom(await env.currentTimeMs(), 20);
    const [oldest, newer] = [await seedInvoice(database.db, seed, { dueDate: due, amountCents: 7_000 }), await seedInvoice(database.db, seed, { dueDate: due, amountCents: 8_000 })];
    const [a, b] = [await start(oldest), await start(newer)];
    await eventually(async () => expect((await messagesOf(newer.invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice']));
    const first = dateFrom(await env.currentTimeMs(), 5);
    const second = addDays(first, 30);
    const accountPlan = { id: 'apl_test', invoiceIds: [oldest.invoiceId, newer.invoiceId] };
    await invoiceClient(env.client, oldest.invoiceId).createPaymentPlan({ installmentCount: 1, firstDueDate: first, source: 'portal', accountPlan, installments: [{ dueDate: first, amountCents: 7_000 }] });
    // The newer invoice's part starts at the plan's second installment: checked against the plan's first date.
    await invoiceClient(env.client, newer.invoiceId).createPaymentPlan({ installmentCount: 1, firstDueDate: first, source: 'portal', accountPlan, installments: [{ dueDate: second, amountCents: 8_000 }] });
    expect((await b.query(invoiceState)).status).toBe('payment_plan');

    await env.sleep('10 days');
    await eventually(async () => {
      expect((await b.query(invoiceState)).status).toBe('open');
      expect((await a.query(invoiceState)).status).toBe('open');
    });
    const broken = async (id: string) => (await t.eventsOf(id)).find((e) => e.type === 'invoice.payment_plan_broken')?.data;
    expect(await broken(oldest.invoiceId)).toMatchObject({ missed_installment: 1, account_plan_id: 'apl_test' });
    expect(await broken(newer.invoiceId)).toMatchObject({ account_plan_id: 'apl_test', broken_on_invoice_id: oldest.invoiceId });
    await Promise.all([
      invoiceClient(env.client, oldest.invoiceId).registerPayment({ amountCents: 7_000, externalId: 'acct-1', source: 'portal' }),
      invoiceClient(env.client, newer.invoiceId).registerPayment({ amountCents: 8_000, externalId: 'acct-2', source: 'portal' }),
    ]);
    // Both closed before asking for a result: `result()` lets the time-skipping server skip time.
    // Once (CI, 2026-12-03) a run here ended "timed out", though it has no timeout but the test
    // server's default of ten years, right after one of the two redid a workflow task that the
    // sibling's signal had expired: the server most likely skipped to that timeout meanwhile.
    await eventually(async () => expect([(await a.describe()).status.name, (await b.describe()).status.name]).toEqual(['COMPLETED', 'COMPLETED']));
    await Promise.all([a.result(), b.result()]);
    await keepHistory(a, 'account-plan-missed-paid');
    await keepHistory(b, 'account-plan-ended-by-sibling-paid');
  });
});
