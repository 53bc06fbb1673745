import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { asc, eq } from 'drizzle-orm';
import { createActivities } from '../../activities';
import type { SendMessageResult } from '../../activities/messaging';
import type { Database } from '../../db/client';
import { events, messages, portalContactChanges } from '../../db/schema';
import { createMailer } from '../../messaging/mailer';
import { createSmsSender } from '../../messaging/sms';
import { createTestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { silentLogger } from '../support/logger';
import { dateFrom, seedCompany, seedInvoice } from '../support/seed';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { startTwilioApi, type TwilioApi } from '../support/twilio-api';

/**
 * A send whose attempt died between claiming its send key and recording the provider's answer (a
 * worker killed mid-send) is resolved by the next attempt, never dropped: the first attempt runs
 * the real activity against a real SMTP server or the Twilio-like API, which takes the message
 * and then never answers (the sender is as good as dead); the retry runs once that claim is older
 * than an attempt may run. Email is sent again with the first copy's Message-ID; an SMS is looked
 * up in the provider's message log and sent only if it is not there.
 */
const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'test-twilio-auth-token-0123456789';
const FROM = '+3197010203040';
/** The attempt timeout of the resuming retry: the first attempt's claim is older than this by then. */
const SHORT_ATTEMPT_MS = 1_000;

let database: Database;
let smtp: TestSmtpServer;
let twilio: TwilioApi;
let seed: Awaited<ReturnType<typeof seedCompany>>;
/** Recipients whose first email or SMS the server takes and then holds unanswered, or (SMS) drops unrecorded. */
const holdFirst = new Map<string, 'hold' | 'drop'>();
const releaseHeld: Array<() => void> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  seed = await seedCompany(database.db);
  smtp = await startSmtpServer({
    async beforeAccept(mail) {
      const to = mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : undefined;
      if (!to || !holdFirst.delete(to)) return;
      // Received in full, never answered: the sending attempt waits until the test ends.
      await new Promise<void>((resolve) => releaseHeld.push(resolve));
      throw Object.assign(new Error('4.3.0 shutting down'), { responseCode: 421 });
    },
  });
  twilio = await startTwilioApi({
    onCreate(form) {
      const how = holdFirst.get(form.To ?? '');
      holdFirst.delete(form.To ?? '');
      return how ?? 'accept';
    },
  });
}, 60_000);

afterAll(async () => {
  for (const release of releaseHeld) release();
  await twilio?.close();
  await smtp?.close();
  await database?.close();
});

const activities = () =>
  createActivities({
    db: database.db,
    mailer: createMailer({ smtpUrl: smtp.url, from: 'Recoup <noreply@recoup.test>', logger: silentLogger }),
    sms: createSmsSender({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, apiBaseUrl: twilio.url, logger: silentLogger }),
    config: { publicBaseUrl: 'http://portal.test', portalSecret: 'test-portal-secret-123456', TEMPORAL_TASK_QUEUE: 'interrupted-send' },
    // Sends use no workflow client; a lazy one never connects.
    temporal: new Client({ connection: Connection.lazy() }),
    logger: silentLogger,
  });

/** One attempt of the invoice notice's send, with the given start-to-close timeout (the invoice workflow gives sends 1 minute). */
function attempt(invoiceId: string, channel: 'email' | 'sms', startToCloseTimeoutMs = 60_000): Promise<SendMessageResult> {
  const env = new MockActivityEnvironment({ startToCloseTimeoutMs }, { logger: new DefaultLogger('ERROR') });
  return env.run(activities().sendInvoiceMessage, { invoiceId, purpose: 'transmit', channel, kind: 'invoice_notice' as const });
}

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
const messagesOf = (invoiceId: string) => database.db.select().from(messages).where(eq(messages.invoiceId, invoiceId)).orderBy(asc(messages.createdAt));
const eventsOf = async (invoiceId: string) => (await database.db.select().from(events).where(eq(events.invoiceId, invoiceId)).orderBy(asc(events.seq))).map((e) => ({ type: e.type, data: e.data }));
const emailsTo = (address: string) => smtp.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.value.some((v) => v.address === address));
const smsTo = (phone: string) => twilio.accepted.filter((r) => r.form.To === phone);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the first attempt until the provider has the message (or, `drop`, has seen and discarded
 * it) and leaves it hanging there; answers the invoice id once its claim is older than SHORT_ATTEMPT_MS.
 */
async function interruptedFirstAttempt(channel: 'email' | 'sms', recipient: string, how: 'hold' | 'drop' = 'hold'): Promise<string> {
  const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(Date.now(), 10), debtor: channel === 'email' ? { email: recipient } : { phone: recipient } });
  holdFirst.set(recipient, how);
  const requestsBefore = twilio.requests.length;
  void attempt(input.invoiceId, channel).catch(() => undefined);
  await eventually(async () => {
    if (channel === 'email') expect(emailsTo(recipient)).toHaveLength(1);
    else expect(twilio.requests.slice(requestsBefore).filter((r) => r.form.To === recipient)).toHaveLength(1);
  });
  expect(await messagesOf(input.invoiceId)).toEqual([expect.objectContaining({ status: 'sending', attempts: 1 })]);
  await sleep(SHORT_ATTEMPT_MS + 200);
  return input.invoiceId;
}

