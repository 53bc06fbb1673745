import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApiKey } from '../../services/api-keys';
import { eventually } from '../support/eventually';
import { startStack, type Stack } from '../support/stack';
import { caseBody, caseEventually, configure, createCase, signAsCollector, startCollectorServer, timelineTypes } from './support';

/**
 * The collectors behind their one interface, against real servers: the http collector's signed
 * hand-off to a local HTTP server (checked here with node:crypto alone), its signed status
 * callbacks (and forged ones), the file collector's daily batch, and test cases that never leave.
 */
let stack: Stack;
let outbox: string;
let agency: Awaited<ReturnType<typeof startCollectorServer>>;
let otherAgency: Awaited<ReturnType<typeof startCollectorServer>>;
const SECRET = 'agency-shared-secret-0123456789';

beforeAll(async () => {
  outbox = mkdtempSync(path.join(tmpdir(), 'recoup-outbox-'));
  [stack, agency, otherAgency] = await Promise.all([startStack({ config: { RECOUP_COLLECTOR_OUTBOX_DIR: outbox } }), startCollectorServer(), startCollectorServer()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([stack?.close(), agency?.close(), otherAgency?.close()]);
  rmSync(outbox, { recursive: true, force: true });
});

async function partnerWith(configurations: unknown[]) {
  const p = await stack.newPartner('Collectors');
  await configure(stack, p.key, p.companyId, configurations);
  return p;
}

const httpConfiguration = (url: string, o: { review?: boolean; secret?: string; name?: string } = {}) => ({
  name: o.name ?? 'agency',
  collector: 'http',
  review_required: o.review ?? false,
  conditions: {},
  settings: { url, secret: o.secret ?? SECRET },
});

const requestsFor = (server: typeof agency, caseId: string) => server.received.filter((r) => r.body.case?.id === caseId);

/** Checks the signature as a collector would, with its own copy of the secret. */
function signatureValid(secret: string, header: string | string[] | undefined, rawBody: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(header));
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${rawBody}`).digest();
  return Math.abs(Date.now() / 1000 - Number(match[1])) < 300 && timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}

async function callback(caseId: string, body: unknown, sign: (raw: string) => string | undefined = (raw) => signAsCollector(SECRET, raw)) {
  const raw = JSON.stringify(body);
  const signature = sign(raw);
  return stack.request('POST', `/webhooks/collectors/${caseId}`, { body: raw, headers: signature === undefined ? {} : { 'recoup-signature': signature } });
}

describe('the http collector', () => {
  let p: Awaited<ReturnType<typeof partnerWith>>;
  beforeAll(async () => {
    p = await partnerWith([httpConfiguration(agency.url)]);
  });

  async function handedOffCase(amountCents = 50_000) {
    const created = await createCase(stack, p.key, caseBody(p.companyId, { amountCents }));
    await stack.request('POST', `/api/v2/debt_collection_cases/${created.id}/mark_prepared`, { key: p.key });
    return caseEventually(stack, p.key, created.id, (c) => expect(c.hand_off?.delivery).toBe('sent'));
  }

  test('a production case is POSTed as JSON, signed with the configuration’s secret over `${t}.${body}`', async () => {
    const kase = await handedOffCase();
    const [request] = requestsFor(agency, kase.id);
    expect(request).toBeDefined();
    expect(request!.headers['content-type']).toBe('application/json');
    expect(signatureValid(SECRET, request!.headers['recoup-signature'], request!.rawBody)).toBe(true);
    expect(signatureValid('another-secret-0123456789', request!.headers['recoup-signature'], request!.rawBody)).toBe(false);
    expect(request!.headers['idempotency-key']).toBe(`${kase.id}:debt_case.handed_off`);
    expect(request!.body).toMatchObject({
      type: 'debt_case.handed_off',
      case: {
        id: kase.id,
        company_id: p.companyId,
        external_id: kase.external_id,
        environment: 'production',
        currency: 'EUR',
        amount_cents: 50_000,
        billing_address: { family_name: 'de Vries', country: 'NL' },
        line_items: [expect.objectContaining({ sku: 'MEM-2027' })],
        callback_url: `${stack.baseUrl}/webhooks/collectors/${kase.id}`,
      },
    });
    expect(kase.hand_off).toMatchObject({ delivery: 'sent', reference: expect.stringMatching(/^AG-/), destination: agency.url });
    expect(kase.timeline.at(-1)).toMatchObject({ type: 'debt_case.handed_off', data: { delivery: 'sent', sent: true, collector: { name: 'agency', kind: 'http' } } });
  });

  test('signed callbacks add collected amounts (each once, however often resent) and close the case', async () => {
    const kase = await handedOffCase(50_000);
    const first = { collected_amounts: [{ id: 'pay-1', amount_cents: 20_000, collected_at: '2027-02-01T09:00:00Z' }] };
    const res = await callback(kase.id, first);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'processing', collected_amount_cents: 20_000, collected_amounts: [{ sequence: 1, source: 'collector', recorded_by: 'collector:agency', collector_reference: 'pay-1' }] });
    expect((await callback(kase.id, first)).body.collected_amount_cents).toBe(20_000);

    const last = { collected_amounts: [{ id: 'pay-1', amount_cents: 20_000 }, { id: 'pay-2', amount_cents: 5_000 }], status: 'closed', close_reason: 'partially_collected', note: 'debtor emigrated' };
    const closed = await callback(kase.id, last);
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ state: 'closed', close_reason: 'partially_collected', collected_amount_cents: 25_000, closed_by: 'collector:agency', close_note: 'debtor emigrated' });
    expect(timelineTypes(closed.body)).toEqual(['debt_case.created', 'debt_case.handed_off', 'debt_case.collected_amount_added', 'debt_case.collected_amount_added', 'debt_case.closed']);
    // Resending the final callback answers the closed case; it changes nothing.
    const resent = await callback(kase.id, last);
    expect(resent).toMatchObject({ status: 200, body: { state: 'closed', collected_amount_cents: 25_000 } });
  });

  test.each([
    ['signed with another secret', (raw: string) => signAsCollector('not-the-agency-secret-000', raw)],
    ['signed ten minutes ago', (raw: string) => signAsCollector(SECRET, raw, new Date(Date.now() - 600_000))],
    ['signed over another body', () => signAsCollector(SECRET, JSON.stringify({ collected_amounts: [{ id: 'x', amount_cents: 1 }] }))],
    ['not signed', () => undefined],
    ['with a malformed signature', () => 'v1=deadbeef'],
  ])('a callback %s is 403 and changes nothing', async (_name, sign) => {
    const kase = await handedOffCase(10_000);
    const res = await callback(kase.id, { collected_amounts: [{ id: 'forged', amount_cents: 10_000 }], status: 'closed', close_reason: 'collected' }, sign);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('invalid_signature');
    expect((await stack.request('GET', `/api/v2/debt_collection_cases/${kase.id}`, { key: p.key })).body).toMatchObject({ state: 'processing', collected_amount_cents: 0 });
  });

  test('callbacks for an unknown case are 404; a signed callback that asks the impossible is 422', async () => {
    expect((await callback('dcc_unknown', { status: 'closed', close_reason: 'collected' })).status).toBe(404);
    const kase = await handedOffCase(10_000);
    const tooMuch = await callback(kase.id, { collected_amounts: [{ id: 'big', amount_cents: 10_001 }] });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.code).toBe('collected_amount_exceeds_outstanding');
    const malformed = await callback(kase.id, { status: 'closed' });
    expect(malformed.status).toBe(400);
  });

  test('a case withdrawn while with the collector is withdrawn there too, signed', async () => {
    const kase = await handedOffCase();
    await stack.request('POST', `/api/v2/debt_collection_cases/${kase.id}/close`, { key: p.key, body: { reason: 'withdrawn', note: 'paid the club directly' } });
    const withdrawal = await eventually(async () => {
      const found = requestsFor(agency, kase.id).find((r) => r.body.type === 'debt_case.withdrawn');
      expect(found).toBeDefined();
      return found!;
    });
    expect(signatureValid(SECRET, withdrawal.headers['recoup-signature'], withdrawal.rawBody)).toBe(true);
    expect(withdrawal.body.case).toMatchObject({ id: kase.id });
  });

  test('a collector that refuses the case for good leaves it processing, with the error, for people', async () => {
    const refusing = await startCollectorServer();
    refusing.answer(400);
    try {
      const q = await partnerWith([httpConfiguration(refusing.url, { name: 'picky agency' })]);
      const created = await createCase(stack, q.key, caseBody(q.companyId));
      await stack.request('POST', `/api/v2/debt_collection_cases/${created.id}/mark_prepared`, { key: q.key });
      const kase = await caseEventually(stack, q.key, created.id, (c) => expect(c.hand_off?.delivery).toBe('failed'));
      expect(kase).toMatchObject({ state: 'processing', hand_off: { error: expect.stringContaining('400') } });
      expect(refusing.received).toHaveLength(1);
    } finally {
      await refusing.close();
    }
  });
});

describe('test-environment cases never leave Recoup', () => {
  test('the hand-off to an http collector is recorded, and the collector’s server receives nothing', async () => {
    const p = await partnerWith([httpConfiguration(agency.url, { name: 'agency (test)' })]);
    const created = await createCase(stack, p.key, caseBody(p.companyId, { environment: 'test' }));
    expect((await stack.request('POST', `/api/v2/debt_collection_cases/${created.id}/mark_prepared`, { key: p.key })).body.state).toBe('processing');
    const kase = await caseEventually(stack, p.key, created.id, (c) => expect(c.hand_off).not.toBeNull());
    expect(kase.hand_off).toMatchObject({ delivery: 'not_sent_test_environment', destination: null });
    expect(kase.timeline.at(-1)).toMatchObject({ type: 'debt_case.handed_off', data: { sent: false, delivery: 'not_sent_test_environment' } });
    // Withdrawn afterwards: still nothing goes out.
    await stack.request('POST', `/api/v2/debt_collection_cases/${created.id}/close`, { key: p.key, body: { reason: 'withdrawn' } });
    await caseEventually(stack, p.key, created.id, (c) => expect(c.state).toBe('closed'));
    await new Promise((r) => setTimeout(r, 500));
    expect(requestsFor(agency, created.id)).toEqual([]);
    // The collector's test platform may still report back on it, signed.
    expect((await callback(created.id, { status: 'closed', close_reason: 'withdrawn' })).status).toBe(200);
  });
});

test('a case keeps the configuration chosen when it was prepared: a later change of the list does not move it', async () => {
  const p = await partnerWith([httpConfiguration(agency.url, { name: 'agency, reviewed', review: true })]);
  const reviewer = await createApiKey(stack.database.db, { partnerId: p.partnerId, role: 'reviewer' });
  const created = await createCase(stack, p.key, caseBody(p.companyId));
  const prepared = await stack.request('POST', `/api/v2/debt_collection_cases/${created.id}/mark_prepared`, { key: p.key });
  expect(prepared.body).toMatchObject({ state: 'reviewing', collector: { name: 'agency, reviewed', configuration_version: 1 } });
  await configure(stack, p.key, p.companyId, [httpConfiguration(otherAgency.url, { name: 'new agency', secret: 'a-completely-new-secret-0001' })]);
  await stack.request('POST', `/api/v2/debt_collection_cases/${created.id}/review`, { key: reviewer.secret, body: { decision: 'approve', reason: 'documents complete' } });
  const kase = await caseEventually(stack, p.key, created.id, (c) => expect(c.hand_off?.delivery).toBe('sent'));
  expect(kase).toMatchObject({ collector: { name: 'agency, reviewed', configuration_version: 1 }, hand_off: { destination: agency.url } });
  expect(requestsFor(agency, created.id)).toHaveLength(1);
  expect(requestsFor(otherAgency, created.id)).toEqual([]);
  // Its callbacks are still checked with the secret it was handed off with.
  expect((await callback(created.id, { collected_amounts: [{ id: 'a', amount_cents: 100 }] })).status).toBe(200);
  expect((await callback(created.id, { collected_amounts: [{ id: 'b', amount_cents: 100 }] }, (raw) => signAsCollector('a-completely-new-secret-0001', raw))).status).toBe(403);
});

describe('the file collector', () => {
  test('each hand-off rewrites the company’s batch file of the day: every production case once, test cases never', async () => {
    const p = await partnerWith([{ name: 'file drop', collector: 'file', review_required: false, conditions: {} }]);
    const ids: string[] = [];
    for (const environment of ['production', 'test', 'production'] as const) {
      const created = await createCase(stack, p.key, caseBody(p.companyId, { environment }));
      await stack.request('POST', `/api/v2/debt_collection_cases/${created.id}/mark_prepared`, { key: p.key });
      const kase = await caseEventually(stack, p.key, created.id, (c) => expect(c.hand_off).not.toBeNull());
      expect(kase.hand_off.delivery).toBe(environment === 'test' ? 'not_sent_test_environment' : 'file');
      ids.push(created.id);
    }
    const day = new Date().toISOString().slice(0, 10);
    const file = path.join(outbox, p.companyId, `${day}.json`);
    expect(existsSync(file)).toBe(true);
    const batch = JSON.parse(readFileSync(file, 'utf8'));
    expect(batch).toMatchObject({ company_id: p.companyId, date: day });
    expect(batch.cases.map((c: { id: string }) => c.id)).toEqual([ids[0], ids[2]]);
    expect(batch.cases[0]).toMatchObject({ environment: 'production', amount_cents: 12_000, handed_off_at: expect.any(String), callback_url: expect.stringContaining(ids[0]!) });
  });
});
