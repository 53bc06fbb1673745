import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { asc, eq } from 'drizzle-orm';
import twilio from 'twilio';
import { createActivities } from '../../activities';
import type { SendMessageResult } from '../../activities/messaging';
import { messages } from '../../db/schema';
import { createMailer } from '../../messaging/mailer';
import { createSmsSender } from '../../messaging/sms';
import { createConsoleUser } from '../../services/console-users';
import { newId } from '../../services/ids';
import { ConsoleClient } from '../console/browser-session';
import { caseBody, configure, createCase } from '../debt-collection/support';
import { silentLogger } from '../support/logger';
import { invoiceBody, startStack, type Stack } from '../support/stack';
import { startTwilioApi, type TwilioApi } from '../support/twilio-api';

/**
 * Delivery status per message over real HTTP: an email the SMTP server accepted, an SMS Twilio
 * took and later reported delivered (its signed status callback), and one it reported undelivered.
 * `GET /invoices/{id}` answers the last notice that reached the debtor, the invoice's timeline and
 * the console's case page show each message's channel and delivery.
 */
const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'test-twilio-auth-token-0123456789';
const FROM = '+3197010203040';
const PHONE = '+31612345678';
const OPS = { email: 'ops-delivery@recoup.test', password: 'a long ops password' };

let api: TwilioApi;
let stack: Stack;
let key: string;
let companyId: string;

beforeAll(async () => {
  api = await startTwilioApi();
  stack = await startStack({
    sms: createSmsSender({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, apiBaseUrl: api.url, logger: silentLogger }),
    config: { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_FROM: FROM, TWILIO_API_BASE_URL: api.url },
  });
  ({ key, companyId } = await stack.newPartner('Delivering'));
  await createConsoleUser(stack.database.db, { ...OPS, role: 'ops' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await api?.close();
});

/** One send of the invoice messaging activity, as the invoice workflow runs it. */
function send(invoiceId: string, purpose: string, channel: 'email' | 'sms'): Promise<SendMessageResult> {
  const activities = createActivities({
    db: stack.database.db,
    mailer: createMailer({ smtpUrl: stack.smtp.url, from: stack.config.MAIL_FROM, logger: silentLogger }),
    sms: createSmsSender({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, apiBaseUrl: api.url, logger: silentLogger }),
    temporal: stack.env.client,
    config: stack.config,
    logger: silentLogger,
  });
  return new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(activities.sendInvoiceMessage, { invoiceId, purpose, channel, kind: 'reminder' as const });
}

/** Twilio's delivery report for an SMS, signed as Twilio signs it, to the status webhook. */
async function statusReport(sid: string, status: string, errorCode?: string): Promise<number> {
  const url = `${stack.config.publicBaseUrl}/webhooks/twilio/status`;
  const params: Record<string, string> = { AccountSid: ACCOUNT_SID, From: FROM, To: PHONE, MessageSid: sid, SmsSid: sid, MessageStatus: status, SmsStatus: status, ...(errorCode ? { ErrorCode: errorCode } : {}) };
  const res = await fetch(`${stack.baseUrl}/webhooks/twilio/status`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params) },
    body: new URLSearchParams(params).toString(),
  });
  return res.status;
}

