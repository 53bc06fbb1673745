import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { createApp } from '../../api/app';
import { createApiKey } from '../../services/api-keys';
import { createConsoleSession, createConsoleUser } from '../../services/console-users';
import { holdInvoice, invoiceWorkflowId } from '../../workflows/invoice.messages';
import { debtorWorkflowId } from '../../workflows/debtor.messages';
import { eventually } from '../support/eventually';
import { silentLogger } from '../support/logger';
import { invoiceBody, OPS_KEY, startStack, type Stack } from '../support/stack';

const UI = 'http://localhost:8233';
const key2026 = randomBytes(32).toString('base64');
const debtor = { first_name: 'Wilhelmina', last_name: 'Ooststroom', email: 'w.ooststroom@example.nl', locale: 'nl', timezone: 'Europe/Amsterdam' };
// Free text a partner types: personal data in an update's argument, in the history and in the activity that stores it.
const holdReason = 'Wilhelmina Ooststroom (w.ooststroom@example.nl) disputes the invoice by phone';

// A second debtor whose mail server keeps answering 451 with the address in its text: the error
// the email activity fails with, retry after retry.
const busyDebtor = { first_name: 'Gijsbrecht', last_name: 'Amstelveen', email: 'g.amstelveen@example.nl', locale: 'nl', timezone: 'Europe/Amsterdam' };

let stack: Stack;
let partner: Awaited<ReturnType<Stack['newPartner']>>;
let invoiceId: string;
let busyInvoiceId: string;

beforeAll(async () => {
  stack = await startStack({
    config: { RECOUP_PAYLOAD_KEYS: `k2026:${key2026}`, RECOUP_CODEC_CORS_ORIGINS: UI },
    smtp: { rejectRecipient: (address) => (address === busyDebtor.email ? { code: 451, message: `4.2.2 Mailbox of ${address} is full, try later` } : undefined) },
  });
  partner = await stack.newPartner('Codec');
  const { key, companyId } = partner;
  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const now = new Date(await stack.env.currentTimeMs());
  const due = new Date(now.getTime() + 20 * 86_400_000).toISOString().slice(0, 10);
  const inv = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id, { issue_date: now.toISOString().slice(0, 10), due_date: due, debtor }) });
  invoiceId = inv.body.id;
  const busy = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id, { issue_date: now.toISOString().slice(0, 10), due_date: due, debtor: busyDebtor }) });
  busyInvoiceId = busy.body.id;
  expect((await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key })).status).toBe(202);
  await eventually(async () => expect((await stack.request('GET', `/api/v2/invoices/${invoiceId}`, { key })).body.status).toBe('open'));
  const hold = await stack.request('POST', `/api/v2/invoices/${invoiceId}/hold`, { key, body: { reason: holdReason } });
  expect(hold.status).toBe(200);
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

/** The history as the Temporal server keeps it: read by a client without the codec. */
async function rawHistory() {
  const plainClient = new Client({ connection: stack.env.connection });
  return plainClient.workflow.getHandle(invoiceWorkflowId(invoiceId)).fetchHistory();
}

/**
 * Every payload in a history except those codecs never see: search attribute values (the server
 * indexes them), headers, and the SDK's own patch markers (their payload is the patch id).
 */
function payloadsIn(node: unknown, out: Payload[] = []): Payload[] {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array) return out;
  if (Array.isArray(node)) {
    node.forEach((n) => payloadsIn(n, out));
    return out;
  }
  const record = node as Record<string, unknown>;
  if (record.markerName === 'core_patch') return out;
  if (record.metadata && typeof record.metadata === 'object' && 'data' in record) {
    out.push(record as Payload);
    return out;
  }
  for (const [k, v] of Object.entries(record)) if (k !== 'searchAttributes' && k !== 'header') payloadsIn(v, out);
  return out;
}

const asJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});
const metadataText = (p: { metadata: Record<string, string> }, key: string) => Buffer.from(p.metadata[key] ?? '', 'base64').toString();
const dataText = (p: { data: string }) => Buffer.from(p.data, 'base64').toString();

