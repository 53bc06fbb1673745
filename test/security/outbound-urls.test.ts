import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import { pullIntegrationActivities } from '../../activities/pull-integration';
import { parseConfig } from '../../config/config';
import { events, webhookEndpoints } from '../../db/schema';
import { refusedRange } from '../../outbound/address-policy';
import { addressRefusal, checkUrl, createOutboundGuard, type HostResolver } from '../../outbound/guard';
import { appendEvents } from '../../services/events';
import { newId } from '../../services/ids';
import { newWebhookSecret } from '../../services/webhook-signature';
import { caseBody, caseEventually, configure, createCase } from '../debt-collection/support';
import { eventually } from '../support/eventually';
import { silentLogger } from '../support/logger';
import { startStack, type Stack } from '../support/stack';

/**
 * Partner-configured URLs (webhook endpoints, `http` collectors, pull sources) reach public
 * addresses only: refused when registered, and refused again at every connection against the
 * address actually resolved. Every server here listens on loopback, and the only exception the
 * stack allows is 127.0.0.1: 127.0.0.2, ::1 and names that resolve to them stand for the private
 * networks a hostile partner would aim at. Nothing is ever sent past loopback.
 */

interface Seen {
  path: string;
}
interface LoopbackServer {
  port: number;
  received: Seen[];
  close(): Promise<void>;
}

