import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { and, asc, eq } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import { debtorContactActivities, type CoveredSend, type DebtorContactSendInput } from '../../activities/debtor-contact';
import { messagingActivities, type SendMessageInput, type SendMessageResult } from '../../activities/messaging';
import { noticeDeliveryActivities } from '../../activities/notice-delivery';
import type { Database } from '../../db/client';
import { conversationEntries, debtors, events, invoices, messages } from '../../db/schema';
import { replyAddressFor } from '../../inbound/reply-address';
import { startInboundSmtpServer, type InboundSmtpServer } from '../../inbound/server';
import { createMailer } from '../../messaging/mailer';
import { createSmsSender } from '../../messaging/sms';
import { changeDebtorDetails, lockDebtor } from '../../services/debtors';
import { createTestDatabase } from '../support/database';
import { silentLogger } from '../support/logger';
import { seedCompany, seedInvoice } from '../support/seed';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { smtpTransaction } from '../support/smtp-client';

/**
 * Replies and bounces through real SMTP conversations with the inbound server: every email we
 * send names its message in a signed Reply-To (and envelope sender); the server takes a reply or
 * a delivery status notification to it, and refuses the rest at SMTP time.
 */
const key = { domain: 'reply.recoup.test', secret: 'inbound-test-reply-secret-0123' };

let database: Database;
let outgoing: TestSmtpServer;
let inbound: InboundSmtpServer;
let seed: Awaited<ReturnType<typeof seedCompany>>;
let send: (input: SendMessageInput) => Promise<SendMessageResult>;
let sendDigest: (input: DebtorContactSendInput) => Promise<CoveredSend[]>;

beforeAll(async () => {
  database = await createTestDatabase();
  seed = await seedCompany(database.db);
  outgoing = await startSmtpServer();
  inbound = await startInboundSmtpServer({ db: database.db, key, port: 0, host: '127.0.0.1', logger: silentLogger });
  const deps = {
    db: database.db,
    mailer: createMailer({ smtpUrl: outgoing.url, from: 'Recoup <noreply@recoup.test>', logger: silentLogger }),
    sms: createSmsSender({ logger: silentLogger }),
    // Sending a message never starts or signals a workflow.
    temporal: undefined as unknown as Client,
    config: { publicBaseUrl: 'http://portal.test', portalSecret: 'test-portal-secret-123456', TEMPORAL_TASK_QUEUE: 'unused', inboundEmail: key },
    logger: silentLogger,
  };
  const activities = messagingActivities(deps);
  const digests = debtorContactActivities(deps);
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  send = (input) => env.run(activities.sendInvoiceMessage, input);
  sendDigest = (input) => env.run(digests.sendDebtorContact, input);
}, 60_000);

afterAll(async () => {
  await inbound?.close();
  await outgoing?.close();
  await database?.close();
});

let counter = 0;
/** An invoice of its own debtor, its reminder emailed; the email as it arrived and its reply address. */
async function emailedReminder() {
  const debtorEmail = `debtor${++counter}-${Date.now()}@example.nl`;
  const input = await seedInvoice(database.db, seed, { dueDate: '2026-01-01', debtor: { email: debtorEmail, phone: '+31612345678' } });
  const result = await send({ invoiceId: input.invoiceId, purpose: 'step0', channel: 'email', kind: 'reminder' });
  if (result.status !== 'sent') throw new Error(`not sent: ${JSON.stringify(result)}`);
  const arrived = await outgoing.waitFor(outgoing.messages.length).then((all) => all.findIndex((m) => m.messageId === `<${input.invoiceId}.step0.email@recoup>`));
  const mail = outgoing.messages[arrived]!;
  const replyTo = mail.replyTo!.value[0]!.address!;
  return { invoiceId: input.invoiceId, messageId: result.messageId, debtorEmail, mail, replyTo, envelopeSender: outgoing.envelopeSenders[arrived] };
}

const eventsOf = (invoiceId: string, type: string) =>
  database.db
    .select()
    .from(events)
    .where(and(eq(events.invoiceId, invoiceId), eq(events.type, type as never)))
    .orderBy(asc(events.seq));
const entriesOf = (invoiceId: string) => database.db.select().from(conversationEntries).where(eq(conversationEntries.invoiceId, invoiceId)).orderBy(asc(conversationEntries.createdAt));

function rfc822(o: { from: string; to: string; subject: string; messageId: string; body: string; headers?: string }): string {
  return [`From: ${o.from}`, `To: ${o.to}`, `Subject: ${o.subject}`, `Message-ID: ${o.messageId}`, 'MIME-Version: 1.0', ...(o.headers ? [o.headers] : ['Content-Type: text/plain; charset=utf-8']), '', o.body].join('\r\n');
}

