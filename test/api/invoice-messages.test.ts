import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { Writable } from 'node:stream';
import { createActivities } from '../../activities';
import { messages } from '../../db/schema';
import { createMailer } from '../../messaging/mailer';
import { createSmsSender } from '../../messaging/sms';
import { createApiKey } from '../../services/api-keys';
import { eventually } from '../support/eventually';
import { silentLogger } from '../support/logger';
import { invoiceBody, OPS_KEY, startStack, type Stack } from '../support/stack';

/**
 * An invoice's messages over real HTTP, for its partner and for ops (never the body or the portal
 * link), and a fresh portal link that only ops can take, recorded on the timeline without the link.
 */
const logLines: string[] = [];
let stack: Stack;
let owner: { key: string; companyId: string; partnerId: string };
let other: { key: string };
let invoiceId: string;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  stack = await startStack({ logger: pino({ level: 'debug' }, sink) });
  owner = await stack.newPartner('Sender');
  other = await stack.newPartner('Someone else');
  const imp = await stack.request('POST', '/api/v2/imports', { key: owner.key, body: { company_id: owner.companyId } });
  const created = await stack.request('POST', '/api/v2/invoices', { key: owner.key, body: invoiceBody(imp.body.id as string) });
  invoiceId = created.body.id as string;
  expect((await stack.request('POST', `/api/v2/imports/${imp.body.id as string}/transmit`, { key: owner.key })).status).toBe(202);
  // The invoice notice (daytime for the debtor: at once).
  await eventually(async () => expect(await stack.database.db.select().from(messages).where(eq(messages.invoiceId, invoiceId))).toHaveLength(1));
  // A reminder as the workflow's step 0 would send it, so there are two to page through.
  const activities = createActivities({
    db: stack.database.db,
    mailer: createMailer({ smtpUrl: stack.smtp.url, from: stack.config.MAIL_FROM, logger: silentLogger }),
    sms: createSmsSender({ logger: silentLogger }),
    temporal: stack.env.client,
    config: stack.config,
    logger: silentLogger,
  });
  await new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(activities.sendInvoiceMessage, { invoiceId, purpose: 'step0', channel: 'email' as const, kind: 'reminder' as const });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const messagesOf = (key: string, query = '') => stack.request('GET', `/api/v2/invoices/${invoiceId}/messages${query}`, { key });

test('a partner reads its invoice’s messages: channel, kind, purpose, status and delivery, recipient, times; never the body or the portal link', async () => {
  const res = await messagesOf(owner.key);
  expect(res.status).toBe(200);
  expect(res.body.next_cursor).toBeNull();
  const rows = await stack.database.db.select().from(messages).where(eq(messages.invoiceId, invoiceId));
  const notice = rows.find((m) => m.kind === 'invoice_notice')!;
  expect(res.body.data).toEqual([
    {
      id: notice.id,
      invoice_id: invoiceId,
      channel: 'email',
      kind: 'invoice_notice',
      purpose: 'transmit',
      status: 'sent',
      delivery_status: 'accepted',
      recipient: 'anna@example.nl',
      subject: notice.subject,
      error: null,
      attempts: 1,
      resent_at: null,
      sent_at: notice.sentAt!.toISOString(),
      delivered_at: null,
      created_at: notice.createdAt.toISOString(),
    },
    expect.objectContaining({ channel: 'email', kind: 'reminder', purpose: 'step0', delivery_status: 'accepted' }),
  ]);
  const text = JSON.stringify(res.body);
  expect(text).not.toContain('/pay/');
  for (const m of rows) {
    expect(m.bodyText).toContain('/pay/');
    expect(text).not.toContain(m.bodyText.slice(0, 40));
  }
});