/** A real HTTP server on a loopback address, answering each path as `answer` says. */
async function startServer(host: string, answer: (path: string) => { status: number; headers?: Record<string, string>; body?: string }): Promise<LoopbackServer> {
  const received: Seen[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push({ path: req.url ?? '/' });
      const a = answer(req.url ?? '/');
      res.writeHead(a.status, { 'content-type': 'text/plain; charset=utf-8', ...a.headers }).end(a.body ?? 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The stack's DNS: a table the tests change between registration and delivery (DNS rebinding). */
const dns: Record<string, string[]> = {};
const tableResolver: HostResolver = async (hostname) => {
  const addresses = dns[hostname];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

const COLLECTOR_SECRET = 'agency-shared-secret-0123456789';
/** A long answer of two-byte characters, so a cut in the middle of one would show. */
const LONG_ANSWER = `${'é'.repeat(3_000)} the end`;

let stack: Stack;
/** The allowed receiver: 127.0.0.1. */
let allowed: LoopbackServer;
/** Where a redirect points: another port on 127.0.0.1. */
let redirectTarget: LoopbackServer;
/** A server on 127.0.0.2, which no partner URL may reach. */
let offLimits: LoopbackServer;

beforeAll(async () => {
  [stack, redirectTarget, offLimits] = await Promise.all([
    startStack({ webhooks: true, resolveHost: tableResolver, config: { RECOUP_ALLOW_PRIVATE_URLS: '127.0.0.1' } }),
    startServer('127.0.0.1', () => ({ status: 200 })),
    startServer('127.0.0.2', () => ({ status: 200 })),
  ]);
  allowed = await startServer('127.0.0.1', (path) => {
    if (path.startsWith('/moved')) return { status: 302, headers: { location: `http://127.0.0.1:${redirectTarget.port}/target` }, body: 'moved' };
    if (path === '/failing-hooks') return { status: 500, body: LONG_ANSWER };
    if (path === '/failing-cases') return { status: 400, body: LONG_ANSWER };
    if (path === '/failing-feed') return { status: 404, body: LONG_ANSWER };
    return { status: 200, body: '{"reference":"AG-1"}' };
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([stack?.close(), allowed?.close(), redirectTarget?.close(), offLimits?.close()]);
});

async function emit(partnerId: string): Promise<string> {
  const dedupeKey = `test:outbound:${Math.random()}`;
  await appendEvents(stack.database.db, [{ type: 'invoice.paid', partnerId, data: { note: 'from the test' }, dedupeKey }]);
  const [row] = await stack.database.db.select().from(events).where(eq(events.dedupeKey, dedupeKey));
  return row!.id;
}

type Attempt = { attempt: number; status_code: number | null; succeeded: boolean; error: string | null };
async function firstAttempt(key: string, endpointId: string): Promise<Attempt> {
  return eventually(async () => {
    const res = await stack.request('GET', `/api/v2/webhook_endpoints/${endpointId}/attempts`, { key });
    expect(res.body.data.length).toBeGreaterThan(0);
    return res.body.data[0] as Attempt;
  }, 20_000);
}

/** A debt case handed to an http collector at `url`; answers the case once its hand-off is recorded or failed. */
async function handOffTo(url: string, register?: () => void) {
  const p = await stack.newPartner('Collector');
  await configure(stack, p.key, p.companyId, [{ name: 'agency', collector: 'http', review_required: false, conditions: {}, settings: { url, secret: COLLECTOR_SECRET } }]);
  register?.();
  const created = await createCase(stack, p.key, caseBody(p.companyId));
  await stack.request('POST', `/api/v2/debt_collection_cases/${created.id}/mark_prepared`, { key: p.key });
  return caseEventually(stack, p.key, created.id, (c) => expect(['sent', 'failed']).toContain(c.hand_off?.delivery));
}

/** Nothing arrives later either: a redirect or a stray connection would be there by now. */
const settle = () => new Promise((r) => setTimeout(r, 1_000));

describe('the address classifier (no traffic)', () => {
  test.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'unique-local'],
    ['fdab:cdef::1', 'unique-local'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['100.100.100.200', 'cloud metadata'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    // IPv4 carried in IPv6 is judged by the IPv4 address it leads to.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:2', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['::ffff:a9fe:a9fe', 'cloud metadata'],
    ['::ffff:100.64.0.1', 'carrier-grade NAT'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:c0a8:101::1', 'private'],
    ['::127.0.0.1', 'reserved'],
    ['not-an-ip', 'not an IP address'],
  ])('%s is refused as %s', (address, range) => {
    expect(refusedRange(address)).toBe(range);
  });

  test.each(['8.8.8.8', '1.1.1.1', '93.184.215.14', '100.63.255.255', '100.128.0.1', '172.32.0.1', '169.253.255.255', '::ffff:8.8.8.8', '2606:4700:4700::1111', '2a00:1450:4001::200e'])('%s is public', (address) => {
    expect(refusedRange(address)).toBeNull();
  });

  test('the allow-list lets exactly its hosts, addresses and CIDRs through, an IPv4-mapped form included', () => {
    const guard = createOutboundGuard({ allowPrivateUrls: '127.0.0.1, 10.20.0.0/16, collector.internal' });
    expect([addressRefusal(guard, '127.0.0.1'), addressRefusal(guard, '::ffff:127.0.0.1'), addressRefusal(guard, '10.20.3.4')]).toEqual([null, null, null]);
    expect([addressRefusal(guard, '127.0.0.2'), addressRefusal(guard, '10.21.0.1'), addressRefusal(guard, '::1')]).toEqual(['loopback', 'private', 'loopback']);
    expect(guard.allowList.allowsHost('Collector.Internal.')).toBe(true);
    expect(guard.allowList.allowsHost('other.internal')).toBe(false);
  });

  test('a bad RECOUP_ALLOW_PRIVATE_URLS entry stops the process with the variable named', () => {
    expect(() => parseConfig({ RECOUP_ALLOW_PRIVATE_URLS: '127.0.0.1, 10.0.0.0/99, not a host' })).toThrow(/RECOUP_ALLOW_PRIVATE_URLS: not a host name, IP address or CIDR: 10.0.0.0\/99, not a host/);
    expect(parseConfig({ RECOUP_ALLOW_PRIVATE_URLS: '127.0.0.1, ::1, 10.0.0.0/8, collector.internal' }).RECOUP_ALLOW_PRIVATE_URLS).toBeDefined();
  });

  test('localhost, as the system resolves it, is refused without an allow-list', async () => {
    expect(await checkUrl(createOutboundGuard(), 'http://localhost:9/hooks')).toEqual({ message: expect.stringMatching(/localhost resolves to a loopback address/) });
  });
});

describe('at registration', () => {
  beforeAll(() => {
    dns['loopback.partner.test'] = ['127.0.0.2'];
    dns['mixed.partner.test'] = ['127.0.0.1', '::1'];
  });

  test('an allowed loopback receiver (127.0.0.1) is registered and receives deliveries', async () => {
    const { key, partnerId } = await stack.newPartner('Allowed');
    const created = await stack.request('POST', '/api/v2/webhook_endpoints', { key, body: { url: `http://127.0.0.1:${allowed.port}/allowed` } });
    expect(created.status).toBe(201);
    await emit(partnerId);
    await eventually(async () => expect(allowed.received.filter((r) => r.path === '/allowed')).toHaveLength(1));
    expect(await firstAttempt(key, created.body.id)).toMatchObject({ status_code: 200, succeeded: true, error: null });
  }, 30_000);

  const refused = (port: () => number): Array<[string, () => string]> => [
    ['another loopback address (127.0.0.2)', () => `http://127.0.0.2:${port()}/hooks`],
    ['the IPv6 loopback ([::1])', () => `http://[::1]:${port()}/hooks`],
    ['127.0.0.2 written IPv4-mapped ([::ffff:127.0.0.2])', () => `http://[::ffff:127.0.0.2]:${port()}/hooks`],
    ['127.0.0.2 written as one number (2130706434)', () => `http://2130706434:${port()}/hooks`],
    ['a name that resolves to loopback', () => `http://loopback.partner.test:${port()}/hooks`],
    ['a name with an allowed and a refused address', () => `http://mixed.partner.test:${port()}/hooks`],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['the unspecified address', () => `http://0.0.0.0:${port()}/hooks`],
  ];

  test.each(refused(() => offLimits.port))('a webhook endpoint at %s is refused: 400 url_not_allowed on url', async (_name, url) => {
    const { key } = await stack.newPartner('Hostile');
    const res = await stack.request('POST', '/api/v2/webhook_endpoints', { key, body: { url: url() } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'url_not_allowed', details: [{ path: 'url', message: expect.stringMatching(/public address/) }] });
    expect((await stack.request('GET', '/api/v2/webhook_endpoints', { key })).body.data).toEqual([]);
  });

  test.each(refused(() => offLimits.port).slice(0, 5))('a pull source at %s is refused: 400 url_not_allowed on url', async (_name, url) => {
    const { key, companyId } = await stack.newPartner('Hostile');
    const res = await stack.request('PUT', `/api/v2/companies/${companyId}/pull_source`, { key, body: { url: url(), bearer_token: 'token-0123456789', auto_transmit: false } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'url_not_allowed', details: [{ path: 'url', message: expect.stringMatching(/public address/) }] });
    expect((await stack.request('GET', `/api/v2/companies/${companyId}/pull_source`, { key })).status).toBe(404);
  });

  test.each(refused(() => offLimits.port).slice(0, 5))('an http collector at %s is refused: 400 url_not_allowed on its settings.url', async (_name, url) => {
    const { key, companyId } = await stack.newPartner('Hostile');
    const configurations = [
      { name: 'in house', collector: 'in_house', review_required: false, conditions: { max_amount_cents: 100 } },
      { name: 'agency', collector: 'http', review_required: false, conditions: {}, settings: { url: url(), secret: COLLECTOR_SECRET } },
    ];
    const res = await stack.request('PUT', `/api/v2/companies/${companyId}/debt_collector_configurations`, { key, body: { configurations } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'url_not_allowed', details: [{ path: 'configurations.1.settings.url', message: expect.stringMatching(/public address/) }] });
    expect((await stack.request('GET', `/api/v2/companies/${companyId}/debt_collector_configurations`, { key })).body.version).toBe(0);
  });

  test('only http and https URLs are taken', async () => {
    const { key } = await stack.newPartner('Schemes');
    for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1:70/', 'ftp://127.0.0.1/x']) {
      const res = await stack.request('POST', '/api/v2/webhook_endpoints', { key, body: { url } });
      expect([url, res.status, res.body.error.details[0].path]).toEqual([url, 400, 'url']);
    }
  });
});

describe('at every connection', () => {
  test('a webhook host that resolved to the allowed address at registration but to a refused one at delivery (DNS rebinding) gets nothing; the attempt says refused and keeps no answer', async () => {
    dns['rebind.partner.test'] = ['127.0.0.1'];
    const { key, partnerId } = await stack.newPartner('Rebinding');
    const created = await stack.request('POST', '/api/v2/webhook_endpoints', { key, body: { url: `http://rebind.partner.test:${offLimits.port}/rebind` } });
    expect(created.status).toBe(201);
    dns['rebind.partner.test'] = ['127.0.0.2'];
    await emit(partnerId);
    expect(await firstAttempt(key, created.body.id)).toMatchObject({ status_code: null, succeeded: false, error: 'refused: address not allowed' });
    await settle();
    expect(offLimits.received.filter((r) => r.path === '/rebind')).toEqual([]);
  }, 30_000);

  test('an http collector whose name rebinds to a refused address after registration gets nothing; the hand-off fails as refused', async () => {
    dns['rebind-collector.partner.test'] = ['127.0.0.1'];
    const kase = await handOffTo(`http://rebind-collector.partner.test:${offLimits.port}/rebind-cases`, () => {
      dns['rebind-collector.partner.test'] = ['127.0.0.2'];
    });
    expect(kase.hand_off).toMatchObject({ delivery: 'failed', error: expect.stringMatching(/refused: address not allowed$/) });
    expect(offLimits.received.filter((r) => r.path === '/rebind-cases')).toEqual([]);
  }, 30_000);

  test('an endpoint stored before the rule (a literal refused address) is refused at delivery, before connecting', async () => {
    const { key, partnerId } = await stack.newPartner('Legacy');
    const id = newId('whe');
    await stack.database.db.insert(webhookEndpoints).values({ id, partnerId, url: `http://127.0.0.2:${offLimits.port}/legacy`, eventTypes: null, secret: newWebhookSecret() });
    await emit(partnerId);
    expect(await firstAttempt(key, id)).toMatchObject({ status_code: null, succeeded: false, error: 'refused: address not allowed' });
    await settle();
    expect(offLimits.received.filter((r) => r.path === '/legacy')).toEqual([]);
  }, 30_000);
});

describe('redirects are never followed', () => {
  test('a webhook receiver answering 302 to another loopback port: the attempt fails with the 302, and the target gets nothing', async () => {
    const { key, partnerId } = await stack.newPartner('Redirecting');
    const created = await stack.request('POST', '/api/v2/webhook_endpoints', { key, body: { url: `http://127.0.0.1:${allowed.port}/moved-hooks` } });
    expect(created.status).toBe(201);
    await emit(partnerId);
    expect(await firstAttempt(key, created.body.id)).toMatchObject({ status_code: 302, succeeded: false, error: expect.stringMatching(/^HTTP 302 \(redirects are not followed\)/) });
    await settle();
    expect(redirectTarget.received).toEqual([]);
  }, 30_000);

  test('an http collector answering 302: the hand-off fails with the 302, and the target gets nothing', async () => {
    const kase = await handOffTo(`http://127.0.0.1:${allowed.port}/moved-cases`);
    expect(kase.hand_off).toMatchObject({ delivery: 'failed', error: expect.stringMatching(/answered 302 \(redirects are not followed\)/) });
    await settle();
    expect(redirectTarget.received).toEqual([]);
  }, 30_000);
});

describe("a failing endpoint's answer is kept to its first 200 bytes", () => {
  const keptExcerpt = (error: string, after: string) => {
    const excerpt = error.slice(error.indexOf(after) + after.length);
    expect(Buffer.byteLength(excerpt)).toBeLessThanOrEqual(200);
    // Cut at a character, and the start of what was answered.
    expect(Buffer.byteLength(excerpt)).toBeGreaterThanOrEqual(190);
    expect(LONG_ANSWER.startsWith(excerpt)).toBe(true);
  };

  test('in the webhook attempt log', async () => {
    const { key, partnerId } = await stack.newPartner('Verbose');
    const created = await stack.request('POST', '/api/v2/webhook_endpoints', { key, body: { url: `http://127.0.0.1:${allowed.port}/failing-hooks` } });
    await emit(partnerId);
    const attempt = await firstAttempt(key, created.body.id);
    expect(attempt).toMatchObject({ status_code: 500, succeeded: false });
    keptExcerpt(attempt.error!, 'HTTP 500: ');
  }, 30_000);

  test("in the debt case's failed hand-off", async () => {
    const kase = await handOffTo(`http://127.0.0.1:${allowed.port}/failing-cases`);
    expect(kase.hand_off.delivery).toBe('failed');
    keptExcerpt(kase.hand_off.error, 'answered 400: ');
  }, 30_000);
});

describe('a pull source is fetched through the same guard', () => {
  /**
   * The pull run's page fetch, called as its workflow calls it. Its Schedule needs the dev server,
   * which this suite does not run: the source is saved first, so a 503 for the Schedule still
   * leaves it in place for the fetch.
   */
  async function fetchPage(url: string, register?: () => void): Promise<ApplicationFailure> {
    const { key, companyId } = await stack.newPartner('Pull');
    const put = await stack.request('PUT', `/api/v2/companies/${companyId}/pull_source`, { key, body: { url, bearer_token: 'feed-token-0123456789', auto_transmit: false } });
    expect([201, 503]).toContain(put.status);
    register?.();
    const outbound = createOutboundGuard({ allowPrivateUrls: '127.0.0.1', resolve: tableResolver });
    const activities = pullIntegrationActivities({ db: stack.database.db, temporal: stack.env.client, config: stack.config, logger: silentLogger, outbound, mailer: undefined as never, sms: undefined as never });
    const failure = await activities.fetchPullPage({ companyId, runKey: newId('run'), page: 0, cursor: null }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    return failure as ApplicationFailure;
  }

  test('a name that rebinds to a refused address after registration: refused, nothing sent, no retry', async () => {
    dns['rebind-feed.partner.test'] = ['127.0.0.1'];
    const failure = await fetchPage(`http://rebind-feed.partner.test:${offLimits.port}/rebind-feed`, () => {
      dns['rebind-feed.partner.test'] = ['127.0.0.2'];
    });
    expect(failure).toMatchObject({ message: `GET http://rebind-feed.partner.test:${offLimits.port}/rebind-feed refused: address not allowed`, nonRetryable: true });
    expect(offLimits.received.filter((r) => r.path.startsWith('/rebind-feed'))).toEqual([]);
  });

  test('a 302 is a failed run, and the target gets nothing', async () => {
    const failure = await fetchPage(`http://127.0.0.1:${allowed.port}/moved-feed`);
    expect(failure.message).toMatch(/answered 302 Found \(redirects are not followed\)/);
    await settle();
    expect(redirectTarget.received).toEqual([]);
  });

  test("a failing feed's answer is kept to its first 200 bytes", async () => {
    const failure = await fetchPage(`http://127.0.0.1:${allowed.port}/failing-feed`);
    const excerpt = failure.message.slice(failure.message.indexOf('answered 404 Not Found: ') + 'answered 404 Not Found: '.length);
    expect(Buffer.byteLength(excerpt)).toBeLessThanOrEqual(200);
    expect(Buffer.byteLength(excerpt)).toBeGreaterThanOrEqual(190);
    expect(LONG_ANSWER.startsWith(excerpt)).toBe(true);
  });
});