test('a reply joins the thread and the timeline without the quoted message, once however often it is delivered', async () => {
  const sent = await emailedReminder();
  // The reply address names the message, signed, and is where bounces go too.
  expect(sent.replyTo).toBe(replyAddressFor(key, sent.messageId));
  expect(sent.replyTo).toMatch(/^[a-z2-7]+-[a-z2-7]+@reply\.recoup\.test$/);
  expect(sent.replyTo.split('@')[0]!.length).toBeLessThanOrEqual(64);
  expect(sent.envelopeSender).toBe(sent.replyTo);

  const reply = rfc822({
    // Mail servers may lower-case the local part; the From header's case is the debtor's own.
    from: `Debtor <${sent.debtorEmail.toUpperCase()}>`,
    to: sent.replyTo.toUpperCase(),
    subject: 'Re: Reminder',
    messageId: '<reply-1@mail.example.nl>',
    body: ['I paid this last week, see the attached receipt.', 'Kind regards, Anna', '', 'On Tue, 1 Dec 2026 at 09:00, Recoup <noreply@recoup.test> wrote:', '> Your invoice is overdue.', '> Please pay.'].join('\n'),
  });
  const first = await smtpTransaction(inbound.port, { from: sent.debtorEmail, to: sent.replyTo.toUpperCase(), data: reply });
  expect(first).toMatchObject({ rcptTo: 250, end: 250 });
  // The same reply again (a sending server that did not see our 250): nothing new.
  expect(await smtpTransaction(inbound.port, { from: sent.debtorEmail, to: sent.replyTo, data: reply })).toMatchObject({ end: 250 });

  const received = await eventsOf(sent.invoiceId, 'message.received');
  expect(received).toHaveLength(1);
  expect(received[0]!.data).toEqual({
    invoice_id: sent.invoiceId,
    debtor_id: expect.any(String),
    channel: 'email',
    from: sent.debtorEmail,
    subject: 'Re: Reminder',
    text: 'I paid this last week, see the attached receipt.\nKind regards, Anna',
    message_id: sent.messageId,
    provider_message_id: '<reply-1@mail.example.nl>',
  });
  const entries = await entriesOf(sent.invoiceId);
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatchObject({ direction: 'in', channel: 'email', kind: 'reply', body: 'I paid this last week, see the attached receipt.\nKind regards, Anna', messageId: sent.messageId });
});

test('an HTML-only reply in Dutch is read as text, its quote cut at "Op … schreef"', async () => {
  const sent = await emailedReminder();
  const html = '<div>Ik betaal vrijdag.</div><div>Op di 1 dec. 2026 om 09:00 schreef Recoup &lt;noreply@recoup.test&gt;:</div><blockquote>Uw factuur staat open.</blockquote>';
  const reply = rfc822({ from: sent.debtorEmail, to: sent.replyTo, subject: 'Re: Herinnering', messageId: '<reply-nl@mail.example.nl>', body: html, headers: 'Content-Type: text/html; charset=utf-8' });
  expect(await smtpTransaction(inbound.port, { from: sent.debtorEmail, to: sent.replyTo, data: reply })).toMatchObject({ end: 250 });
  const [received] = await eventsOf(sent.invoiceId, 'message.received');
  expect(received!.data).toMatchObject({ text: 'Ik betaal vrijdag.' });
});

