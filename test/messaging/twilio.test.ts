import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { asc, eq } from 'drizzle-orm';
import { createActivities } from '../../activities';
import type { SendMessageResult } from '../../activities/messaging';
import { createApp } from '../../api/app';
import { debtors, events, invoices, messages } from '../../db/schema';
import { createMailer } from '../../messaging/mailer';
import { createSmsSender, type SmsSender } from '../../messaging/sms';
import { dateFrom, debtorOptOuts } from '../support/seed';
import { silentLogger } from '../support/logger';
import { invoiceBody, startStack, type Stack } from '../support/stack';
import { startTwilioApi, type TwilioApi } from '../support/twilio-api';

/**
 * SMS through the real twilio SDK against a local server that speaks Twilio's Messages API, and
 * Twilio's webhooks (delivery reports, replies) signed the way Twilio signs them.
 */
const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'test-twilio-auth-token-0123456789';
const FROM = '+3197010203040';
const MESSAGING_SERVICE_SID = 'MG0123456789abcdef0123456789abcdef';

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
  ({ key, companyId } = await stack.newPartner('Texting'));
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await api?.close();
});

/** Twilio's algorithm, written out here rather than taken from the SDK: HMAC-SHA1 of the URL followed by each POST field (sorted by name) as name + value. */
function twilioSignature(url: string, params: Record<string, string>, authToken = AUTH_TOKEN): string {
  const payload = Object.keys(params)
    .sort()
    .reduce((acc, name) => acc + name + params[name], url);
  return createHmac('sha1', authToken).update(Buffer.from(payload, 'utf-8')).digest('base64');
}

/** Posts a form as Twilio does; signed for the URL posted to unless told otherwise. */
async function postAsTwilio(path: string, params: Record<string, string>, o: { signature?: string | null; base?: string } = {}) {
  const url = `${o.base ?? stack.baseUrl}${path}`;
  const signature = o.signature === undefined ? twilioSignature(url, params) : o.signature;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === null ? {} : { 'x-twilio-signature': signature }) },
    body: new URLSearchParams(params).toString(),
  });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, json: () => JSON.parse(text) as { error: { code: string; message: string } } };
}

function statusReport(messageSid: string, to: string, status: string, errorCode?: string): Record<string, string> {
  return {
    AccountSid: ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    From: FROM,
    To: to,
    MessageSid: messageSid,
    SmsSid: messageSid,
    MessageStatus: status,
    SmsStatus: status,
    ...(errorCode ? { ErrorCode: errorCode } : {}),
  };
}

let inboundCounter = 0;
function inboundSms(from: string, body: string): Record<string, string> {
  const sid = `SM${(++inboundCounter).toString(16).padStart(32, 'a')}`;
  return {
    AccountSid: ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    Body: body,
    From: from,
    FromCountry: 'NL',
    To: FROM,
    ToCountry: 'NL',
    MessageSid: sid,
    SmsMessageSid: sid,
    SmsSid: sid,
    SmsStatus: 'received',
    NumMedia: '0',
    NumSegments: '1',
  };
}

async function newImport(): Promise<string> {
  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  expect(imp.status).toBe(201);
  return imp.body.id as string;
}

async function newInvoice(importId: string, debtor: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  const body = invoiceBody(importId, overrides);
  const res = await stack.request('POST', '/api/v2/invoices', { key, body: { ...body, debtor: { ...body.debtor, ...debtor } } });
  return res;
}

const eventsOf = (invoiceId: string) => stack.database.db.select().from(events).where(eq(events.invoiceId, invoiceId)).orderBy(asc(events.seq));
const messagesOf = (invoiceId: string) => stack.database.db.select().from(messages).where(eq(messages.invoiceId, invoiceId)).orderBy(asc(messages.createdAt));
/** Those of the invoices whose debtor opted out of SMS (an opt-out is the debtor's, for all their invoices). */
const smsOptOuts = async (invoiceIds: string[]) => {
  const out: string[] = [];
  for (const id of invoiceIds) if ((await debtorOptOuts(stack.database.db, id)).includes('sms')) out.push(id);
  return out.sort();
};
const debtorIdOf = async (invoiceId: string) => (await stack.database.db.select({ id: invoices.debtorId }).from(invoices).where(eq(invoices.id, invoiceId)))[0]!.id;
const debtorEvents = async (type: string) => (await stack.database.db.select().from(events).where(eq(events.type, type)).orderBy(asc(events.seq))).map((e) => e.data);
const sentTo = (to: string) => api.accepted.filter((r) => r.form.To === to);

