import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { letters } from '../../db/schema';
import type { PlanState } from '../../domain/dunning-plan';
import { defaultDunningPolicy, dunningPolicySchema } from '../../domain/dunning-policy';
import { initialCollectionState } from '../../domain/invoice-state';
import { wikFeeCents } from '../../domain/fees';
import { markPrintBatchPosted } from '../../services/print-batches';
import { findRepliedMessage, recordEmailBounce } from '../../services/email-replies';
import { invoiceState, registerPayment } from '../../workflows/invoice.messages';
import { dateFrom, optOutDebtorOf, seedInvoice } from '../support/seed';
import { startWorkflowTestEnv, type WorkflowTestEnv } from '../support/workflow-env';
import { contactRequestTimes } from '../support/contact-requests';

/**
 * Notices that reach people: pacing after a late transmission, the minimum gap between contacts,
 * and fees charged only after a notice that was delivered — on the time-skipping server with the
 * real activities (database, SMTP server refusing one recipient, SMS dev outbox, print queue).
 */
let t: WorkflowTestEnv;

beforeAll(async () => {
  t = await startWorkflowTestEnv({
    smtp: { rejectRecipient: (address) => (address.startsWith('refused') ? { code: 550, message: 'No such user here' } : undefined) },
  });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

const DAY = 86_400_000;
const day = async (n: number) => dateFrom(await t.env.currentTimeMs(), n);
const address = { street: 'Dorpsstraat 1', postal_code: '1234 AB', city: 'Utrecht', country: 'NL' };

/** `RECORD_HISTORIES=1` refreshes the history the replay test keeps of a paced run. */
async function keepHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const file = path.join(__dirname, '..', 'histories', `invoice-${name}.history.bin`);
  writeFileSync(file, temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish());
}

const feeEvents = async (invoiceId: string) =>
  (await t.eventsOf(invoiceId)).filter((e) => e.type === 'invoice.dunning_level_changed' && e.data.fee_type !== undefined).map((e) => e.data);

describe('pacing', () => {
  test('an invoice transmitted 20 days after its due date gets one message on day 0, the ladder 3 days later, and no fee before its notice period has passed', async () => {
    await t.daytime();
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(-20), amountCents: 100_000 });
    const handle = await t.start(input);
    const start = await t.env.currentTimeMs();
    await t.env.sleep('1 day');
    expect((await t.messagesOf(input.invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice']);
    expect((await handle.query(invoiceState)).feesCents).toBe(0);
    await t.env.sleep('3 days');
    expect((await t.messagesOf(input.invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice', 'reminder']);

    // Level 1 comes 17 days after the first reminder (the policy's gap from -3 to +14), announcing €5 payable within 7 days.
    await t.env.sleep(start + 20 * DAY + 2 * 3_600_000 - (await t.env.currentTimeMs()));
    const level1 = (await t.eventsOf(input.invoiceId)).find((e) => e.type === 'invoice.dunning_level_changed' && e.data.level === 1)!;
    expect(level1.data).toMatchObject({ fee_cents: 0, announced_fee_cents: 500, fee_pay_by: expect.stringMatching(/^\d{4}-\d\d-\d\d$/) });
    const notice = (await t.messagesOf(input.invoiceId)).find((m) => m.kind === 'dunning_notice' && m.channel === 'email')!;
    expect(notice.bodyText).toContain(`If you do not pay by ${String(level1.data.fee_pay_by)}, a fee of €5.00 will be charged.`);
    expect((await handle.query(invoiceState)).feesCents).toBe(0);
    await t.env.sleep('6 days');
    expect((await handle.query(invoiceState)).feesCents).toBe(0);
    // The email reached the debtor (SMTP accepted it): after the week the fee is charged.
    await t.env.sleep('3 days');
    expect((await handle.query(invoiceState)).feesCents).toBe(500);
    expect(await feeEvents(input.invoiceId)).toEqual([expect.objectContaining({ fee_type: 'fixed', fee_cents: 500, wik_notice: 'delivered', notice: expect.objectContaining({ channel: 'email' }) })]);

    // Every two contacts at least 3 days apart (the notice first, on day 0).
    const sent = (await t.messagesOf(input.invoiceId)).filter((m) => m.channel === 'email');
    const kinds = sent.map((m) => m.kind);
    expect(kinds).toEqual(['invoice_notice', 'reminder', 'reminder', 'reminder', 'dunning_notice']);
    const reminders = (await t.eventsOf(input.invoiceId)).filter((e) => e.type === 'invoice.reminder_sent' || (e.type === 'invoice.dunning_level_changed' && e.data.step));
    const history = await handle.fetchHistory();
    const sendTimes = contactRequestTimes(history);
    const distinct = [...new Set(sendTimes.map((ms) => Math.floor(ms / 60_000)))].map((m) => m * 60_000);
    for (let i = 1; i < distinct.length; i++) expect(distinct[i]! - distinct[i - 1]!).toBeGreaterThanOrEqual(2.5 * DAY);
    expect(reminders.length).toBe(4);

    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 100_500, externalId: 'late-but-paid', source: 'partner' }] });
    expect(await handle.result()).toMatchObject({ status: 'paid' });
    await keepHistory(handle, 'paced-late-transmission-fee-paid');
  });

  test('a step due sooner than min_days_between_contacts after the last contact waits, and its event says so', async () => {
    await t.daytime();
    const policy = dunningPolicySchema.parse({
      steps: [
        { offset_days: 3, action: 'reminder', channels: ['email'] },
        { offset_days: 4, action: 'reminder', channels: ['email'] },
      ],
    });
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(0), policy });
    const handle = await t.start(input);
    await t.env.sleep('5 days');
    expect((await t.messagesOf(input.invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice', 'reminder']);
    await t.env.sleep('2 days');
    expect((await t.messagesOf(input.invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice', 'reminder', 'reminder']);
    const second = (await t.eventsOf(input.invoiceId)).filter((e) => e.type === 'invoice.reminder_sent')[1]!;
    expect(second.data.guardrails).toContainEqual(expect.objectContaining({ check: 'contact_gap', result: 'waited', detail: 'at least 3 days after the previous contact' }));
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: 'p', source: 'partner' }] });
  });
});

describe('no fee without a delivered notice', () => {
  const wikPolicy = dunningPolicySchema.parse({
    steps: [{ offset_days: 3, action: 'dunning_level', level: 1, channels: ['email', 'sms'], fee: { type: 'wik' }, fallback: 'letter' }],
  });

  test.each([
    ['the SMTP server refuses the recipient (5xx)', { email: 'refused@example.nl' }, [] as Array<'email' | 'sms'>],
    ['the debtor opted out of email and SMS', { email: 'opted-out@example.nl', phone: '+31612345678' }, ['email', 'sms'] as Array<'email' | 'sms'>],
    ['the debtor has no contact details at all', { email: undefined }, [] as Array<'email' | 'sms'>],
  ])('%s: no letter address either → no fee, and the event records wik_notice not_delivered', async (_label, debtor, optedOut) => {
    await t.daytime();
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(0), amountCents: 100_000, policy: wikPolicy, debtor });
    await optOutDebtorOf(t.database.db, input.invoiceId, optedOut);
    const handle = await t.start(input);
    await t.env.sleep('30 days');
    expect((await handle.query(invoiceState)).feesCents).toBe(0);
    const events = await t.eventsOf(input.invoiceId);
    const step = events.find((e) => e.type === 'invoice.dunning_level_changed' && e.data.step)!;
    // The fallback letter was tried and had nowhere to go.
    expect(step.data.guardrails).toContainEqual({ check: 'no_contact_details', result: 'skipped', channel: 'letter' });
    expect(await feeEvents(input.invoiceId)).toEqual([
      expect.objectContaining({
        fee_cents: 0,
        fee_type: 'wik',
        wik_notice: 'not_delivered',
        guardrails: [expect.objectContaining({ check: 'wik_notice', result: 'skipped' })],
      }),
    ]);
    expect((await t.invoiceRow(input.invoiceId)).feesCents).toBe(0);
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 100_000, externalId: 'p', source: 'partner' }] });
  });

  test('after a hard bounce of the invoice notice the step skips email (email_undeliverable), texts the debtor and falls back to a letter', async () => {
    await t.daytime();
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(0), amountCents: 100_000, policy: wikPolicy, debtor: { email: 'bounces@example.nl', phone: '+31612345670', address } });
    const handle = await t.start(input);
    await t.env.sleep('1 day');
    const [notice] = await t.messagesOf(input.invoiceId);
    expect(notice).toMatchObject({ kind: 'invoice_notice', channel: 'email', status: 'sent' });
    // What the inbound server records for a DSN (test/messaging/inbound-email.test.ts speaks the SMTP).
    await recordEmailBounce(t.database.db, (await findRepliedMessage(t.database.db, notice!.id))!, { recipient: 'bounces@example.nl', status: '5.1.1', diagnostic: '550 5.1.1 User unknown', hard: true, providerMessageId: '<dsn@mx.example.nl>' });

    await t.env.sleep('3 days'); // the level-1 step (day 3), and the hour it waits for an SMS delivery report
    const step = (await t.eventsOf(input.invoiceId)).find((e) => e.type === 'invoice.dunning_level_changed' && e.data.step)!;
    expect(step.data.guardrails).toContainEqual({ check: 'email_undeliverable', result: 'skipped', channel: 'email' });
    const sent = (await t.messagesOf(input.invoiceId)).map((m) => [m.kind, m.channel, m.status]);
    expect(sent).toEqual([
      ['invoice_notice', 'email', 'bounced'],
      ['dunning_notice', 'sms', 'outbox'],
      ['dunning_notice', 'letter', 'queued'],
    ]);
    // Its print batch posted, so the next test's letter starts a batch of its own.
    const letter = (await t.messagesOf(input.invoiceId)).find((m) => m.channel === 'letter')!;
    const [queued] = await t.database.db.select().from(letters).where(eq(letters.messageId, letter.id));
    await markPrintBatchPosted(t.database.db, queued!.batchId!, new Date(await t.env.currentTimeMs()));
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 100_000, externalId: 'p', source: 'partner' }] });
  });

  test('a refused email falls back to a letter; the statutory fee comes 14 days after the day after the letter’s assumed receipt, counted from its posting', async () => {
    await t.daytime();
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(0), amountCents: 100_000, policy: wikPolicy, debtor: { email: 'refused@example.nl', address } });
    const handle = await t.start(input);
    await t.env.sleep('4 days'); // the level-1 step (day 3) ran: email refused, no phone, the letter queued
    const letter = (await t.messagesOf(input.invoiceId)).find((m) => m.channel === 'letter')!;
    expect(letter).toMatchObject({ status: 'queued', sendKey: `${input.invoiceId}:step0:fallback:letter` });
    expect(letter.bodyText).toMatch(/that is by \d{4}-\d\d-\d\d at the latest, collection costs of €150\.00/);
    // Ops post the print batch two days later.
    await t.env.sleep('2 days');
    const [queued] = await t.database.db.select().from(letters).where(eq(letters.messageId, letter.id));
    const postedAt = await t.env.currentTimeMs();
    expect(await markPrintBatchPosted(t.database.db, queued!.batchId!, new Date(postedAt))).toMatchObject({ changed: true, postedLetters: 1 });
    // 17 days from the step would have been day 20; counted from the posting (day 6) it is day 23.
    await t.env.sleep(postedAt + 16 * DAY - (await t.env.currentTimeMs()));
    expect((await handle.query(invoiceState)).feesCents).toBe(0);
    await t.env.sleep('2 days');
    const wik = wikFeeCents(100_000);
    expect((await handle.query(invoiceState)).feesCents).toBe(wik);
    expect(await feeEvents(input.invoiceId)).toEqual([
      expect.objectContaining({ fee_cents: wik, wik_notice: 'delivered', notice: { channel: 'letter', accepted_at: new Date(postedAt).toISOString() } }),
    ]);
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 100_000 + wik, externalId: 'p', source: 'partner' }] });
  });

  test('when only an SMS went, the fallback letter waits an hour for its delivery report, and goes when none came', async () => {
    await t.daytime();
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(0), policy: wikPolicy, debtor: { email: 'refused@example.nl', phone: '+31612345678', address } });
    const handle = await t.start(input);
    await t.env.sleep('4 days');
    const step = (await t.eventsOf(input.invoiceId)).find((e) => e.type === 'invoice.dunning_level_changed' && e.data.step)!;
    expect(step.data.messages).toEqual([
      expect.objectContaining({ channel: 'email', status: 'failed' }),
      expect.objectContaining({ channel: 'sms', status: 'outbox' }),
      expect.objectContaining({ channel: 'letter', status: 'queued' }),
    ]);
    const history = (await handle.fetchHistory()).events!;
    const scheduled = history.filter((e) => e.activityTaskScheduledEventAttributes);
    const names = scheduled.map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
    const at = (i: number) => Number(scheduled[i]!.eventTime!.seconds) * 1000;
    const letterAt = names.lastIndexOf('sendInvoiceMessage');
    // Email and SMS (through the debtor's workflow), then (an hour later) the delivery check that found nothing, then the letter.
    expect(names.slice(letterAt - 2, letterAt + 1)).toEqual(['requestDebtorContact', 'noticeDelivery', 'sendInvoiceMessage']);
    expect(at(letterAt - 1) - at(letterAt - 2)).toBeGreaterThanOrEqual(3_600_000);
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: 'p', source: 'partner' }] });
  });

  test('a run handed over by continue-as-new before fees were generalised still charges its pending statutory fee, as runs did then', async () => {
    await t.daytime();
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: await day(-30), amountCents: 100_000, policy: wikPolicy });
    const chargeableAt = (await t.env.currentTimeMs()) + 2 * DAY;
    // The resume state exactly as a run from before this change handed it over: `pendingWikFee`, no `paced`.
    const stored = { stepIndex: 1, shiftMs: 0, contacts: [], pendingWikFee: { chargeableAt, level: 1, stepIndex: 0 } };
    const resume = {
      state: { ...initialCollectionState(100_000), status: 'overdue' as const, pastDue: true, dunningLevel: 1 },
      plan: stored as unknown as PlanState,
      revision: 0,
      promise: null,
      paymentPlan: null,
      heldSince: null,
    };
    const handle = await t.start({ ...input, resume });
    await t.env.sleep('1 day');
    expect((await handle.query(invoiceState)).feesCents).toBe(0);
    await t.env.sleep('2 days');
    // No delivery check for runs from before: charged at its time, with the old event.
    expect((await handle.query(invoiceState)).feesCents).toBe(wikFeeCents(100_000));
    expect(await feeEvents(input.invoiceId)).toEqual([
      expect.objectContaining({ fee_type: 'wik', fee_cents: wikFeeCents(100_000), guardrails: [{ check: 'wik_notice', result: 'passed', detail: 'the 14-day notice period has ended' }] }),
    ]);
    const history = await handle.fetchHistory();
    expect(history.events!.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'noticeDelivery')).toBe(false);
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 100_000 + wikFeeCents(100_000), externalId: 'p', source: 'partner' }] });
  });

  test('the default policy gives its fee-bearing levels a letter fallback', () => {
    expect(defaultDunningPolicy.steps.filter((s) => s.fee).map((s) => s.fallback)).toEqual(['letter', 'letter']);
  });
});
