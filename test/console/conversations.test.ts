import { and, eq } from 'drizzle-orm';
import { conversations, debtors, dunningPolicies, events, invoices, messages } from '../../db/schema';
import { defaultDunningPolicy } from '../../domain/dunning-policy';
import { createSmsSender } from '../../messaging/sms';
import { createConsoleUser } from '../../services/console-users';
import { daytimeTimezone, timezoneAtLocalHour } from '../support/daytime';
import { silentLogger } from '../support/logger';
import { dateFrom } from '../support/seed';
import { invoiceBody, startStack, type Stack } from '../support/stack';
import { postInboundSms, startTwilioApi, type TwilioApi } from '../support/twilio-api';
import { ConsoleClient } from './browser-session';

/**
 * The agents' console over real HTTP against the whole product (time-skipping Temporal, database,
 * the real twilio SDK against the local Twilio-like API): the two-way SMS thread, the queue and its
 * SLA age, notes, assignment, the guardrails that hold for agents too, and tenancy.
 */
const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'test-twilio-auth-token-0123456789';
const FROM = '+3197010203050';
const PHONE_A = '+31612340001';
const PHONE_B = '+31612340002';
const AGENT_A = { email: 'agent-a@recoup.test', password: 'agent a long password' };
const AGENT_A2 = { email: 'agent-a2@recoup.test', password: 'agent a2 long password' };
const AGENT_B = { email: 'agent-b@recoup.test', password: 'agent b long password' };

let api: TwilioApi;
let stack: Stack;
const a = { key: '', partnerId: '', invoiceId: '', debtorId: '' };
const b = { key: '', partnerId: '', invoiceId: '', debtorId: '' };
let agentA2Id = '';
let agentBId = '';

beforeAll(async () => {
  api = await startTwilioApi();
  stack = await startStack({
    sms: createSmsSender({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, apiBaseUrl: api.url, logger: silentLogger }),
    config: { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_FROM: FROM, TWILIO_API_BASE_URL: api.url },
  });
  const today = dateFrom(await stack.env.currentTimeMs(), 0);
  const dueDate = dateFrom(await stack.env.currentTimeMs(), 7);
  for (const [p, name, phone, email] of [[a, 'Alpha', PHONE_A, 'alpha.debtor@example.nl'], [b, 'Beta', PHONE_B, 'beta.debtor@example.nl']] as const) {
    const partner = await stack.newPartner(name);
    p.key = partner.key;
    p.partnerId = partner.partnerId;
    const imp = await stack.request('POST', '/api/v2/imports', { key: p.key, body: { company_id: partner.companyId } });
    const body = invoiceBody(imp.body.id, { issue_date: today, due_date: dueDate });
    const created = await stack.request('POST', '/api/v2/invoices', { key: p.key, body: { ...body, debtor: { ...body.debtor, first_name: name, email, phone } } });
    expect(created.status).toBe(201);
    p.invoiceId = created.body.id;
    expect((await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key: p.key })).status).toBe(202);
  }
  await stack.env.sleep('9 days'); // the default policy texts one day after the due date
  expect(api.accepted.filter((r) => r.form.To === PHONE_A)).toHaveLength(1);
  for (const p of [a, b]) {
    const [row] = await stack.database.db.select({ debtorId: invoices.debtorId }).from(invoices).where(eq(invoices.id, p.invoiceId));
    p.debtorId = row!.debtorId;
    // The API's clock is the wall clock (the Temporal server's has skipped): daytime for the debtor now.
    await stack.database.db.update(debtors).set({ timezone: daytimeTimezone() }).where(eq(debtors.id, p.debtorId));
  }
  await createConsoleUser(stack.database.db, { ...AGENT_A, role: 'agent', partnerId: a.partnerId });
  agentA2Id = (await createConsoleUser(stack.database.db, { ...AGENT_A2, role: 'agent', partnerId: a.partnerId })).id;
  agentBId = (await createConsoleUser(stack.database.db, { ...AGENT_B, role: 'agent', partnerId: b.partnerId })).id;
}, 240_000);

afterAll(async () => {
  await stack?.close();
  await api?.close();
});

