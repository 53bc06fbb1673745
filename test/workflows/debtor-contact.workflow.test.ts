import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { createActivities } from '../../activities';
import type { CoveredSend, DebtorContactSendInput } from '../../activities/debtor-contact';
import { invoices, messages } from '../../db/schema';
import { defaultDunningPolicy, dunningPolicySchema } from '../../domain/dunning-policy';
import { wikFeeCents } from '../../domain/fees';
import { createMailer, type Mailer } from '../../messaging/mailer';
import { createSmsSender } from '../../messaging/sms';
import { debtorContactState, debtorWorkflowId } from '../../workflows/debtor.messages';
import { invoiceState, invoiceWorkflowId } from '../../workflows/invoice.messages';
import { eventually } from '../support/eventually';
import { silentLogger } from '../support/logger';
import { dateFrom, seedInvoice } from '../support/seed';
import { startWorkflowTestEnv, type WorkflowTestEnv } from '../support/workflow-env';

/**
 * One contact budget per debtor across the debtor's invoices: the debtor's entity workflow, real
 * time-skipping Temporal server, real activities, database and SMTP.
 */
let t: WorkflowTestEnv;

beforeAll(async () => {
  t = await startWorkflowTestEnv();
}, 120_000);

afterAll(async () => {
  await t?.close();
});

/** `RECORD_HISTORIES=1` keeps a run's history for the replay test. */
async function keepHistory(workflowId: string, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await t.env.client.workflow.getHandle(workflowId).fetchHistory();
  writeFileSync(path.join(__dirname, '..', 'histories', `${name}.history.bin`), temporal.api.history.v1.History.encode(history).finish());
}

/** One attempt of the debtor workflow's send activity, outside a workflow, with the given mailer and timeout. */
function sendAttempt(mailer: Mailer, startToCloseTimeoutMs: number, input: DebtorContactSendInput): Promise<CoveredSend[]> {
  const activities = createActivities({
    db: t.database.db,
    mailer,
    sms: createSmsSender({ logger: silentLogger }),
    temporal: t.env.client,
    config: { publicBaseUrl: 'http://portal.test', portalSecret: 'test-portal-secret-123456', TEMPORAL_TASK_QUEUE: 'invoice-workflow-test' },
    logger: silentLogger,
  });
  return new MockActivityEnvironment({ startToCloseTimeoutMs }, { logger: new DefaultLogger('ERROR') }).run(activities.sendDebtorContact, input);
}
const smtpMailer = () => createMailer({ smtpUrl: t.smtp.url, from: 'Recoup <noreply@recoup.test>', logger: silentLogger });

const day = async (n: number) => dateFrom(await t.env.currentTimeMs(), n);
const emailsTo = (address: string) => t.smtp.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === address);