const invoice = async (id: string) => (await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body;
const messageRows = (invoiceId: string) => stack.database.db.select().from(messages).where(eq(messages.invoiceId, invoiceId)).orderBy(asc(messages.createdAt));

test('the last notice that reached the debtor: none, then the accepted email, then the SMS once Twilio reports it delivered (not a later contact-change confirmation); the timeline shows each message’s delivery', async () => {
  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const body = invoiceBody(imp.body.id as string);
  const created = await stack.request('POST', '/api/v2/invoices', { key, body: { ...body, debtor: { ...body.debtor, email: 'delivery@example.nl', phone: PHONE } } });
  expect(created.status).toBe(201);
  const invoiceId = created.body.id as string;
  expect((await invoice(invoiceId)).last_notice).toBeNull();

  // Email: the SMTP server answered 250.
  const email = await send(invoiceId, 'step0', 'email');
  expect(email.status).toBe('sent');
  const [emailRow] = await messageRows(invoiceId);
  expect((await invoice(invoiceId)).last_notice).toEqual({ channel: 'email', delivered_at: emailRow!.sentAt!.toISOString(), message_id: emailRow!.id });

  // SMS: Twilio took it, but taken is not delivered; the last notice is still the email.
  const sms = await send(invoiceId, 'step1', 'sms');
  expect(sms.status).toBe('sent');
  const smsSid = api.accepted.at(-1)!.sid;
  expect((await invoice(invoiceId)).last_notice).toMatchObject({ channel: 'email' });

  await new Promise((r) => setTimeout(r, 20));
  expect(await statusReport(smsSid, 'delivered')).toBe(204);
  const smsRow = (await messageRows(invoiceId)).find((m) => m.channel === 'sms')!;
  expect(smsRow).toMatchObject({ status: 'delivered', deliveredAt: expect.any(Date) });
  const lastNotice = (await invoice(invoiceId)).last_notice;
  expect(lastNotice).toEqual({ channel: 'sms', delivered_at: smsRow.deliveredAt!.toISOString(), message_id: smsRow.id });
  expect(new Date(lastNotice.delivered_at).getTime()).toBeGreaterThan(emailRow!.sentAt!.getTime());

  // A second SMS Twilio could not deliver: failed, and the last notice stays the delivered one.
  await send(invoiceId, 'step2', 'sms');
  const failedSid = api.accepted.at(-1)!.sid;
  expect(await statusReport(failedSid, 'undelivered', '30003')).toBe(204);
  expect((await invoice(invoiceId)).last_notice).toEqual(lastNotice);

  // A confirmation of a contact change, sent later, is not a notice about the invoice.
  const confirmationId = newId('msg');
  await stack.database.db.insert(messages).values({
    id: confirmationId,
    invoiceId,
    partnerId: emailRow!.partnerId,
    companyId: emailRow!.companyId,
    channel: 'email',
    kind: 'contact_change_confirmation',
    sendKey: `confirmation-${invoiceId}`,
    recipient: 'delivery@example.nl',
    bodyText: 'Your contact details were changed.',
    status: 'sent',
    transport: 'smtp',
    sentAt: new Date(Date.now() + 60_000),
  });
  expect((await invoice(invoiceId)).last_notice).toEqual(lastNotice);
  await stack.database.db.delete(messages).where(eq(messages.id, confirmationId));

  // The timeline: each message event with its channel and its delivery now.
  const timeline = (await stack.request('GET', `/api/v2/invoices/${invoiceId}/events`, { key })).body.data as Array<{ type: string; data: Record<string, unknown> }>;
  const deliveryOf = (type: string, messageId: string) => timeline.find((e) => e.type === type && e.data.message_id === messageId)?.data;
  const failedRow = (await messageRows(invoiceId)).find((m) => m.providerMessageId === failedSid)!;
  expect(deliveryOf('message.sent', emailRow!.id)).toMatchObject({ channel: 'email', delivery_status: 'accepted', delivered_at: emailRow!.sentAt!.toISOString() });
  expect(deliveryOf('message.sent', smsRow.id)).toMatchObject({ channel: 'sms', delivery_status: 'delivered', delivered_at: smsRow.deliveredAt!.toISOString() });
  expect(deliveryOf('message.delivered', smsRow.id)).toMatchObject({ channel: 'sms', delivery_status: 'delivered' });
  expect(deliveryOf('message.sent', failedRow.id)).toMatchObject({ channel: 'sms', delivery_status: 'failed', delivered_at: null });
  expect(deliveryOf('message.failed', failedRow.id)).toMatchObject({ channel: 'sms', delivery_status: 'failed', reason: 'twilio undelivered (error 30003)' });

  // The console's case page for this invoice: its timeline and messages say the same.
  await configure(stack, key, companyId, [{ name: 'everything reviewed', collector: 'in_house', review_required: true, conditions: {} }]);
  const kase = await createCase(stack, key, caseBody(companyId, { invoiceId }));
  const client = new ConsoleClient(stack.baseUrl);
  expect(await client.signIn(OPS.email, OPS.password)).toMatchObject({ status: 303 });
  const page = await client.get(`/console/cases/${kase.id as string}`);
  expect(page.status).toBe(200);
  const deliveries = [...page.html.matchAll(/data-testid="delivery" data-channel="(\w+)" data-status="(\w+)">([^<]*)</g)].map((m) => [m[1], m[2]]);
  expect(deliveries).toEqual(
    expect.arrayContaining([
      ['email', 'accepted'],
      ['sms', 'delivered'],
      ['sms', 'failed'],
    ]),
  );
  expect([...page.html.matchAll(/data-testid="invoice-message" data-status="(\w+)"/g)].map((m) => m[1])).toEqual(['accepted', 'delivered', 'failed']);
});