describe('with RECOUP_PAYLOAD_KEYS set', () => {
  test('the debtor’s name and email are nowhere in the history the Temporal server keeps; every payload is encrypted under the current key', async () => {
    const history = await rawHistory();
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
    for (const secret of ['w.ooststroom@example.nl', 'Ooststroom', 'Wilhelmina']) expect(bytes).not.toContain(secret);
    const payloads = payloadsIn(history.events);
    expect(payloads.length).toBeGreaterThan(5);
    // The memo the UI lists (status, amount due) is among them: encrypted too.
    const memo = history.events!.find((e) => e.workflowPropertiesModifiedEventAttributes)?.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields ?? {};
    expect(Object.keys(memo)).toContain('status');
    expect(payloads).toEqual(expect.arrayContaining(Object.values(memo)));
    for (const p of payloads.filter((x) => (x.data?.length ?? 0) > 0)) {
      expect(Buffer.from(p.metadata!.encoding!).toString()).toBe('binary/encrypted');
      expect(Buffer.from(p.metadata!['encryption-key-id']!).toString()).toBe('k2026');
    }
  });

  test('an ops key reads the history’s payloads through POST /codec/decode', async () => {
    const payloads = payloadsIn((await rawHistory()).events).map(asJson);
    const opsKey = await createApiKey(stack.database.db, { partnerId: null, role: 'ops' });
    for (const key of [OPS_KEY, opsKey.secret]) {
      const res = await stack.request('POST', '/codec/decode', { key, body: { payloads }, headers: { origin: UI, 'x-namespace': 'default' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(UI);
      expect(res.body.payloads).toHaveLength(payloads.length);
      expect(res.body.payloads.every((p: { metadata: Record<string, string> }) => metadataText(p, 'encoding') !== 'binary/encrypted')).toBe(true);
      const decoded = res.body.payloads.map(dataText).join('\n');
      expect(decoded).toContain(holdReason);
      expect(decoded).toContain(invoiceId);
    }
  });

  test('POST /codec/encode encrypts what the UI sends (e.g. an update’s input), and decode reads it back', async () => {
    const input = asJson(defaultPayloadConverter.toPayload({ reason: holdReason }));
    const encoded = await stack.request('POST', '/codec/encode', { key: OPS_KEY, body: { payloads: [input] } });
    expect(encoded.status).toBe(200);
    expect(metadataText(encoded.body.payloads[0], 'encoding')).toBe('binary/encrypted');
    expect(dataText(encoded.body.payloads[0])).not.toContain('Ooststroom');
    const decoded = await stack.request('POST', '/codec/decode', { key: OPS_KEY, body: encoded.body });
    expect(decoded.body.payloads).toEqual([input]);
  });

  test('an ops user signed in to the console decodes with the session cookie under /console/codec; a reviewer is refused', async () => {
    const [encrypted] = payloadsIn((await rawHistory()).events).filter((p) => (p.data?.length ?? 0) > 0).map(asJson);
    const ops = await createConsoleUser(stack.database.db, { email: 'ops-codec@recoup.test', role: 'ops', password: 'a-long-ops-password' });
    const reviewer = await createConsoleUser(stack.database.db, { email: 'reviewer-codec@recoup.test', role: 'reviewer', password: 'a-long-reviewer-password' });
    const asUser = async (userId: string) =>
      stack.request('POST', '/console/codec/decode', { body: { payloads: [encrypted] }, headers: { origin: UI, cookie: `recoup_console=${await createConsoleSession(stack.database.db, userId)}` } });
    const byOps = await asUser(ops.id);
    expect(byOps.status).toBe(200);
    expect(byOps.headers.get('access-control-allow-credentials')).toBe('true');
    expect(metadataText(byOps.body.payloads[0], 'encoding')).not.toBe('binary/encrypted');
    expect((await asUser(reviewer.id)).status).toBe(403);
  });

  test.each([
    ['no credentials', undefined, 401],
    ['an unknown key', 'rk_ops_not-a-real-key', 401],
    ['a partner key', 'partner', 403],
  ])('%s: the codec refuses to decode (%s → %i)', async (_name, key, status) => {
    const [encrypted] = payloadsIn((await rawHistory()).events).filter((p) => (p.data?.length ?? 0) > 0).map(asJson);
    for (const path of ['/codec/decode', '/codec/encode', '/console/codec/decode']) {
      const res = await stack.request('POST', path, { key: key === 'partner' ? partner.key : key, body: { payloads: [encrypted] } });
      expect(res.status).toBe(status);
      expect(JSON.stringify(res.body)).not.toContain('Ooststroom');
    }
  });

  test('a payload under a key this process does not have is a 422 naming the key id', async () => {
    const foreign = { metadata: { encoding: Buffer.from('binary/encrypted').toString('base64'), 'encryption-key-id': Buffer.from('k2019').toString('base64') }, data: randomBytes(64).toString('base64') };
    const res = await stack.request('POST', '/codec/decode', { key: OPS_KEY, body: { payloads: [foreign] } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain('"k2019"');
  });

  test('a body that is not { payloads: [...] } with base64 is a 400 with the field path', async () => {
    const res = await stack.request('POST', '/codec/decode', { key: OPS_KEY, body: { payloads: [{ data: 'not base64!' }] } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'payloads.0.data' })]);
  });

  test('a failure’s message is encrypted too: the SMTP answer naming the debtor is not in what the server keeps, and the codec reads it', async () => {
    // What the server keeps of the retrying email activity (the debtor's workflow sends it): its last failure.
    const plainClient = new Client({ connection: stack.env.connection });
    const debtorId = (await stack.request('GET', `/api/v2/invoices/${busyInvoiceId}`, { key: partner.key })).body.debtor_id as string;
    const describe = () => plainClient.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId: debtorWorkflowId(debtorId) } });
    const pending = await eventually(async () => {
      const activity = (await describe()).pendingActivities?.find((a) => a.activityType?.name === 'sendDebtorContact' && a.lastFailure);
      expect(activity).toBeDefined();
      return activity!;
    }, 60_000);
    const raw = Buffer.from(temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse.encode(await describe()).finish()).toString('latin1');
    expect(raw).not.toContain(busyDebtor.email);
    const failure = pending.lastFailure!;
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    expect(Buffer.from(failure.encodedAttributes!.metadata!['encryption-key-id']!).toString()).toBe('k2026');

    const res = await stack.request('POST', '/codec/decode', { key: OPS_KEY, body: { payloads: [asJson(failure.encodedAttributes!)] } });
    expect(res.status).toBe(200);
    const attributes = JSON.parse(dataText(res.body.payloads[0])) as { message: string; stack_trace: string };
    expect(attributes.message).toContain(`Mailbox of ${busyDebtor.email} is full`);
    expect(attributes.stack_trace).toContain('Error');
  });

  test('a rejected update reads normally through the API, and not at all without the key: failures raised in workflow code are encrypted', async () => {
    const again = await stack.request('POST', `/api/v2/invoices/${invoiceId}/hold`, { key: partner.key, body: { reason: 'again' } });
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain('already on hold');
    // The same rejection through a client without the codec: its text never crossed the wire in clear.
    const plainClient = new Client({ connection: stack.env.connection });
    const error = await plainClient.workflow
      .getHandle(invoiceWorkflowId(invoiceId))
      .executeUpdate(holdInvoice, { args: [{ reason: 'again' }] })
      .then(() => undefined, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).not.toContain('on hold');
    expect(String(error)).toMatch(/binary\/encrypted|Encoded failure/);
  });

  test('the CORS preflight from the Web UI’s origin is allowed; another origin gets no CORS headers', async () => {
    const preflight = (origin: string) =>
      fetch(`${stack.baseUrl}/codec/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
    const allowed = await preflight(UI);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(UI);
    expect(allowed.headers.get('access-control-allow-methods')).toBe('POST');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('content-type,x-namespace,authorization');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('access-control-allow-credentials')).toBeNull();
    const post = await stack.request('POST', '/codec/decode', { key: OPS_KEY, body: { payloads: [] }, headers: { origin: 'https://evil.example' } });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });
});

test('with encryption off the codec endpoint is a 404', async () => {
  const app = createApp({ db: stack.database.db, temporal: stack.env.client, config: { ...stack.config, RECOUP_PAYLOAD_KEYS: undefined }, logger: silentLogger });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/codec/decode`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPS_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ payloads: [] }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('RECOUP_PAYLOAD_KEYS');
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
