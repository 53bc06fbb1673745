import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { and, eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { companies, idempotencyKeys } from '../../db/schema';
import { errorMiddleware } from '../../api/errors';
import { idempotency, type IdempotencyOptions } from '../../api/idempotency';
import { secretBoxFor } from '../../services/secret-box';
import { createTestDatabase } from '../support/database';
import { silentLogger } from '../support/logger';
import { startStack, type Stack } from '../support/stack';

/**
 * Idempotency-Key over real HTTP against the real database: the partner API (companies, imports),
 * and, for what the partner API cannot be made to do on purpose (fail with a 5xx, hang), a small
 * app with the same middleware.
 */

const companyBody = (name: string) => ({ name, country: 'NL', currency: 'EUR', locale: 'nl', timezone: 'Europe/Amsterdam' });

describe('Idempotency-Key on the partner API', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  async function companiesNamed(name: string) {
    return stack.database.db.select().from(companies).where(eq(companies.name, name));
  }

  test('the same key with the same body replays the first answer: the same company, created once, marked as replayed', async () => {
    const { key } = await stack.newPartner('Replay');
    const headers = { 'idempotency-key': 'create-company-1' };
    const first = await stack.request('POST', '/api/v2/companies', { key, body: companyBody('HC Replay'), headers });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    // Re-serialised with its keys in another order: still the same request.
    const reordered = Object.fromEntries(Object.entries(companyBody('HC Replay')).reverse());
    const again = await stack.request('POST', '/api/v2/companies', { key, body: reordered, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toMatch(/^application\/json/);
    expect(again.body).toEqual(first.body);
    expect(await companiesNamed('HC Replay')).toHaveLength(1);
  });

  test.each([
    ['another body on the same path', '/api/v2/companies', companyBody('HC Other')],
    ['another path', '/api/v2/imports', { company_id: 'cmp_whatever' }],
  ])('the same key with %s is 422 idempotency_key_reused, and nothing is created', async (_case, path, body) => {
    const { key } = await stack.newPartner('Reuse');
    const headers = { 'idempotency-key': 'reused-key' };
    expect((await stack.request('POST', '/api/v2/companies', { key, body: companyBody('HC First'), headers })).status).toBe(201);
    const res = await stack.request('POST', path, { key, body, headers });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ error: { code: 'idempotency_key_reused', message: expect.any(String), details: [] } });
    expect(await companiesNamed('HC Other')).toHaveLength(0);
  });

  test('two concurrent requests with the same key create one company: the other is replayed or told the key is in use', async () => {
    const { key } = await stack.newPartner('Concurrent');
    for (let round = 0; round < 5; round++) {
      const name = `HC Concurrent ${round}`;
      const headers = { 'idempotency-key': `concurrent-${round}` };
      const answers = await Promise.all([
        stack.request('POST', '/api/v2/companies', { key, body: companyBody(name), headers }),
        stack.request('POST', '/api/v2/companies', { key, body: companyBody(name), headers }),
      ]);
      const created = answers.filter((a) => a.status === 201);
      const inUse = answers.filter((a) => a.status === 409);
      expect(created.length + inUse.length).toBe(2);
      expect(created.length).toBeGreaterThanOrEqual(1);
      for (const a of inUse) {
        expect(a.body.error.code).toBe('idempotency_key_in_use');
        expect(a.headers.get('retry-after')).toBe('1');
      }
      expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
      expect(await companiesNamed(name)).toHaveLength(1);
    }
  });

  test('two partners using the same key do not collide', async () => {
    const a = await stack.newPartner('Tenant A');
    const b = await stack.newPartner('Tenant B');
    const headers = { 'idempotency-key': 'shared-key-0001' };
    const ra = await stack.request('POST', '/api/v2/companies', { key: a.key, body: companyBody('HC Tenant A'), headers });
    const rb = await stack.request('POST', '/api/v2/companies', { key: b.key, body: companyBody('HC Tenant B'), headers });
    expect([ra.status, rb.status]).toEqual([201, 201]);
    expect(rb.headers.get('idempotent-replayed')).toBeNull();
    expect(ra.body.id).not.toBe(rb.body.id);
    expect(rb.body.name).toBe('HC Tenant B');
  });

  test('an error answer is replayed as it was (a 404 for another tenant’s company stays a 404)', async () => {
    const { key } = await stack.newPartner('Errors');
    const other = await stack.newPartner('Someone else');
    const headers = { 'idempotency-key': 'import-for-foreign-company' };
    const first = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: other.companyId }, headers });
    const again = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: other.companyId }, headers });
    expect(first.status).toBe(404);
    expect(again.status).toBe(404);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  test.each([
    ['empty', '', 400],
    ['256 characters', 'k'.repeat(256), 400],
    ['255 characters', 'k'.repeat(255), 201],
    ['a structured-field string', '"quoted-key"', 201],
    ['a quoted string without its closing quote', '"unterminated', 400],
  ])('a key that is %s is answered %i', async (_case, idempotencyKey, status) => {
    const { key } = await stack.newPartner('Key length');
    const res = await stack.request('POST', '/api/v2/companies', { key, body: companyBody(`HC Key ${status}`), headers: { 'idempotency-key': idempotencyKey } });
    expect(res.status).toBe(status);
    if (status === 400) expect(res.body.error).toMatchObject({ code: 'idempotency_key_invalid', details: [{ path: 'Idempotency-Key' }] });
  });

  test('requests other than POST ignore the header', async () => {
    const { key, companyId } = await stack.newPartner('Reads');
    const headers = { 'idempotency-key': 'read-key' };
    expect((await stack.request('GET', `/api/v2/companies/${companyId}`, { key, headers })).status).toBe(200);
    const patched = await stack.request('PATCH', `/api/v2/companies/${companyId}`, { key, body: { name: 'Renamed' }, headers });
    expect(patched.status).toBe(200);
    expect(patched.headers.get('idempotent-replayed')).toBeNull();
    expect(await stack.database.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, 'read-key'))).toHaveLength(0);
  });
});

