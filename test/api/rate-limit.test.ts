import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { hashSecret } from '../../services/api-keys';
import { createApp } from '../../api/app';
import { apiKeys, rateLimitWindows } from '../../db/schema';
import { silentLogger } from '../support/logger';
import { startStack, type Stack } from '../support/stack';

/** Rate limiting per API key over real HTTP, counted in the real database. */
const LIMIT = 3;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ config: { RECOUP_RATE_LIMIT_PER_MINUTE: LIMIT } });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/** A fixed window: start a burst well inside a minute, so it is counted in one window (the database runs on this machine's clock). */
async function startOfAFreshWindow(): Promise<void> {
  const seconds = new Date().getUTCSeconds() + new Date().getUTCMilliseconds() / 1000;
  if (seconds > 50) await new Promise((r) => setTimeout(r, (61 - seconds) * 1000));
}

test('a key beyond its limit in a minute is answered 429 rate_limited with Retry-After, while other keys go on', async () => {
  const { key } = await stack.newPartner('Busy');
  const other = await stack.newPartner('Quiet');
  await startOfAFreshWindow();

  const remaining: Array<string | null> = [];
  for (let i = 0; i < LIMIT; i++) {
    const res = await stack.request('GET', '/api/v2/companies', { key });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-limit')).toBe(String(LIMIT));
    remaining.push(res.headers.get('ratelimit-remaining'));
  }
  expect(remaining).toEqual(['2', '1', '0']);

  const limited = await stack.request('POST', '/api/v2/companies', { key, body: { name: 'Too many', country: 'NL' } });
  expect(limited.status).toBe(429);
  expect(limited.body).toEqual({ error: { code: 'rate_limited', message: expect.any(String), details: [] } });
  const retryAfter = Number(limited.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(limited.headers.get('ratelimit-remaining')).toBe('0');

  expect((await stack.request('GET', '/api/v2/companies', { key: other.key })).status).toBe(200);
});

test('the count is shared by every API process on the same database, and a new window starts afresh', async () => {
  const { key } = await stack.newPartner('Scaled out');
  // A second, independent API process over the same database.
  const second = createApp({ db: stack.database.db, temporal: stack.env.client, config: stack.config, logger: silentLogger });
  const server: Server = await new Promise((resolve) => {
    const s = second.listen(0, '127.0.0.1', () => resolve(s));
  });
  const secondUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await startOfAFreshWindow();
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      const base = i % 2 === 0 ? stack.baseUrl : secondUrl;
      statuses.push((await fetch(`${base}/api/v2/companies`, { headers: { authorization: `Bearer ${key}` } })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);

    // Move this minute's windows into the past: the next minute has not counted anything yet.
    await stack.database.db.update(rateLimitWindows).set({ windowStart: sql`${rateLimitWindows.windowStart} - interval '1 minute'` });
    const next = await fetch(`${secondUrl}/api/v2/companies`, { headers: { authorization: `Bearer ${key}` } });
    expect(next.status).toBe(200);
    expect(next.headers.get('ratelimit-remaining')).toBe(String(LIMIT - 1));
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('below half its limit a key costs no database write per request: its count is added once a second', async () => {
  const { key } = await stack.newPartner('Counted later');
  const [row] = await stack.database.db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.secretHash, hashSecret(key)));
  const keyId = row!.id;
  const roomy = createApp({ db: stack.database.db, temporal: stack.env.client, config: { ...stack.config, RECOUP_RATE_LIMIT_PER_MINUTE: 100 }, logger: silentLogger });
  const server: Server = await new Promise((resolve) => {
    const s = roomy.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const counted = async () => {
    const rows = await stack.database.db.select().from(rateLimitWindows).where(sql`${rateLimitWindows.bucket} = ${keyId}`);
    return rows.reduce((n, r) => n + r.hits, 0);
  };
  const get = async () => {
    const res = await fetch(`${url}/api/v2/companies`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    return res.headers.get('ratelimit-remaining')!;
  };
  try {
    await startOfAFreshWindow();
    // The first request starts the second after which its count is added: right after its answer
    // the database holds nothing yet. (Checked after one request, not ten: ten requests on a busy
    // machine may take longer than that second, and then the count is rightly written already.)
    expect(await get()).toBe('99');
    expect(await counted()).toBe(0);
    const remaining: string[] = [];
    for (let i = 0; i < 9; i++) remaining.push(await get());
    // Counted exactly by this process, whether or not a flush came in between.
    expect(remaining.at(-1)).toBe('90');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await counted()).toBe(10);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