test('a hard bounce (RFC 3464) marks the address undeliverable: the notice no longer counts, and the next step goes by SMS, not email', async () => {
  const sent = await emailedReminder();
  const notices = noticeDeliveryActivities({ db: database.db });
  expect(await notices.noticeDelivery({ invoiceId: sent.invoiceId, purposes: ['step0'] })).not.toBeNull();

  const dsn = [
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.nl>',
    `To: ${sent.replyTo}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Message-ID: <dsn-1@mx.example.nl>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain',
    '',
    'This is the mail system at host mx.example.nl. Your message could not be delivered.',
    '',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.nl',
    '',
    `Final-Recipient: rfc822; ${sent.debtorEmail}`,
    'Action: failed',
    'Status: 5.1.1',
    `Diagnostic-Code: smtp; 550 5.1.1 <${sent.debtorEmail}>: Recipient address`,
    ' rejected: User unknown',
    '',
    '--B',
    'Content-Type: text/rfc822-headers',
    '',
    `Message-ID: ${sent.mail.messageId}`,
    '',
    '--B--',
  ].join('\r\n');
  // Bounces come from the null sender.
  expect(await smtpTransaction(inbound.port, { from: '', to: sent.replyTo, data: dsn })).toMatchObject({ rcptTo: 250, end: 250 });
  expect(await smtpTransaction(inbound.port, { from: '', to: sent.replyTo, data: dsn })).toMatchObject({ end: 250 });

  const bounced = await eventsOf(sent.invoiceId, 'message.bounced');
  expect(bounced.map((e) => e.data)).toEqual([
    {
      invoice_id: sent.invoiceId,
      debtor_id: expect.any(String),
      message_id: sent.messageId,
      channel: 'email',
      recipient: sent.debtorEmail,
      status: '5.1.1',
      diagnostic: `550 5.1.1 <${sent.debtorEmail}>: Recipient address rejected: User unknown`,
      hard: true,
    },
  ]);
  const [message] = await database.db.select().from(messages).where(eq(messages.id, sent.messageId));
  expect(message!.status).toBe('bounced');
  expect(await notices.noticeDelivery({ invoiceId: sent.invoiceId, purposes: ['step0'] })).toBeNull();
  const entries = await entriesOf(sent.invoiceId);
  expect(entries.map((e) => [e.direction, e.channel, e.kind])).toEqual([['in', 'email', 'bounce']]);

  // The next step: email is skipped for its reason, SMS goes.
  expect(await send({ invoiceId: sent.invoiceId, purpose: 'step1', channel: 'email', kind: 'reminder' })).toEqual({ status: 'skipped', reason: 'email_undeliverable' });
  expect(await send({ invoiceId: sent.invoiceId, purpose: 'step1', channel: 'sms', kind: 'reminder' })).toMatchObject({ status: 'outbox' });

  // A new address from the debtor clears the mark: email goes again.
  const [invoice] = await database.db.select().from(invoices).where(eq(invoices.id, sent.invoiceId));
  await database.db.transaction(async (tx) => {
    const current = await lockDebtor(tx, seed.partner.id, invoice!.debtorId);
    await changeDebtorDetails(tx, current, { email: `new-${sent.debtorEmail}` });
  });
  const [debtor] = await database.db.select().from(debtors).where(eq(debtors.id, invoice!.debtorId));
  expect(debtor).toMatchObject({ emailUndeliverableAddress: null, emailUndeliverableAt: null });
  expect(await send({ invoiceId: sent.invoiceId, purpose: 'step2', channel: 'email', kind: 'reminder' })).toMatchObject({ status: 'sent' });
});

test('a non-standard bounce with a 4.x.x code is a soft bounce: recorded, the address stays in use', async () => {
  const sent = await emailedReminder();
  const bounce = rfc822({
    from: 'MAILER-DAEMON@mx.example.nl',
    to: sent.replyTo,
    subject: 'Mail delivery failed: returning message to sender',
    messageId: '<soft-1@mx.example.nl>',
    body: `This message was created automatically by mail delivery software.\n\n  ${sent.debtorEmail}\n    host mx.example.nl: 452 4.2.2 Mailbox full, try again later`,
  });
  expect(await smtpTransaction(inbound.port, { from: '', to: sent.replyTo, data: bounce })).toMatchObject({ end: 250 });
  const [bounced] = await eventsOf(sent.invoiceId, 'message.bounced');
  expect(bounced!.data).toMatchObject({ status: '4.2.2', hard: false, recipient: sent.debtorEmail });
  expect(await send({ invoiceId: sent.invoiceId, purpose: 'step1', channel: 'email', kind: 'reminder' })).toMatchObject({ status: 'sent' });
});

test("a digest's reply address names its first message; after a hard bounce the debtor's digest skips email", async () => {
  const sent = await emailedReminder();
  const second = await seedInvoice(database.db, seed, { dueDate: '2026-01-01', debtor: { email: sent.debtorEmail } });
  const [{ debtorId }] = (await database.db.select({ debtorId: invoices.debtorId }).from(invoices).where(eq(invoices.id, sent.invoiceId))) as [{ debtorId: string }];
  const digest = (n: number): DebtorContactSendInput => ({
    debtorId,
    digestId: `${debtorId}:run:digest${n}`,
    channel: 'email',
    requests: [sent.invoiceId, second.invoiceId].map((invoiceId) => ({ invoiceId, purpose: `step${n}`, kind: 'reminder' as const, extra: {} })),
  });
  const covered = await sendDigest(digest(1));
  expect(covered.map((c) => [c.digest, c.result?.status])).toEqual([[true, 'sent'], [true, 'sent']]);
  const mail = outgoing.messages.find((m) => m.messageId === `<${debtorId}.run.digest1.email@recoup>`)!;
  const replyTo = mail.replyTo!.value[0]!.address!;
  const named = covered.map((c) => (c.result && 'messageId' in c.result ? replyAddressFor(key, c.result.messageId) : null));
  expect(named).toContain(replyTo);

  const dsn = rfc822({ from: 'MAILER-DAEMON@mx.example.nl', to: replyTo, subject: 'Undelivered Mail Returned to Sender', messageId: '<dsn-digest@mx.example.nl>', body: `<${sent.debtorEmail}>: host mx.example.nl said: 550 5.1.1 User unknown` });
  expect(await smtpTransaction(inbound.port, { from: '', to: replyTo, data: dsn })).toMatchObject({ end: 250 });
  expect((await sendDigest(digest(2))).map((c) => c.result)).toEqual([
    { status: 'skipped', reason: 'email_undeliverable' },
    { status: 'skipped', reason: 'email_undeliverable' },
  ]);
});

test('replies that a sending server passes over one connection each join the message they answer', async () => {
  const first = await emailedReminder();
  const second = await emailedReminder();
  // One pooled connection, two transactions: as a mail server delivers a queue to one MX.
  const relay = nodemailer.createTransport({ host: '127.0.0.1', port: inbound.port, pool: true, maxConnections: 1, ignoreTLS: true });
  try {
    for (const [n, sent] of [first, second].entries()) {
      await relay.sendMail({ from: sent.debtorEmail, to: sent.replyTo, subject: 'Re: Reminder', text: `Answer ${n}`, messageId: `<pooled-${n}@mail.example.nl>` });
    }
  } finally {
    relay.close();
  }
  expect((await eventsOf(first.invoiceId, 'message.received')).map((e) => e.data.text)).toEqual(['Answer 0']);
  expect((await eventsOf(second.invoiceId, 'message.received')).map((e) => e.data.text)).toEqual(['Answer 1']);
});

describe('refused at SMTP time, nothing recorded', () => {
  test('a forged reply address (altered signature) and an address at another domain: 550', async () => {
    const sent = await emailedReminder();
    const [local, domain] = sent.replyTo.split('@') as [string, string];
    const last = local.at(-1) === 'a' ? 'b' : 'a';
    const forged = `${local.slice(0, -1)}${last}@${domain}`;
    const body = rfc822({ from: sent.debtorEmail, to: forged, subject: 'Re', messageId: '<forged@x.example>', body: 'hello' });
    const refused = await smtpTransaction(inbound.port, { from: sent.debtorEmail, to: forged, data: body });
    expect(refused).toMatchObject({ rcptTo: 550 });
    // Another message's id under this one's signature does not verify either.
    const other = await emailedReminder();
    const swapped = `${other.replyTo.split('-')[0]}-${local.split('-')[1]}@${domain}`;
    expect(await smtpTransaction(inbound.port, { from: other.debtorEmail, to: swapped, data: body })).toMatchObject({ rcptTo: 550 });
    expect(await smtpTransaction(inbound.port, { from: sent.debtorEmail, to: `${local}@elsewhere.example`, data: body })).toMatchObject({ rcptTo: 550 });
    expect(await eventsOf(sent.invoiceId, 'message.received')).toHaveLength(0);
    expect(await eventsOf(other.invoiceId, 'message.received')).toHaveLength(0);
  });

  test('a signed address of a message that does not exist: 550', async () => {
    const address = replyAddressFor(key, 'msg_00000000000000000000');
    expect(await smtpTransaction(inbound.port, { from: 'someone@example.nl', to: address, data: 'Subject: x\r\n\r\nx' })).toMatchObject({ rcptTo: 550 });
  });

  test('mail from an address that is not the debtor\'s: 550', async () => {
    const sent = await emailedReminder();
    const body = rfc822({ from: 'spoofer@example.org', to: sent.replyTo, subject: 'Re', messageId: '<spoof@x.example>', body: 'I dispute this' });
    const refused = await smtpTransaction(inbound.port, { from: 'spoofer@example.org', to: sent.replyTo, data: body });
    expect(refused).toMatchObject({ rcptTo: 550 });
    expect(refused.last).toMatch(/unknown addresses/);
    expect(await eventsOf(sent.invoiceId, 'message.received')).toHaveLength(0);
  });

  test('a message over 10 MB, whatever SIZE the client declared: 552', async () => {
    const sent = await emailedReminder();
    const line = `${'x'.repeat(998)}\r\n`;
    const body = rfc822({ from: sent.debtorEmail, to: sent.replyTo, subject: 'Re', messageId: '<big@x.example>', body: line.repeat(Math.ceil((10 * 1024 * 1024) / line.length) + 10) });
    const refused = await smtpTransaction(inbound.port, { from: sent.debtorEmail, to: sent.replyTo, data: body, declaredSize: 1000 });
    expect(refused).toMatchObject({ rcptTo: 250, end: 552 });
    expect(await eventsOf(sent.invoiceId, 'message.received')).toHaveLength(0);
  }, 60_000);
});
