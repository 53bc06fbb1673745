import { eq } from 'drizzle-orm';
import { smsReplies } from '../../db/schema';
import { createSmsSender } from '../../messaging/sms';
import { createConsoleUser } from '../../services/console-users';
import { ConsoleClient } from '../console/browser-session';
import { dateFrom, debtorOptOuts } from '../support/seed';
import { silentLogger } from '../support/logger';
import { invoiceBody, startStack, type Stack } from '../support/stack';
import { postInboundSms, startTwilioApi, type TwilioApi } from '../support/twilio-api';

/**
 * A debtor's SMS reply reaches one creditor only when the debtor's number and the sender number
 * it was written to point at one company's invoices. Two partners texting the same person from
 * the same number get neither the reply: it waits for ops, who put it on one invoice.
 */
const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'test-twilio-auth-token-0123456789';
const FROM = '+3197010203040';
/** One of our numbers too, but no invoice was ever texted from it. */
const OTHER_NUMBER = '+3197010203041';
const SHARED_PHONE = '+31612345001';
const SINGLE_PHONE = '+31612345002';
const OPS = { email: 'ops-sms@recoup.test', password: 'a long ops password' };
const REVIEWER = { email: 'reviewer-sms@recoup.test', password: 'a long reviewer password' };

let api: TwilioApi;
let stack: Stack;
const a = { key: '', companyId: '', shared: '', single: '' };
const b = { key: '', companyId: '', shared: '' };

beforeAll(async () => {
  api = await startTwilioApi();
  stack = await startStack({
    sms: createSmsSender({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, apiBaseUrl: api.url, logger: silentLogger }),
    config: { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_FROM: FROM, TWILIO_API_BASE_URL: api.url },
  });
  ({ key: a.key, companyId: a.companyId } = await stack.newPartner('Alpha'));
  ({ key: b.key, companyId: b.companyId } = await stack.newPartner('Beta'));
  const today = dateFrom(await stack.env.currentTimeMs(), 0);
  // Due in a week: no step's time has passed at transmission, so the ladder runs on the policy's own days.
  const dueDate = dateFrom(await stack.env.currentTimeMs(), 7);
  for (const [partner, phones] of [[a, { shared: SHARED_PHONE, single: SINGLE_PHONE }], [b, { shared: SHARED_PHONE }]] as const) {
    const imp = await stack.request('POST', '/api/v2/imports', { key: partner.key, body: { company_id: partner.companyId } });
    for (const [name, phone] of Object.entries(phones)) {
      const body = invoiceBody(imp.body.id, { issue_date: today, due_date: dueDate });
      // Two people at Alpha (the single-number one has an email of their own), one at Beta.
      const email = name === 'single' ? 'single@example.nl' : body.debtor.email;
      const created = await stack.request('POST', '/api/v2/invoices', { key: partner.key, body: { ...body, debtor: { ...body.debtor, email, phone } } });
      expect(created.status).toBe(201);
      (partner as Record<string, string>)[name] = created.body.id;
    }
    expect((await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key: partner.key })).status).toBe(202);
  }
  await stack.env.sleep('9 days'); // the default policy texts one day after the due date (day 8)
  expect(api.accepted.filter((r) => r.form.To === SHARED_PHONE && r.form.From === FROM)).toHaveLength(2);
  expect(api.accepted.filter((r) => r.form.To === SINGLE_PHONE)).toHaveLength(1);
  await createConsoleUser(stack.database.db, { ...OPS, role: 'ops' });
  await createConsoleUser(stack.database.db, { ...REVIEWER, role: 'reviewer' });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await api?.close();
});