test('the messages come a page at a time, oldest first, with the contract’s cursor', async () => {
  const first = await messagesOf(owner.key, '?limit=1');
  expect(first.body.data.map((m: { purpose: string }) => m.purpose)).toEqual(['transmit']);
  expect(first.body.next_cursor).toEqual(expect.any(String));
  const second = await messagesOf(owner.key, `?limit=1&cursor=${first.body.next_cursor as string}`);
  expect(second.body.data.map((m: { purpose: string }) => m.purpose)).toEqual(['step0']);
  expect(second.body.next_cursor).toBeNull();
  const bad = await messagesOf(owner.key, '?limit=0');
  expect(bad.status).toBe(400);
  expect(bad.body.error.details[0].path).toBe('limit');
});

test('another partner’s invoice’s messages are a 404; ops see every invoice’s', async () => {
  const foreign = await messagesOf(other.key);
  expect(foreign.status).toBe(404);
  expect(JSON.stringify(foreign.body)).not.toContain('anna@example.nl');
  expect((await messagesOf(OPS_KEY)).body.data).toHaveLength(2);
  expect((await stack.request('GET', '/api/v2/invoices/inv_unknown/messages', { key: owner.key })).status).toBe(404);
});

test('only ops get a fresh portal link: a partner or reviewer key is refused with 403', async () => {
  const reviewer = await createApiKey(stack.database.db, { partnerId: null, role: 'reviewer' });
  for (const key of [owner.key, reviewer.secret]) {
    const res = await stack.request('POST', `/api/v2/invoices/${invoiceId}/portal_link`, { key });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect(JSON.stringify(res.body)).not.toContain('/pay/');
  }
  const events = (await stack.request('GET', `/api/v2/invoices/${invoiceId}/events`, { key: owner.key })).body.data as Array<{ type: string }>;
  expect(events.filter((e) => e.type === 'invoice.portal_link_issued')).toHaveLength(0);
});

test('ops get a fresh portal link that opens the invoice’s portal; the timeline records who and until when, and neither it nor the logs hold the link', async () => {
  const before = Date.now();
  const res = await stack.request('POST', `/api/v2/invoices/${invoiceId}/portal_link`, { key: OPS_KEY });
  expect(res.status).toBe(201);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const { url, expires_at } = res.body as { url: string; expires_at: string };
  expect(url.startsWith(`${stack.baseUrl}/pay/${invoiceId}.`)).toBe(true);
  // The default policy's portal_link_days: 60.
  expect(Date.parse(expires_at) - before).toBeGreaterThanOrEqual(60 * 86_400_000 - 1_000);
  expect(Date.parse(expires_at) - Date.now()).toBeLessThanOrEqual(60 * 86_400_000 + 1_000);

  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('Membership 2027');

  const events = (await stack.request('GET', `/api/v2/invoices/${invoiceId}/events`, { key: owner.key })).body.data as Array<{ type: string; data: Record<string, unknown> }>;
  const issued = events.filter((e) => e.type === 'invoice.portal_link_issued');
  expect(issued).toHaveLength(1);
  expect(issued[0]!.data).toMatchObject({ invoice_id: invoiceId, issued_by: { role: 'ops', api_key_id: 'bootstrap' }, expires_at });
  const token = url.slice(url.indexOf('/pay/') + 5);
  expect(JSON.stringify(events)).not.toContain(token);
  expect(logLines.length).toBeGreaterThan(0);
  expect(logLines.join('\n')).not.toContain(token.split('.')[2]);
});

test('a draft invoice has no portal link yet: 409', async () => {
  const imp = await stack.request('POST', '/api/v2/imports', { key: owner.key, body: { company_id: owner.companyId } });
  const draft = await stack.request('POST', '/api/v2/invoices', { key: owner.key, body: invoiceBody(imp.body.id as string) });
  const res = await stack.request('POST', `/api/v2/invoices/${draft.body.id as string}/portal_link`, { key: OPS_KEY });
  expect(res.status).toBe(409);
  expect(res.body.error.code).toBe('invoice_not_transmitted');
});
