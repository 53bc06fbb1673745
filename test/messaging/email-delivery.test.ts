import { MockActivityEnvironment, TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Worker } from '@temporalio/worker';
import { asc, eq } from 'drizzle-orm';
import { createActivities } from '../../activities';
import type { SendMessageResult } from '../../activities/messaging';
import type { Database } from '../../db/client';
import { events, invoices, messages } from '../../db/schema';
import { dunningPolicySchema } from '../../domain/dunning-policy';
import { createMailer } from '../../messaging/mailer';
import { createSmsSender } from '../../messaging/sms';
import { registerSearchAttributes } from '../../temporal/search-attributes';
import { debtorWorkflowId } from '../../workflows/debtor.messages';
import { invoiceWorkflowId, registerPayment, type InvoiceWorkflowInput } from '../../workflows/invoice.messages';
import type { invoiceWorkflow } from '../../workflows/invoice.workflow';
import { createTestDatabase } from '../support/database';
import { silentLogger } from '../support/logger';
import { dateFrom, seedCompany, seedInvoice } from '../support/seed';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { workflowBundle } from '../support/stack';
import { daytimeTimezone } from '../support/daytime';
import { freePort } from '../support/http';

/**
 * Email delivery failures against a real SMTP server that refuses some recipients: permanent
 * refusals (5xx) are recorded once as failed, temporary ones (4xx, no server) are retried by
 * Temporal and the email arrives exactly once.
 */
const taskQueue = 'email-delivery-test';
const refusedQueue = 'email-delivery-no-server-test';
const portalConfig = { publicBaseUrl: 'http://portal.test', portalSecret: 'test-portal-secret-123456' };

let env: TestWorkflowEnvironment;
let database: Database;
let smtp: TestSmtpServer;
let seed: Awaited<ReturnType<typeof seedCompany>>;
let workers: Array<{ worker: Worker; running: Promise<void> }> = [];
/** RCPT TO attempts per address, so a test can tell how often the activity tried. */
const rcptAttempts = new Map<string, number>();
/** Port of a mail server that starts later: sends to it are refused at the TCP level until then. */
let latePort: number;
let lateSmtp: TestSmtpServer | undefined;

const policy = dunningPolicySchema.parse({ steps: [{ offset_days: 1, action: 'reminder', channels: ['email'] }] });

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } } });
  await registerSearchAttributes(env.connection, 'default');
  database = await createTestDatabase();
  smtp = await startSmtpServer({
    rejectRecipient(address) {
      const attempt = (rcptAttempts.get(address) ?? 0) + 1;
      rcptAttempts.set(address, attempt);
      if (address.startsWith('unknown')) return { code: 550, message: '5.1.1 No such user here' };
      const busy = /^busy(\d+)-/.exec(address);
      if (busy && attempt <= Number(busy[1])) return { code: 451, message: '4.3.2 Mailbox busy, try again later' };
      return undefined;
    },
    beforeAccept(mail) {
      if (mail.to && !Array.isArray(mail.to) && mail.to.value[0]?.address?.startsWith('spam')) {
        throw Object.assign(new Error('5.7.1 Message rejected as spam'), { responseCode: 554 });
      }
    },
  });
  latePort = await freePort();
  seed = await seedCompany(database.db);
  const bundle = await workflowBundle();
  for (const [queue, smtpUrl] of [
    [taskQueue, smtp.url],
    [refusedQueue, `smtp://127.0.0.1:${latePort}`],
  ] as const) {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: queue,
      workflowBundle: bundle,
      activities: createActivities({
        db: database.db,
        mailer: createMailer({ smtpUrl, from: 'Recoup <noreply@recoup.test>', logger: silentLogger }),
        sms: createSmsSender({ logger: silentLogger }),
        temporal: env.client,
        config: { ...portalConfig, TEMPORAL_TASK_QUEUE: queue },
        logger: silentLogger,
      }),
    });
    workers.push({ worker, running: worker.run() });
  }
}, 120_000);

afterAll(async () => {
  for (const w of workers) w.worker.shutdown();
  await Promise.all(workers.map((w) => w.running));
  workers = [];
  await env?.teardown();
  await smtp?.close();
  await lateSmtp?.close();
  await database?.close();
});

async function startInvoice(email: string, queue = taskQueue): Promise<InvoiceWorkflowInput> {
  const now = await env.currentTimeMs();
  const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(now, 10), policy, debtor: { email, timezone: daytimeTimezone(now) } });
  await env.client.workflow.start<typeof invoiceWorkflow>('invoiceWorkflow', { workflowId: invoiceWorkflowId(input.invoiceId), taskQueue: queue, args: [input] });
  return input;
}