/** The messaging activity on the stack's database with the given SMS sender, outside a workflow. */
function sendSms(sms: SmsSender, invoiceId: string, purpose: string): Promise<SendMessageResult> {
  const activities = createActivities({
    db: stack.database.db,
    mailer: createMailer({ smtpUrl: stack.smtp.url, from: stack.config.MAIL_FROM, logger: silentLogger }),
    sms,
    temporal: stack.env.client,
    config: stack.config,
    logger: silentLogger,
  });
  return new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(activities.sendInvoiceMessage, { invoiceId, purpose, channel: 'sms' as const, kind: 'reminder' as const });
}

describe('an invoice collected by SMS, end to end', () => {
  // One debtor's invoice runs the default policy on the time-skipping server; the tests below follow it in order.
  const phone = '+31612345678';
  let invoiceId: string;
  let draftId: string;
  let closedId: string;
  let otherDebtorId: string;

  test('the SMS step goes through the Twilio API: E.164 number, our sender, the text with its portal link, and a status callback', async () => {
    const today = dateFrom(await stack.env.currentTimeMs(), 0);
    const importId = await newImport();
    // Due in a week: no step's time has passed at transmission, so the ladder runs on the policy's own days.
    const created = await newInvoice(importId, { phone: '06 12345678' }, { issue_date: today, due_date: dateFrom(await stack.env.currentTimeMs(), 7) });
    expect(created.status).toBe(201);
    expect(created.body.debtor.phone).toBe(phone);
    invoiceId = created.body.id;
    expect((await stack.request('POST', `/api/v2/imports/${importId}/transmit`, { key })).status).toBe(202);
    await stack.env.sleep('9 days'); // the default policy texts one day after the due date (day 8)

    expect(sentTo(phone)).toHaveLength(1);
    const [request] = sentTo(phone);
    expect(request).toMatchObject({ method: 'POST', path: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, username: ACCOUNT_SID, password: AUTH_TOKEN });
    expect(request!.form).toEqual({
      To: phone,
      From: FROM,
      Body: expect.stringContaining(created.body.invoice_number),
      StatusCallback: `${stack.baseUrl}/webhooks/twilio/status`,
    });
    expect(request!.form.Body).toMatch(new RegExp(`${stack.baseUrl}/pay/`));
    const sms = (await messagesOf(invoiceId)).filter((m) => m.channel === 'sms');
    expect(sms).toEqual([expect.objectContaining({ status: 'sent', transport: 'twilio', recipient: phone, providerMessageId: request!.sid, sendKey: `${invoiceId}:step1:sms` })]);
  });

  test('signed delivery reports: `sent` changes nothing, `delivered` marks it delivered with message.delivered, once', async () => {
    const [request] = sentTo(phone);
    const sid = request!.sid;
    const path = '/webhooks/twilio/status';
    expect((await postAsTwilio(path, statusReport(sid, phone, 'sent'))).status).toBe(204);
    expect((await messagesOf(invoiceId)).find((m) => m.providerMessageId === sid)!.status).toBe('sent');

    for (let i = 0; i < 2; i++) expect((await postAsTwilio(path, statusReport(sid, phone, 'delivered'))).status).toBe(204);
    const message = (await messagesOf(invoiceId)).find((m) => m.providerMessageId === sid)!;
    expect(message.status).toBe('delivered');
    // A late, contradictory report does not undo a final status.
    expect((await postAsTwilio(path, statusReport(sid, phone, 'undelivered', '30005'))).status).toBe(204);
    expect((await messagesOf(invoiceId)).find((m) => m.providerMessageId === sid)!.status).toBe('delivered');

    const timeline = await stack.request('GET', `/api/v2/invoices/${invoiceId}/events`, { key });
    const delivered = timeline.body.data.filter((e: { type: string }) => e.type === 'message.delivered');
    expect(delivered).toHaveLength(1);
    expect(delivered[0].data).toMatchObject({ message_id: message.id, channel: 'sms', transport: 'twilio' });
    expect(timeline.body.data.filter((e: { type: string; data: { channel?: string } }) => e.type === 'message.failed' && e.data.channel === 'sms')).toEqual([]);
  });

  test('STOP opts the debtor out of SMS for all their invoices (debtor.opted_out), recorded as message.received on each open one', async () => {
    const importId = await newImport();
    draftId = (await newInvoice(importId, { phone: '+31 6 12345678' })).body.id;
    closedId = (await newInvoice(importId, { phone: '0612345678' })).body.id;
    expect((await stack.request('POST', `/api/v2/invoices/${closedId}/retract`, { key, body: { reason: 'duplicate' } })).body.status).toBe('retracted');
    otherDebtorId = (await newInvoice(importId, { email: 'someone-else@example.nl', phone: '06 87654321' })).body.id;

    const reply = await postAsTwilio('/webhooks/twilio/inbound', inboundSms(phone, '  Stop \n'));
    expect(reply.status).toBe(200);
    expect(reply.contentType).toMatch(/^text\/xml/);
    expect(reply.text).toBe('<Response/>');
    // One debtor (one email): every invoice of theirs at once; the other debtor keeps SMS.
    expect(await smsOptOuts([invoiceId, draftId, closedId, otherDebtorId])).toEqual([invoiceId, draftId, closedId].sort());
    const [debtor] = await stack.database.db.select().from(debtors).where(eq(debtors.id, await debtorIdOf(invoiceId)));
    expect(debtor!.optOuts).toEqual(['sms']);
    expect(await debtorEvents('debtor.opted_out')).toEqual([{ debtor_id: debtor!.id, channel: 'sms', via: 'sms_reply' }]);
    for (const id of [invoiceId, draftId]) {
      const received = (await eventsOf(id)).filter((e) => e.type === 'message.received');
      expect(received.map((e) => e.data)).toEqual([expect.objectContaining({ channel: 'sms', from: phone, text: '  Stop \n', opt_out: true })]);
    }
    expect((await eventsOf(otherDebtorId)).map((e) => e.type)).not.toContain('message.received');
    // Twilio retrying the STOP, or the debtor sending it twice: no second opt-out event.
    expect((await postAsTwilio('/webhooks/twilio/inbound', inboundSms(phone, 'STOP'))).status).toBe(200);
    expect(await debtorEvents('debtor.opted_out')).toHaveLength(1);

    // The next SMS step (dunning level 1, 14 days after the due date) emails but does not text.
    const before = sentTo(phone).length;
    await stack.env.sleep('14 days');
    const step3 = (await messagesOf(invoiceId)).filter((m) => m.sendKey.startsWith(`${invoiceId}:step3:`));
    expect(step3.map((m) => m.channel)).toEqual(['email']);
    expect(sentTo(phone)).toHaveLength(before);
  });

  test('START opts back in: the next SMS step texts again', async () => {
    const reply = await postAsTwilio('/webhooks/twilio/inbound', inboundSms(phone, 'start'));
    expect(reply.text).toBe('<Response/>');
    expect(await smsOptOuts([invoiceId, draftId])).toEqual([]);
    expect(await debtorEvents('debtor.opted_in')).toEqual([{ debtor_id: await debtorIdOf(invoiceId), channel: 'sms', via: 'sms_reply' }]);
    expect((await eventsOf(invoiceId)).filter((e) => e.type === 'message.received').map((e) => e.data)).toEqual([
      expect.objectContaining({ opt_out: true }),
      expect.objectContaining({ opt_out: true }),
      expect.objectContaining({ text: 'start', opt_out: false, opt_in: true }),
    ]);
    const before = sentTo(phone).length;
    await stack.env.sleep('14 days'); // dunning level 2, 28 days after the due date, by email and SMS
    expect(sentTo(phone)).toHaveLength(before + 1);
    expect((await messagesOf(invoiceId)).filter((m) => m.sendKey === `${invoiceId}:step4:sms`)).toHaveLength(1);
  });

  test('any other reply goes on the timeline of the debtor’s most recent transmitted invoice for the partner to read', async () => {
    const params = inboundSms(phone, 'I will pay on Friday, sorry for the delay');
    for (let i = 0; i < 2; i++) expect((await postAsTwilio('/webhooks/twilio/inbound', params)).status).toBe(200); // Twilio retried it
    const timeline = await stack.request('GET', `/api/v2/invoices/${invoiceId}/events`, { key });
    const received = timeline.body.data.filter((e: { type: string }) => e.type === 'message.received');
    expect(received.at(-1).data).toMatchObject({ text: 'I will pay on Friday, sorry for the delay', opt_out: false, from: phone, provider_message_id: params.MessageSid });
    expect(received).toHaveLength(4); // STOP twice, START, this
    // Not on the newer draft, which the debtor has never seen.
    expect((await eventsOf(draftId)).filter((e) => e.type === 'message.received')).toHaveLength(3);

    const stranger = await postAsTwilio('/webhooks/twilio/inbound', inboundSms('+31611112222', 'who is this?'));
    expect(stranger.status).toBe(200);
    expect(stranger.text).toBe('<Response/>');
  });
});