let sids = 0;
/** The debtor texts back, as Twilio posts it to the inbound webhook, signed. */
async function textBack(from: string, body: string): Promise<void> {
  const sid = `SM${(++sids).toString(16).padStart(32, 'c')}`;
  expect(await postInboundSms(stack.baseUrl, { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, { from, to: FROM, body, sid })).toBe(200);
}

async function signedIn(user: { email: string; password: string }): Promise<ConsoleClient> {
  const client = new ConsoleClient(stack.baseUrl);
  expect((await client.signIn(user.email, user.password)).status).toBe(303);
  return client;
}

const queueRow = (html: string, debtorId: string): string | undefined => new RegExp(`<tr data-testid="conversation-row" data-debtor-id="${debtorId}"[^>]*>`).exec(html)?.[0];
const textsTo = (phone: string) => api.accepted.filter((r) => r.form.To === phone);

test('the two-way SMS thread: the debtor texts back, the agent of that partner sees it waiting, answers by SMS through Twilio, and the SLA age clears; the other partner’s agent gets 404 for all of it', async () => {
  await textBack(PHONE_A, 'Can I pay next week instead?');
  const agent = await signedIn(AGENT_A);
  const home = await agent.get('/console');
  expect(home).toMatchObject({ status: 303, location: '/console/conversations' });
  const queue = await agent.get('/console/conversations');
  expect(queue.status).toBe(200);
  expect(queueRow(queue.html, a.debtorId)).toContain('data-waiting="yes"');
  expect(queue.html).toMatch(/data-testid="sla-age">waiting \d+ min/);

  // The other partner's agent: not in the queue, 404 to open, to answer, to note, to assign; nothing sent.
  const other = await signedIn(AGENT_B);
  expect(queueRow((await other.get('/console/conversations')).html, a.debtorId)).toBeUndefined();
  expect((await other.get(`/console/conversations/${a.debtorId}`)).status).toBe(404);
  const otherToken = await other.csrf('/console/conversations');
  const before = textsTo(PHONE_A).length;
  expect((await other.post(`/console/conversations/${a.debtorId}/reply`, { _csrf: otherToken, channel: 'sms', body: 'not yours' })).status).toBe(404);
  expect((await other.post(`/console/conversations/${a.debtorId}/notes`, { _csrf: otherToken, body: 'not yours' })).status).toBe(404);
  expect((await other.post(`/console/conversations/${a.debtorId}/assign`, { _csrf: otherToken, assignee: 'me' })).status).toBe(404);
  expect(textsTo(PHONE_A)).toHaveLength(before);

  // The thread: the reminder SMS out, the reply in, beside the open invoice.
  const thread = await agent.get(`/console/conversations/${a.debtorId}`);
  expect(thread.status).toBe(200);
  expect(thread.html).toMatch(/data-source="message" data-direction="out"[^>]*data-channel="sms"/);
  expect(thread.html).toMatch(/data-source="entry" data-direction="in" data-kind="reply" data-channel="sms"[\s\S]*Can I pay next week instead\?/);
  expect(thread.html).toContain(`data-testid="open-invoice" data-invoice-id="${a.invoiceId}"`);
  expect(thread.html).toContain(`href="/console/debtors/${a.debtorId}/vulnerability"`);
  const token = /name="_csrf" value="([^"]+)"/.exec(thread.html)![1]!;

  // An empty reply names the field and sends nothing.
  const empty = await agent.post(`/console/conversations/${a.debtorId}/reply`, { _csrf: token, channel: 'sms', body: '   ' });
  expect(empty.status).toBe(400);
  expect(empty.html).toContain('body: Write the reply');
  expect(textsTo(PHONE_A)).toHaveLength(before);

  // A note is on the thread and goes nowhere.
  expect((await agent.post(`/console/conversations/${a.debtorId}/notes`, { _csrf: token, body: 'Called them, will confirm the date.' })).status).toBe(303);
  expect((await agent.get(`/console/conversations/${a.debtorId}`)).html).toMatch(/data-direction="internal" data-kind="note"[\s\S]*Called them, will confirm the date\./);
  expect(textsTo(PHONE_A)).toHaveLength(before);

  // Assignment: to me, then to a colleague of the same partner; never to another partner's agent.
  expect((await agent.post(`/console/conversations/${a.debtorId}/assign`, { _csrf: token, assignee: 'me' })).status).toBe(303);
  expect(queueRow((await agent.get('/console/conversations?filter=mine')).html, a.debtorId)).toBeDefined();
  expect(queueRow((await agent.get('/console/conversations?filter=unassigned')).html, a.debtorId)).toBeUndefined();
  const foreign = await agent.post(`/console/conversations/${a.debtorId}/assign`, { _csrf: token, assignee: agentBId });
  expect(foreign.status).toBe(400);
  expect(foreign.html).toContain('assignee');
  expect((await agent.post(`/console/conversations/${a.debtorId}/assign`, { _csrf: token, assignee: agentA2Id })).status).toBe(303);
  expect((await agent.get(`/console/conversations/${a.debtorId}`)).html).toContain('data-testid="thread-assignee">agent-a2@recoup.test');

  // The answer by SMS reaches the Twilio-like API; the thread has nothing waiting any more.
  const sent = await agent.post(`/console/conversations/${a.debtorId}/reply`, { _csrf: token, channel: 'sms', body: 'Yes, paying by the 15th is fine.' });
  expect(sent).toMatchObject({ status: 303, location: `/console/conversations/${a.debtorId}?done=sent` });
  expect(textsTo(PHONE_A).at(-1)?.form).toMatchObject({ From: FROM, Body: 'Yes, paying by the 15th is fine.' });
  const [message] = await stack.database.db.select().from(messages).where(and(eq(messages.invoiceId, a.invoiceId), eq(messages.kind, 'agent_reply')));
  expect(message).toMatchObject({ channel: 'sms', recipient: PHONE_A, status: 'sent' });
  const [sentEvent] = await stack.database.db.select().from(events).where(and(eq(events.invoiceId, a.invoiceId), eq(events.dedupeKey, `message.sent:${message!.id}`)));
  expect(sentEvent!.data).toMatchObject({ kind: 'agent_reply', channel: 'sms', author: AGENT_A.email, guardrail_note: 'answer_to_inbound' });
  const [thread2] = await stack.database.db.select().from(conversations).where(eq(conversations.debtorId, a.debtorId));
  expect(thread2!.awaitingSince).toBeNull();
  expect(queueRow((await agent.get('/console/conversations')).html, a.debtorId)).toContain('data-waiting="no"');
  expect((await agent.get(`/console/conversations/${a.debtorId}`)).html).toMatch(/data-kind="agent_reply" data-channel="sms"[\s\S]*Yes, paying by the 15th is fine\./);

  // The debtor's answer to the agent comes back to the same thread (routed by the sender number).
  await textBack(PHONE_A, 'Thanks!');
  expect(queueRow((await agent.get('/console/conversations')).html, a.debtorId)).toContain('data-waiting="yes"');

  // Closed, the thread leaves the queue; the debtor writing again opens it.
  expect((await agent.post(`/console/conversations/${a.debtorId}/close`, { _csrf: token })).status).toBe(303);
  expect(queueRow((await agent.get('/console/conversations')).html, a.debtorId)).toBeUndefined();
  await textBack(PHONE_A, 'One more question');
  expect(queueRow((await agent.get('/console/conversations')).html, a.debtorId)).toContain('data-waiting="yes"');
}, 120_000);