const messagesOf = (invoiceId: string) => database.db.select().from(messages).where(eq(messages.invoiceId, invoiceId)).orderBy(asc(messages.createdAt));
const eventsOf = (invoiceId: string) => database.db.select().from(events).where(eq(events.invoiceId, invoiceId)).orderBy(asc(events.seq));
const emailsTo = (server: TestSmtpServer, address: string) =>
  server.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.value.some((v) => v.address === address));
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}@example.nl`;

async function payAndFinish(invoiceId: string): Promise<void> {
  const handle = env.client.workflow.getHandle(invoiceWorkflowId(invoiceId));
  await handle.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: 'paid', source: 'partner' }] });
  expect((await handle.result()).status).toBe('paid');
}

describe('a permanent refusal is recorded once as failed, and collection goes on', () => {
  test.each([
    ['550 to RCPT TO (no such user)', 'unknown', /550 5\.1\.1 No such user/],
    ['554 to DATA (rejected as spam)', 'spam', /554 5\.7\.1 Message rejected as spam/],
  ])('%s', async (_label, prefix, reason) => {
    const address = unique(prefix);
    const input = await startInvoice(address);
    await env.sleep('1 minute');

    const [notice] = await messagesOf(input.invoiceId);
    expect(notice).toMatchObject({ kind: 'invoice_notice', status: 'failed', transport: 'smtp', recipient: address });
    expect(notice!.error).toMatch(reason);
    const failed = (await eventsOf(input.invoiceId)).filter((e) => e.type === 'message.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data).toMatchObject({ message_id: notice!.id, channel: 'email', kind: 'invoice_notice', reason: expect.stringMatching(reason) });
    expect((await eventsOf(input.invoiceId)).map((e) => e.type)).not.toContain('message.sent');
    // Not retried: one attempt at the server, however long we wait.
    expect(rcptAttempts.get(address)).toBe(1);
    expect(emailsTo(smtp, address)).toHaveLength(prefix === 'spam' ? 1 : 0); // the spam filter saw it, and refused it

    // The policy's next step still runs (and is refused in turn).
    await env.sleep('12 days');
    expect((await messagesOf(input.invoiceId)).map((m) => [m.kind, m.status])).toEqual([
      ['invoice_notice', 'failed'],
      ['reminder', 'failed'],
    ]);
    await payAndFinish(input.invoiceId);
  });
});

describe('a temporary failure is retried by the activity and the email arrives exactly once', () => {
  test('451 to the first three attempts: delivered on the fourth', async () => {
    const address = unique('busy3');
    const input = await startInvoice(address);
    await env.sleep('5 minutes');

    expect(rcptAttempts.get(address)).toBe(4);
    const received = emailsTo(smtp, address);
    expect(received).toHaveLength(1);
    const rows = await messagesOf(input.invoiceId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'sent', kind: 'invoice_notice', error: null });
    // One Message-ID for every attempt, from the send key: a receiving server could spot a duplicate too.
    expect(received[0]!.messageId).toBe(`<${input.invoiceId}.transmit.email@recoup>`);
    expect(rows[0]!.providerMessageId).toBe(received[0]!.messageId);
    const types = (await eventsOf(input.invoiceId)).map((e) => e.type);
    expect(types.filter((t) => t === 'message.sent')).toHaveLength(1);
    expect(types).not.toContain('message.failed');

    // The send's attempts are in the history of the debtor's workflow, which sends for the invoice.
    const [row] = await database.db.select({ debtorId: invoices.debtorId }).from(invoices).where(eq(invoices.id, input.invoiceId));
    const history = await env.client.workflow.getHandle(debtorWorkflowId(row!.debtorId)).fetchHistory();
    const started = history.events!.filter((e) => e.activityTaskStartedEventAttributes);
    expect(started.some((e) => e.activityTaskStartedEventAttributes!.attempt === 4)).toBe(true);
    await payAndFinish(input.invoiceId);
  });

  test('no mail server listening: retried until it is, then delivered once', async () => {
    const address = unique('late');
    const input = await startInvoice(address, refusedQueue);
    await env.sleep('2 minutes');
    expect(await messagesOf(input.invoiceId)).toEqual([]); // each refused attempt released its send key

    lateSmtp = await startSmtpServer({ port: latePort });
    await env.sleep('15 minutes');

    expect(emailsTo(lateSmtp, address)).toHaveLength(1);
    expect(await messagesOf(input.invoiceId)).toEqual([expect.objectContaining({ status: 'sent', kind: 'invoice_notice' })]);
    expect((await eventsOf(input.invoiceId)).filter((e) => e.type === 'message.sent')).toHaveLength(1);
    await payAndFinish(input.invoiceId);
  });
});

test('the same send asked for twice (a redelivered task, a repeated update) emails the debtor once', async () => {
  const address = unique('twice');
  const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(Date.now(), 10), debtor: { email: address } });
  const activities = createActivities({
    db: database.db,
    mailer: createMailer({ smtpUrl: smtp.url, from: 'Recoup <noreply@recoup.test>', logger: silentLogger }),
    sms: createSmsSender({ logger: silentLogger }),
    temporal: env.client,
    config: { ...portalConfig, TEMPORAL_TASK_QUEUE: taskQueue },
    logger: silentLogger,
  });
  // Warnings off: the losing attempt's "failed" is the point of the race.
  const activity = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  const run = (purpose: string): Promise<SendMessageResult> => activity.run(activities.sendInvoiceMessage, { invoiceId: input.invoiceId, purpose, channel: 'email' as const, kind: 'reminder' as const });

  const first = await run('step1');
  expect(first).toMatchObject({ status: 'sent' });
  expect(await run('step1')).toEqual(first);

  // Two attempts at once: the send key lets one through; the other sees it or is told to retry.
  const racing = await Promise.allSettled([run('step2'), run('step2')]);
  expect(racing.filter((r) => r.status === 'fulfilled' && r.value.status === 'sent')).not.toHaveLength(0);
  const settled = await run('step2');
  for (const r of racing) if (r.status === 'fulfilled') expect(r.value).toEqual(settled);

  expect(emailsTo(smtp, address)).toHaveLength(2);
  expect((await messagesOf(input.invoiceId)).map((m) => m.sendKey)).toEqual([`${input.invoiceId}:step1:email`, `${input.invoiceId}:step2:email`]);
});

describe('a send found half-done (`sending`) by a retry', () => {
  async function halfDone(startedSecondsAgo: number) {
    const address = unique('half');
    const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(Date.now(), 10), debtor: { email: address } });
    const id = `msg_half${Math.random().toString(36).slice(2, 10)}`;
    await database.db.insert(messages).values({
      id,
      invoiceId: input.invoiceId,
      partnerId: seed.partner.id,
      companyId: seed.company.id,
      channel: 'email',
      kind: 'reminder',
      sendKey: `${input.invoiceId}:step1:email`,
      recipient: address,
      bodyText: 'written before the provider call',
      status: 'sending',
      transport: 'smtp',
      createdAt: new Date(Date.now() - startedSecondsAgo * 1000),
      claimedAt: new Date(Date.now() - startedSecondsAgo * 1000),
    });
    const activities = createActivities({
      db: database.db,
      mailer: createMailer({ smtpUrl: smtp.url, from: 'Recoup <noreply@recoup.test>', logger: silentLogger }),
      sms: createSmsSender({ logger: silentLogger }),
      temporal: env.client,
      config: { ...portalConfig, TEMPORAL_TASK_QUEUE: taskQueue },
      logger: silentLogger,
    });
    // The attempt's timeout as the invoice workflow sets it for sends.
    const activity = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000 }, { logger: new DefaultLogger('ERROR') });
    const send = (): Promise<SendMessageResult> => activity.run(activities.sendInvoiceMessage, { invoiceId: input.invoiceId, purpose: 'step1', channel: 'email' as const, kind: 'reminder' as const });
    return { id, input, address, send };
  }

  test('younger than an attempt may run: another attempt may be sending it, so this one fails for a later retry and sends nothing', async () => {
    const { id, input, address, send } = await halfDone(20);
    await expect(send()).rejects.toThrow(/being sent by another attempt/);
    expect(await messagesOf(input.invoiceId)).toEqual([expect.objectContaining({ id, status: 'sending' })]);
    expect(emailsTo(smtp, address)).toHaveLength(0);
  });

  test('older than an attempt may run: its worker died mid-send, so it is sent again from the row with the send key’s Message-ID, once', async () => {
    const { id, input, address, send } = await halfDone(120);
    expect(await send()).toEqual({ status: 'sent', messageId: id });
    expect(await send()).toEqual({ status: 'sent', messageId: id });
    const copies = emailsTo(smtp, address);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.messageId).toBe(`<${input.invoiceId}.step1.email@recoup>`);
    expect(copies[0]!.text?.trim()).toBe('written before the provider call');
    expect((await messagesOf(input.invoiceId))[0]).toMatchObject({ id, status: 'sent', attempts: 2, resentAt: expect.any(Date) });
    expect((await eventsOf(input.invoiceId)).map((e) => [e.type, e.data])).toEqual([['message.sent', expect.objectContaining({ message_id: id, attempt: 2, resent: true })]]);
  });
});