test('three invoices of one debtor through the default policy: one digest per step lists all three, each timeline says it was covered by it, and every fee is still charged on its own notice', async () => {
  const email = 'three@example.nl';
  const inputs = [];
  for (const amountCents of [10_000, 20_000, 30_000]) inputs.push(await seedInvoice(t.database.db, t.seed, { dueDate: await day(10), amountCents, debtor: { email } }));
  const handles = [];
  for (const input of inputs) handles.push(await t.start(input));
  await t.env.sleep('60 days');

  // Alone, each invoice would have sent its notice, three reminders and two dunning notices: 18 emails.
  const received = emailsTo(email);
  expect(received).toHaveLength(6);
  const numbers = await Promise.all(inputs.map(async (i) => (await t.invoiceRow(i.invoiceId)).invoiceNumber));
  for (const mail of received) {
    expect(mail.subject).toBe('3 open invoices from Hockey Club Test');
    for (const n of numbers) expect(mail.text).toContain(n);
    // The same unsubscribe headers as a single invoice's email.
    expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toContain('http://portal.test/');
  }
  expect(received[0]!.text).toContain('sent you invoice');
  // The dunning digests state each invoice's announced fee and the day to pay by (level 2: the statutory fee).
  expect(received[4]!.text!.match(/If you do not pay by \d{4}-\d\d-\d\d, a fee of €5\.00 will be charged/g) ?? []).toHaveLength(3);
  expect(received[5]!.text).toMatch(/by \d{4}-\d\d-\d\d at the latest, collection costs of €/);

  for (const [i, input] of inputs.entries()) {
    const others = inputs.filter((x) => x !== input).map((x) => x.invoiceId).sort();
    const events = await t.eventsOf(input.invoiceId);
    const reminders = events.filter((e) => e.type === 'invoice.reminder_sent');
    expect(reminders).toHaveLength(3);
    for (const r of reminders) {
      expect(r.data).toMatchObject({ digest_id: expect.stringMatching(/:digest\d+$/), debtor_guardrails: expect.arrayContaining([expect.objectContaining({ check: 'contact_limit' })]) });
      expect((r.data.covered_with as string[]).sort()).toEqual(others);
    }
    const sent = events.filter((e) => e.type === 'message.sent');
    expect(sent).toHaveLength(6);
    for (const s of sent) expect(s.data).toMatchObject({ digest_id: expect.any(String) });
    // Each invoice's rows carry its own send keys: the fee of each invoice was charged after its notice.
    const s = await handles[i]!.query(invoiceState);
    expect(s).toMatchObject({ status: 'in_debt_collection', feesCents: 500 + wikFeeCents(input.amountTotalCents) });
  }
  // Rows per invoice, one provider message per digest.
  const rows = (await Promise.all(inputs.map((i) => t.messagesOf(i.invoiceId)))).flat().filter((m) => m.channel === 'email');
  expect(rows).toHaveLength(18);
  expect(new Set(rows.map((m) => m.digestId)).size).toBe(6);
  // Each digest's three answers went out together: one workflow task initiated all three signals.
  const debtorHistory = (await t.env.client.workflow.getHandle(debtorWorkflowId((await t.invoiceRow(inputs[0]!.invoiceId)).debtorId)).fetchHistory()).events ?? [];
  const E = temporal.api.enums.v1.EventType;
  const signalsPerTask: number[] = [];
  for (const e of debtorHistory) {
    if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) signalsPerTask.push(0);
    else if (e.eventType === E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED) signalsPerTask[signalsPerTask.length - 1]! += 1;
  }
  const answering = signalsPerTask.filter((n) => n > 0);
  expect(answering.length).toBeGreaterThan(0);
  expect(answering).toEqual(answering.map(() => 3));
  await keepHistory(debtorWorkflowId((await t.invoiceRow(inputs[0]!.invoiceId)).debtorId), 'debtor-three-invoices-digests');
  await keepHistory(invoiceWorkflowId(inputs[0]!.invoiceId), 'invoice-covered-by-digests');
}, 180_000);

test('a limit of 2 contacts per 7 days holds over three invoices of one debtor, whose steps come due on different days', async () => {
  const email = 'limited@example.nl';
  const policy = dunningPolicySchema.parse({
    steps: [1, 3, 5, 8].map((offset_days) => ({ offset_days, action: 'reminder', channels: ['email'] })),
    min_days_between_contacts: 0,
    guardrails: { max_contacts_per_7_days: 2 },
  });
  const inputs = [];
  for (const n of [2, 3, 4]) inputs.push(await seedInvoice(t.database.db, t.seed, { dueDate: await day(n), policy, debtor: { email } }));
  for (const input of inputs) await t.start(input);
  // Emails arrived per half day, over five weeks.
  const perHalfDay: number[] = [];
  let seen = 0;
  for (let i = 0; i < 70; i++) {
    await t.env.sleep('12 hours');
    const now = emailsTo(email).length;
    perHalfDay.push(now - seen);
    seen = now;
  }
  // Any 14 half days span 7 days: never more than two contacts in them.
  const worst = Math.max(...perHalfDay.map((_, i) => perHalfDay.slice(i, i + 14).reduce((a, b) => a + b, 0)));
  expect(worst).toBeLessThanOrEqual(2);
  // Every step still reached the debtor, alone or in a digest.
  for (const input of inputs) expect((await t.eventsOf(input.invoiceId)).filter((e) => e.type === 'invoice.reminder_sent')).toHaveLength(4);
  const debtorId = (await t.invoiceRow(inputs[0]!.invoiceId)).debtorId;
  const state = await t.env.client.workflow.getHandle(debtorWorkflowId(debtorId)).query(debtorContactState).catch(() => null);
  if (state) expect(state.pending).toEqual([]);
}, 180_000);