test('quiet hours, opt-outs and the contact limit hold for agents: a reply at night, to an opted-out channel, or one nobody asked for beyond the limit is refused with the reason and nothing is sent; an answer is the limit’s exception', async () => {
  await textBack(PHONE_B, 'Who is this?');
  const agent = await signedIn(AGENT_B);
  const token = await agent.csrf(`/console/conversations/${b.debtorId}`);
  const before = textsTo(PHONE_B).length;

  await stack.database.db.update(debtors).set({ timezone: timezoneAtLocalHour(2) }).where(eq(debtors.id, b.debtorId));
  const night = await agent.post(`/console/conversations/${b.debtorId}/reply`, { _csrf: token, channel: 'sms', body: 'We are Beta Club.' });
  expect(night.status).toBe(422);
  expect(night.html).toContain('quiet time');
  expect(night.html).toContain('We are Beta Club.'); // what the agent wrote is kept in the form
  await stack.database.db.update(debtors).set({ timezone: daytimeTimezone() }).where(eq(debtors.id, b.debtorId));

  await textBack(PHONE_B, 'STOP');
  const page = await agent.get(`/console/conversations/${b.debtorId}`);
  expect(page.html).toMatch(/data-direction="in" data-kind="opt_out" data-channel="sms"/);
  const optedOut = await agent.post(`/console/conversations/${b.debtorId}/reply`, { _csrf: token, channel: 'sms', body: 'We are Beta Club.' });
  expect(optedOut.status).toBe(422);
  expect(optedOut.html).toContain('opted out of SMS');
  expect(textsTo(PHONE_B)).toHaveLength(before);
  expect(await stack.database.db.select().from(messages).where(and(eq(messages.invoiceId, b.invoiceId), eq(messages.kind, 'agent_reply')))).toEqual([]);

  // Email still reaches them, within the exception for answers.
  const byEmail = await agent.post(`/console/conversations/${b.debtorId}/reply`, { _csrf: token, channel: 'email', subject: 'Your question', body: 'We are Beta Club.' });
  expect(byEmail.status).toBe(303);
  const mail = stack.smtp.messages.find((m) => m.subject === 'Your question');
  expect(mail?.text).toContain('We are Beta Club.');

  // The contact limit: a message the agent starts (nothing waits) counts against it; an answer does not.
  const [invoice] = await stack.database.db.select().from(invoices).where(eq(invoices.id, b.invoiceId));
  await stack.database.db.insert(dunningPolicies).values({ companyId: invoice!.companyId, version: 99, policy: { ...defaultDunningPolicy, guardrails: { ...defaultDunningPolicy.guardrails, max_contacts_per_7_days: 1 } } });
  await stack.database.db.update(invoices).set({ policyVersion: 99 }).where(eq(invoices.id, b.invoiceId));
  const unasked = await agent.post(`/console/conversations/${b.debtorId}/reply`, { _csrf: token, channel: 'email', subject: 'Another thing', body: 'Did you see our letter?' });
  expect(unasked.status).toBe(422);
  expect(unasked.html).toContain('the limit is 1');
  expect(stack.smtp.messages.find((m) => m.subject === 'Another thing')).toBeUndefined();
  await textBack(PHONE_B, 'What letter?');
  const answer = await agent.post(`/console/conversations/${b.debtorId}/reply`, { _csrf: token, channel: 'email', subject: 'Another thing', body: 'The one of last week.' });
  expect(answer.status).toBe(303);
  const [answered] = await stack.database.db.select().from(messages).where(and(eq(messages.invoiceId, b.invoiceId), eq(messages.subject, 'Another thing')));
  const [answerEvent] = await stack.database.db.select().from(events).where(eq(events.dedupeKey, `message.sent:${answered!.id}`));
  expect(answerEvent!.data).toMatchObject({ kind: 'agent_reply', guardrail_note: 'answer_to_inbound' });
}, 120_000);