let sids = 0;
/** A debtor's reply as Twilio posts it, signed. */
async function reply(from: string, body: string, to = FROM, sid = `SM${(++sids).toString(16).padStart(32, 'b')}`): Promise<string> {
  expect(await postInboundSms(stack.baseUrl, { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, { from, to, body, sid })).toBe(200);
  return sid;
}

/** What a partner can read of a reply: its invoices' timelines and its events feed. */
async function partnerSees(key: string, invoiceIds: string[], text: string): Promise<boolean> {
  const texts: unknown[] = [];
  for (const id of invoiceIds) texts.push(...(await stack.request('GET', `/api/v2/invoices/${id}/events`, { key })).body.data.map((e: { data: { text?: string } }) => e.data.text));
  texts.push(...(await stack.request('GET', '/api/v2/events?limit=500', { key })).body.data.map((e: { data: { text?: string } }) => e.data.text));
  return texts.includes(text);
}

const queued = async (sid: string) => (await stack.database.db.select().from(smsReplies).where(eq(smsReplies.providerMessageId, sid)))[0];

describe('SMS replies when two partners text the same number from the same sender', () => {
  const text = 'Which club is this? I paid Alpha already';
  let sid: string;

  test('a reply lands in the ops queue and on neither partner’s timeline', async () => {
    sid = await reply(SHARED_PHONE, text);
    expect(await queued(sid)).toMatchObject({ status: 'waiting', reason: 'several_companies', fromNumber: SHARED_PHONE, toNumber: FROM, text });
    expect(await partnerSees(a.key, [a.shared, a.single], text)).toBe(false);
    expect(await partnerSees(b.key, [b.shared], text)).toBe(false);
    // Twilio retrying the webhook queues it once.
    await reply(SHARED_PHONE, text, FROM, sid);
    expect(await stack.database.db.select().from(smsReplies).where(eq(smsReplies.fromNumber, SHARED_PHONE))).toHaveLength(1);
  });

  test('ops assign it in the console, audited: it appears on the chosen invoice only, never at the other partner', async () => {
    const reviewer = new ConsoleClient(stack.baseUrl);
    await reviewer.signIn(REVIEWER.email, REVIEWER.password);
    expect((await reviewer.get('/console/sms-replies')).status).toBe(403);

    const ops = new ConsoleClient(stack.baseUrl);
    expect((await ops.signIn(OPS.email, OPS.password)).status).toBe(303);
    const page = await ops.get('/console/sms-replies');
    expect(page.status).toBe(200);
    const row = (await queued(sid))!;
    expect(page.html).toContain(`data-reply-id="${row.id}"`);
    expect(page.html).toContain(`value="${a.shared}"`);
    expect(page.html).toContain(`value="${b.shared}"`);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;

    // Only an open invoice of the number that wrote can take it, and a reason is required.
    expect((await ops.post(`/console/sms-replies/${row.id}/assign`, { _csrf: token, invoice_id: a.single, reason: 'guess' })).status).toBe(422);
    expect((await ops.post(`/console/sms-replies/${row.id}/assign`, { _csrf: token, invoice_id: a.shared, reason: ' ' })).status).toBe(422);
    const assigned = await ops.post(`/console/sms-replies/${row.id}/assign`, { _csrf: token, invoice_id: a.shared, reason: 'the debtor names Alpha' });
    expect(assigned).toMatchObject({ status: 303, location: expect.stringContaining('/console/sms-replies?done=') });

    const timeline = await stack.request('GET', `/api/v2/invoices/${a.shared}/events`, { key: a.key });
    expect(timeline.body.data.filter((e: { type: string }) => e.type === 'message.received').map((e: { data: unknown }) => e.data)).toEqual([
      expect.objectContaining({ channel: 'sms', from: SHARED_PHONE, text, provider_message_id: sid, opt_out: false }),
    ]);
    expect(await partnerSees(b.key, [b.shared], text)).toBe(false);
    expect(await queued(sid)).toMatchObject({ status: 'assigned', invoiceId: a.shared, decidedBy: OPS.email, decisionReason: 'the debtor names Alpha', decidedAt: expect.any(Date) });
    // Decided once.
    expect((await ops.post(`/console/sms-replies/${row.id}/assign`, { _csrf: token, invoice_id: b.shared, reason: 'changed my mind' })).status).toBe(409);
    expect(await partnerSees(b.key, [b.shared], text)).toBe(false);
    expect((await ops.get('/console/sms-replies')).html).toContain('data-testid="decided-reply"');
  });

  test('ops may dismiss one with a reason instead; it reaches no one', async () => {
    const spam = 'WIN A PRIZE';
    const spamSid = await reply(SHARED_PHONE, spam);
    const ops = new ConsoleClient(stack.baseUrl);
    await ops.signIn(OPS.email, OPS.password);
    const token = await ops.csrf('/console/sms-replies');
    const row = (await queued(spamSid))!;
    expect((await ops.post(`/console/sms-replies/${row.id}/dismiss`, { _csrf: token, reason: '' })).status).toBe(422);
    expect((await ops.post(`/console/sms-replies/${row.id}/dismiss`, { _csrf: token, reason: 'spam' })).status).toBe(303);
    expect(await queued(spamSid)).toMatchObject({ status: 'dismissed', decidedBy: OPS.email, decisionReason: 'spam', invoiceId: null });
    expect(await partnerSees(a.key, [a.shared], spam)).toBe(false);
    expect(await partnerSees(b.key, [b.shared], spam)).toBe(false);
  });

  test('STOP opts the number out at both partners at once: opting out is the debtor’s right, whoever texted', async () => {
    const stopSid = await reply(SHARED_PHONE, 'STOP');
    expect(await queued(stopSid)).toBeUndefined();
    // The debtors of that number at both companies, not the other person at Alpha.
    expect(await debtorOptOuts(stack.database.db, a.shared)).toEqual(['sms']);
    expect(await debtorOptOuts(stack.database.db, b.shared)).toEqual(['sms']);
    expect(await debtorOptOuts(stack.database.db, a.single)).toEqual([]);
  });
});

describe('SMS replies when one partner texted the number', () => {
  test('a reply to the sender number that texted the invoice goes on its timeline, as before', async () => {
    const text = 'I will pay on Friday';
    await reply(SINGLE_PHONE, text);
    expect(await partnerSees(a.key, [a.single], text)).toBe(true);
    expect(await partnerSees(b.key, [b.shared], text)).toBe(false);
  });

  test('a reply sent to a different sender number than the invoice’s messages used does not match: it waits for ops', async () => {
    const text = 'Is this about my invoice?';
    const sid = await reply(SINGLE_PHONE, text, OTHER_NUMBER);
    expect(await partnerSees(a.key, [a.single], text)).toBe(false);
    expect(await queued(sid)).toMatchObject({ status: 'waiting', reason: 'no_sender_match', toNumber: OTHER_NUMBER });
  });
});