test('a digest whose first attempt died between the grant and the send (its rows claimed, nothing sent) goes out exactly once from the next attempt', async () => {
  const email = 'interrupted@example.nl';
  const inputs = [];
  for (let i = 0; i < 2; i++) inputs.push(await seedInvoice(t.database.db, t.seed, { dueDate: await day(10), policy: defaultDunningPolicy, debtor: { email } }));
  const debtorId = (await t.invoiceRow(inputs[0]!.invoiceId)).debtorId;
  const real = smtpMailer();
  let provided = 0;
  // The first worker dies inside the provider call, before anything reaches the SMTP server.
  const dying: Mailer = { transport: real.transport, close: () => real.close(), send: () => new Promise(() => (provided += 1)) };
  const request = {
    debtorId,
    digestId: `${debtorId}:run1:digest1`,
    channel: 'email' as const,
    requests: inputs.map((i) => ({ invoiceId: i.invoiceId, purpose: 'transmit', kind: 'invoice_notice' as const, extra: {} })),
  };
  const attempt = (mailer: Mailer, startToCloseTimeoutMs: number) => sendAttempt(mailer, startToCloseTimeoutMs, request);

  void attempt(dying, 60_000);
  await eventually(async () => expect(provided).toBe(1));
  const claimed = await t.database.db.select().from(messages).where(eq(messages.digestId, request.digestId));
  expect(claimed.map((m) => m.status)).toEqual(['sending', 'sending']);

  // A retry while the first attempt may still be in its provider call waits for it.
  await expect(attempt(real, 60_000)).rejects.toThrow(/being sent by another attempt/);
  // Once the claim is older than an attempt may run, the next attempt takes it over and sends it.
  await new Promise((r) => setTimeout(r, 50));
  const answers = await attempt(real, 10);
  expect(answers.map((a) => [a.invoiceId, a.result?.status, a.digest])).toEqual(inputs.map((i) => [i.invoiceId, 'sent', true]));
  // And another retry (the activity completed but its answer was lost) sends nothing more.
  await attempt(real, 10);
  await new Promise((r) => setTimeout(r, 200));
  const received = emailsTo(email);
  expect(received).toHaveLength(1);
  expect(received[0]!.messageId).toBe(`<${debtorId}.run1.digest1.email@recoup>`);
  const rows = await t.database.db.select().from(messages).where(eq(messages.digestId, request.digestId));
  expect(rows.map((m) => m.status)).toEqual(['sent', 'sent']);
}, 180_000);

test('an invoice paid before the grant is left out: the other goes alone, as its own message', async () => {
  const email = 'one-paid@example.nl';
  const inputs = [];
  for (let i = 0; i < 2; i++) inputs.push(await seedInvoice(t.database.db, t.seed, { dueDate: await day(10), debtor: { email } }));
  await t.database.db.update(invoices).set({ status: 'paid' }).where(eq(invoices.id, inputs[0]!.invoiceId));
  const debtorId = (await t.invoiceRow(inputs[0]!.invoiceId)).debtorId;
  const answers = await sendAttempt(smtpMailer(), 60_000, {
    debtorId,
    digestId: `${debtorId}:run1:digest1`,
    channel: 'email',
    requests: inputs.map((i) => ({ invoiceId: i.invoiceId, purpose: 'step0', kind: 'reminder', extra: {} })),
  });
  expect(answers.map((a) => [a.result?.status ?? null, a.digest])).toEqual([
    [null, false],
    ['sent', false],
  ]);
  await eventually(async () => expect(emailsTo(email)).toHaveLength(1));
  expect(emailsTo(email)[0]!.messageId).toBe(`<${inputs[1]!.invoiceId}.step0.email@recoup>`);
  expect(await t.messagesOf(inputs[0]!.invoiceId)).toEqual([]);
}, 180_000);

test('a debtor workflow terminated before it answered: each invoice asks again a day later, and its notice still goes out', async () => {
  const email = 'terminated@example.nl';
  const inputs = [];
  for (let i = 0; i < 2; i++) inputs.push(await seedInvoice(t.database.db, t.seed, { dueDate: await day(20), debtor: { email } }));
  const debtorId = (await t.invoiceRow(inputs[0]!.invoiceId)).debtorId;
  for (const input of inputs) await t.start(input);
  // Both notices asked; the debtor's workflow is gathering them when an operator terminates it.
  const debtor = t.env.client.workflow.getHandle(debtorWorkflowId(debtorId));
  await eventually(async () => expect((await debtor.query(debtorContactState)).pending).toHaveLength(2));
  await debtor.terminate('operator terminated it');
  await t.env.sleep('2 hours');
  expect(emailsTo(email)).toHaveLength(0);
  await t.env.sleep('1 day');
  // Asked again, a new run of the debtor's workflow sends both notices, once.
  expect(emailsTo(email)).toHaveLength(1);
  for (const input of inputs) expect((await t.messagesOf(input.invoiceId)).map((m) => [m.sendKey, m.status])).toEqual([[`${input.invoiceId}:transmit:email`, 'sent']]);
}, 180_000);