test('an agent records the dispute a debtor’s reply makes: the invoice is disputed with the reply as its details and the agent’s note on the thread; a reason is required; the other partner’s agent gets 404', async () => {
  await textBack(PHONE_A, 'I never ordered this, I will not pay it.');
  const agent = await signedIn(AGENT_A);
  const thread = await agent.get(`/console/conversations/${a.debtorId}`);
  const form = /data-testid="dispute-form">[^]*?name="entry_id" value="([^"]+)"[^]*?<\/form>/g;
  const forms = [...thread.html.matchAll(form)];
  const last = forms.at(-1)!;
  expect(last[0]).toContain(`<option value="${a.invoiceId}" selected>`);
  const entryId = last[1]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(thread.html)![1]!;

  const other = await signedIn(AGENT_B);
  const otherToken = await other.csrf('/console/conversations');
  expect((await other.post(`/console/conversations/${a.debtorId}/disputes`, { _csrf: otherToken, entry_id: entryId, invoice_id: a.invoiceId, reason: 'not yours' })).status).toBe(404);
  const noReason = await agent.post(`/console/conversations/${a.debtorId}/disputes`, { _csrf: token, entry_id: entryId, invoice_id: a.invoiceId, reason: ' ' });
  expect(noReason.status).toBe(400);
  expect(noReason.html).toContain('reason: Say why');
  expect((await stack.request('GET', `/api/v2/invoices/${a.invoiceId}`, { key: a.key })).body.status).not.toBe('disputed');

  const opened = await agent.post(`/console/conversations/${a.debtorId}/disputes`, { _csrf: token, entry_id: entryId, invoice_id: a.invoiceId, reason: 'Says it was never ordered' });
  expect(opened).toMatchObject({ status: 303, location: `/console/conversations/${a.debtorId}?done=disputed` });
  expect((await stack.request('GET', `/api/v2/invoices/${a.invoiceId}`, { key: a.key })).body.status).toBe('disputed');
  const [disputed] = await stack.database.db.select().from(events).where(and(eq(events.invoiceId, a.invoiceId), eq(events.type, 'invoice.disputed')));
  expect(disputed!.data).toMatchObject({ reason: 'Says it was never ordered', details: 'I never ordered this, I will not pay it.', via: 'agent' });
  expect((await agent.get(`/console/conversations/${a.debtorId}`)).html).toMatch(/data-direction="internal"[^>]*>[\s\S]*Says it was never ordered/);
}, 120_000);