/** The middleware alone, behind a stand-in for authentication, with routes that fail or wait on demand. */
describe('Idempotency-Key middleware, failures and timing', () => {
  let database: Database;
  let server: Server;
  let baseUrl: string;
  let runs = 0;
  let failNext = false;
  let gate: Promise<void> | undefined;

  // Stored responses are sealed: the test opens them with the same box.
  const box = secretBoxFor({ RECOUP_DATA_DIR: 'memory://' });

  function appWith(options: Omit<IdempotencyOptions, 'secrets'>) {
    const app = express();
    app.use(express.json());
    app.use((req, _res, next) => {
      req.principal = { role: 'partner', partnerId: 'prt_test', keyId: String(req.get('x-test-key') ?? 'key_test'), ipAllowList: [] };
      next();
    });
    app.use(idempotency(database.db, { secrets: box, ...options }));
    app.post('/things', async (req, res) => {
      runs += 1;
      if (gate) await gate;
      if (failNext) {
        failNext = false;
        throw new Error('the database fell over');
      }
      res.status(201).json({ run: runs, name: req.body?.name });
    });
    app.use(errorMiddleware(silentLogger));
    return app;
  }

  async function listen(options: Omit<IdempotencyOptions, 'secrets'>): Promise<void> {
    server = await new Promise((resolve) => {
      const s = appWith(options).listen(0, '127.0.0.1', () => resolve(s));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const post = async (body: unknown, idempotencyKey: string) => {
    const res = await fetch(`${baseUrl}/things`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any>, replayed: res.headers.get('idempotent-replayed') }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterEach(async () => {
    gate = undefined;
    failNext = false;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  afterAll(async () => {
    await database?.close();
  });

  test('a 5xx first attempt releases the key: the retry runs again and its answer is the one kept', async () => {
    await listen({});
    failNext = true;
    const failed = await post({ name: 'a' }, 'five-hundred');
    expect(failed.status).toBe(500);
    expect(await database.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, 'five-hundred'))).toHaveLength(0);
    const retried = await post({ name: 'a' }, 'five-hundred');
    expect(retried).toMatchObject({ status: 201, replayed: null });
    const replayed = await post({ name: 'a' }, 'five-hundred');
    expect(replayed).toMatchObject({ status: 201, replayed: 'true', body: retried.body });
  });

  test('while the first request runs, the same key is 409 idempotency_key_in_use; afterwards it is replayed', async () => {
    await listen({});
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const first = post({ name: 'slow' }, 'slow-key');
    await waitForRow('slow-key');
    const during = await post({ name: 'slow' }, 'slow-key');
    expect(during.status).toBe(409);
    expect(during.body.error.code).toBe('idempotency_key_in_use');
    open();
    const done = await first;
    expect(done.status).toBe(201);
    expect(await post({ name: 'slow' }, 'slow-key')).toMatchObject({ status: 201, replayed: 'true', body: done.body });
  });

  test('a running claim whose lease ran out (its process died) is taken over by the same request', async () => {
    await listen({ leaseMs: 200 });
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const abandoned = post({ name: 'orphan' }, 'lease-key');
    await waitForRow('lease-key');
    await new Promise((r) => setTimeout(r, 300));
    const takeover = post({ name: 'orphan' }, 'lease-key');
    open();
    const [late, fresh] = await Promise.all([abandoned, takeover]);
    expect([late.status, fresh.status]).toEqual([201, 201]);
    // The stale run cannot overwrite the record of the run that took over.
    const [row] = await database.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, 'lease-key'));
    expect(JSON.parse(box.open(row!.responseBody!))).toEqual(fresh.body);
  });

  test('an expired record is ignored: the key may be used again, even for another request', async () => {
    await listen({ retentionMs: 100 });
    expect((await post({ name: 'old' }, 'expiring-key')).status).toBe(201);
    await new Promise((r) => setTimeout(r, 200));
    const reused = await post({ name: 'new' }, 'expiring-key');
    expect(reused).toMatchObject({ status: 201, replayed: null, body: { name: 'new' } });
  });

  async function waitForRow(key: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const rows = await database.db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.key, key), eq(idempotencyKeys.state, 'running')));
      if (rows.length > 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no running claim for ${key}`);
  }
});