describe('Twilio webhooks must be signed by Twilio', () => {
  const params = statusReport('SM00000000000000000000000000000000', '+31612345678', 'delivered');
  test.each([
    ['no signature', () => ({ signature: null })],
    ['a signature with another auth token', () => ({ signature: twilioSignature(`${stack.baseUrl}/webhooks/twilio/status`, params, 'another-auth-token-000000000') })],
    ['a signature for another URL', () => ({ signature: twilioSignature(`${stack.baseUrl}/webhooks/twilio/inbound`, params) })],
    ['a signature over other fields', () => ({ signature: twilioSignature(`${stack.baseUrl}/webhooks/twilio/status`, { ...params, MessageStatus: 'sent' }) })],
  ])('%s: 403', async (_label, options) => {
    for (const path of ['/webhooks/twilio/status', '/webhooks/twilio/inbound']) {
      const res = await postAsTwilio(path, path.endsWith('inbound') ? inboundSms('+31612345678', 'STOP') : params, options());
      expect(res.status).toBe(403);
      expect(res.json()).toEqual({ error: { code: 'invalid_signature', message: expect.any(String), details: [] } });
    }
  });

  test('a forged STOP changes nothing', async () => {
    const importId = await newImport();
    const id = (await newInvoice(importId, { phone: '06 13572468' })).body.id;
    const forged = await postAsTwilio('/webhooks/twilio/inbound', inboundSms('+31613572468', 'STOP'), { signature: 'bm90IGEgc2lnbmF0dXJl' });
    expect(forged.status).toBe(403);
    expect(await smsOptOuts([id])).toEqual([]);
    expect((await eventsOf(id)).map((e) => e.type)).not.toContain('message.received');
  });

  test('without Twilio configured the webhooks do not exist', async () => {
    const { TWILIO_ACCOUNT_SID: _sid, TWILIO_AUTH_TOKEN: _token, TWILIO_FROM: _from, ...config } = stack.config;
    const app = createApp({ db: stack.database.db, temporal: stack.env.client, config, logger: silentLogger });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const path of ['/webhooks/twilio/status', '/webhooks/twilio/inbound']) {
        const res = await postAsTwilio(path, params, { base });
        expect(res.status).toBe(404);
        expect(res.json().error.code).toBe('route_not_found');
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('sending one SMS', () => {
  let importId: string;
  beforeAll(async () => {
    importId = await newImport();
  });

  async function invoiceFor(phone: string): Promise<string> {
    const res = await newInvoice(importId, { phone });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  test('through a messaging service: MessagingServiceSid instead of From', async () => {
    const invoiceId = await invoiceFor('06 20000001');
    const viaService = createSmsSender({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, messagingServiceSid: MESSAGING_SERVICE_SID, apiBaseUrl: api.url, logger: silentLogger });
    expect(await sendSms(viaService, invoiceId, 'manual')).toMatchObject({ status: 'sent' });
    expect(sentTo('+31620000001').map((r) => r.form)).toEqual([
      { To: '+31620000001', MessagingServiceSid: MESSAGING_SERVICE_SID, Body: expect.any(String), StatusCallback: `${stack.baseUrl}/webhooks/twilio/status` },
    ]);
  });

  test.each([
    ['failed', '30003'],
    ['undelivered', '30005'],
  ])('a `%s` report (error %s) marks the message failed with message.failed, once', async (status, errorCode) => {
    const phone = `+316200${errorCode}`;
    const invoiceId = await invoiceFor(phone);
    const result = await sendSms(createSmsSender({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, apiBaseUrl: api.url, logger: silentLogger }), invoiceId, 'manual');
    expect(result.status).toBe('sent');
    const [request] = sentTo(phone);
    for (let i = 0; i < 2; i++) expect((await postAsTwilio('/webhooks/twilio/status', statusReport(request!.sid, phone, status, errorCode))).status).toBe(204);
    const [message] = await messagesOf(invoiceId);
    expect(message).toMatchObject({ status: 'failed', error: `twilio ${status} (error ${errorCode})` });
    const failed = (await eventsOf(invoiceId)).filter((e) => e.type === 'message.failed');
    expect(failed.map((e) => e.data)).toEqual([expect.objectContaining({ message_id: message!.id, channel: 'sms', reason: `twilio ${status} (error ${errorCode})` })]);
  });

  test('a number Twilio refuses (400, error 21211) fails at once with message.failed and is not retried', async () => {
    const phone = '+31620000400';
    const invoiceId = await invoiceFor(phone);
    api.refuse(phone, { status: 400, code: 21211, message: `The 'To' number ${phone} is not a valid phone number.` });
    const sms = createSmsSender({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, apiBaseUrl: api.url, logger: silentLogger });
    const result = await sendSms(sms, invoiceId, 'manual');
    expect(result).toMatchObject({ status: 'failed', reason: expect.stringContaining('is not a valid phone number') });
    expect(await sendSms(sms, invoiceId, 'manual')).toEqual(result); // a retry does not try again
    expect(api.requests.filter((r) => r.form.To === phone)).toHaveLength(1);
    expect((await eventsOf(invoiceId)).filter((e) => e.type === 'message.failed')).toHaveLength(1);
  });

  test.each([
    ['429 Too Many Requests', 429, 20429],
    ['503 Service Unavailable', 503, 20503],
  ])('%s is temporary: the activity fails for Temporal to retry, and the retry texts once', async (_label, status, code) => {
    const phone = `+316200${status}00`;
    const invoiceId = await invoiceFor(phone);
    api.refuse(phone, { status, code, message: 'try again later' }, 2);
    const sms = createSmsSender({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, apiBaseUrl: api.url, logger: silentLogger });
    for (let attempt = 1; attempt <= 2; attempt++) {
      await expect(sendSms(sms, invoiceId, 'manual')).rejects.toThrow();
      expect(await messagesOf(invoiceId)).toEqual([]); // the send key is released for the retry
    }
    expect(await sendSms(sms, invoiceId, 'manual')).toMatchObject({ status: 'sent' });
    expect(await sendSms(sms, invoiceId, 'manual')).toMatchObject({ status: 'sent' });
    expect(sentTo(phone)).toHaveLength(1);
    expect(api.requests.filter((r) => r.form.To === phone)).toHaveLength(3);
    expect((await messagesOf(invoiceId)).map((m) => m.status)).toEqual(['sent']);
  });
});

describe('debtor phone numbers are normalised to E.164 by the API', () => {
  let importId: string;
  beforeAll(async () => {
    importId = await newImport();
  });

  test.each([
    ['a national number, read in the company’s country (NL)', { phone: '06-12 34 56 78' }, '+31612345678'],
    ['a national number, read in the debtor’s country', { phone: '0470 12 34 56', address: { street: 'Rue Neuve 1', postal_code: '1000', city: 'Bruxelles', country: 'BE' } }, '+32470123456'],
    ['an international number', { phone: '+49 151 23456789' }, '+4915123456789'],
  ])('on create: %s', async (_label, debtor, expected) => {
    const res = await newInvoice(importId, debtor);
    expect(res.status).toBe(201);
    expect(res.body.debtor.phone).toBe(expected);
    expect((await stack.request('GET', `/api/v2/invoices/${res.body.id}`, { key })).body.debtor.phone).toBe(expected);
  });

  test('on create, a number that is not valid in the debtor’s country is a 400 on debtor.phone', async () => {
    const res = await newInvoice(importId, { phone: '06 1234' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'debtor.phone', message: expect.any(String) }] });
  });

  test('on patch: normalised in the debtor’s (new) country; an invalid one is a 400 on phone and changes nothing', async () => {
    const id = (await newInvoice(importId, { phone: '0612345678' })).body.id;
    const fr = await stack.request('PATCH', `/api/v2/invoices/${id}/debtor`, {
      key,
      body: { phone: '06 12 34 56 78', address: { street: '1 rue de la Paix', postal_code: '75002', city: 'Paris', country: 'FR' } },
    });
    expect(fr.status).toBe(200);
    expect(fr.body.debtor.phone).toBe('+33612345678');
    const de = await stack.request('PATCH', `/api/v2/invoices/${id}/debtor`, { key, body: { phone: '0151 23456789', address: { street: 'Unter den Linden 1', postal_code: '10117', city: 'Berlin', country: 'DE' } } });
    expect(de.body.debtor.phone).toBe('+4915123456789');

    const bad = await stack.request('PATCH', `/api/v2/invoices/${id}/debtor`, { key, body: { phone: '123456' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ path: 'phone', message: expect.any(String) }]);
    expect((await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body.debtor.phone).toBe('+4915123456789');
    const changes = (await eventsOf(id)).filter((e) => e.type === 'invoice.contact_updated');
    expect(changes).toHaveLength(2);
  });
});