test('email: a retry while the first attempt may still be sending waits; once that attempt is dead, the email goes again with the same Message-ID', async () => {
  const address = `${unique('killed')}@example.nl`;
  const invoiceId = await interruptedFirstAttempt('email', address);
  const [first] = emailsTo(address);

  // An attempt that may still be alive (younger than a 1-minute attempt) is never sent over.
  await expect(attempt(invoiceId, 'email')).rejects.toThrow(/being sent by another attempt/);
  expect(emailsTo(address)).toHaveLength(1);

  const result = await attempt(invoiceId, 'email', SHORT_ATTEMPT_MS);
  const [row] = await messagesOf(invoiceId);
  expect(result).toEqual({ status: 'sent', messageId: row!.id });
  // Exactly one more copy, with the Message-ID of the first: the mailbox that has the first drops it.
  const copies = emailsTo(address);
  expect(copies).toHaveLength(2);
  expect(copies[1]!.messageId).toBe(first!.messageId);
  expect(first!.messageId).toBe(`<${invoiceId}.transmit.email@recoup>`);
  expect(copies[1]!.subject).toBe(first!.subject);
  expect(copies[1]!.text).toBe(first!.text);
  expect(row).toMatchObject({ status: 'sent', attempts: 2, resentAt: expect.any(Date) });
  expect(await eventsOf(invoiceId)).toEqual([{ type: 'message.sent', data: expect.objectContaining({ message_id: row!.id, channel: 'email', attempt: 2, resent: true }) }]);

  // Settled: a further retry reads the row and sends nothing.
  expect(await attempt(invoiceId, 'email', SHORT_ATTEMPT_MS)).toEqual(result);
  expect(emailsTo(address)).toHaveLength(2);
});

test('SMS that went out before its attempt died: found in the provider’s message log and settled with its SID, no second SMS', async () => {
  const phone = '+316' + String(Math.floor(10_000_000 + Math.random() * 89_999_999));
  const invoiceId = await interruptedFirstAttempt('sms', phone);
  expect(smsTo(phone)).toHaveLength(1);
  const [sent] = smsTo(phone);
  // Its delivery report came while we did not know its SID: the log's status is taken over as well.
  twilio.setStatus(sent!.sid, 'delivered');

  const result = await attempt(invoiceId, 'sms', SHORT_ATTEMPT_MS);
  const [row] = await messagesOf(invoiceId);
  expect(result).toEqual({ status: 'sent', messageId: row!.id });
  expect(smsTo(phone)).toHaveLength(1);
  expect(twilio.requests.filter((r) => r.method === 'POST' && r.form.To === phone)).toHaveLength(1);
  // The SDK asked the log by recipient and send date.
  const lookup = twilio.requests.find((r) => r.method === 'GET' && r.path.includes(`To=${encodeURIComponent(phone)}`));
  expect(lookup?.path).toMatch(/DateSent%3E=\d{4}-\d{2}-\d{2}T/);
  expect(row).toMatchObject({ status: 'delivered', providerMessageId: sent!.sid, attempts: 2, resentAt: null, deliveredAt: expect.any(Date) });
  expect(await eventsOf(invoiceId)).toEqual([
    { type: 'message.sent', data: expect.objectContaining({ message_id: row!.id, channel: 'sms', attempt: 2, resent: false, found_in_provider_log: true }) },
    { type: 'message.delivered', data: expect.objectContaining({ message_id: row!.id, channel: 'sms' }) },
  ]);
});

test('SMS that never reached the provider before its attempt died: not in the log, so it is sent, once', async () => {
  const phone = '+316' + String(Math.floor(10_000_000 + Math.random() * 89_999_999));
  const invoiceId = await interruptedFirstAttempt('sms', phone, 'drop');
  expect(smsTo(phone)).toHaveLength(0);

  const result = await attempt(invoiceId, 'sms', SHORT_ATTEMPT_MS);
  const [row] = await messagesOf(invoiceId);
  expect(result).toEqual({ status: 'sent', messageId: row!.id });
  expect(smsTo(phone)).toHaveLength(1);
  expect(smsTo(phone)[0]!.form.Body).toBe(row!.bodyText);
  expect(row).toMatchObject({ status: 'sent', providerMessageId: smsTo(phone)[0]!.sid, attempts: 2, resentAt: expect.any(Date) });
  expect(await eventsOf(invoiceId)).toEqual([{ type: 'message.sent', data: expect.objectContaining({ message_id: row!.id, channel: 'sms', attempt: 2, resent: true }) }]);
});

test('a contact-change confirmation cut off mid-send is resolved the same way: not sent over a live attempt, then sent again with its Message-ID', async () => {
  const previous = `${unique('previous')}@example.nl`;
  const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(Date.now(), 10), debtor: { email: 'now@example.nl' } });
  const changeId = unique('pcc');
  await database.db.insert(portalContactChanges).values({ id: changeId, invoiceId: input.invoiceId, previous: { email: previous }, changed: { email: 'now@example.nl' } });
  const confirm = (startToCloseTimeoutMs = 60_000) =>
    new MockActivityEnvironment({ startToCloseTimeoutMs }, { logger: new DefaultLogger('ERROR') }).run(activities().sendContactChangeConfirmation, { changeId, channel: 'email' as const });
  holdFirst.set(previous, 'hold');
  void confirm().catch(() => undefined);
  await eventually(async () => expect(emailsTo(previous)).toHaveLength(1));

  await expect(confirm()).rejects.toThrow(/being sent by another attempt/);
  expect(emailsTo(previous)).toHaveLength(1);
  await sleep(SHORT_ATTEMPT_MS + 200);
  const [row] = await messagesOf(input.invoiceId);
  expect(await confirm(SHORT_ATTEMPT_MS)).toEqual({ status: 'sent', messageId: row!.id });
  const copies = emailsTo(previous);
  expect(copies).toHaveLength(2);
  expect(copies[1]!.messageId).toBe(copies[0]!.messageId);
  expect((await messagesOf(input.invoiceId))[0]).toMatchObject({ kind: 'contact_change_confirmation', status: 'sent', attempts: 2, resentAt: expect.any(Date) });
});
