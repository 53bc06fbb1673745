import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createApp } from '../../api/app';
import { createLogger } from '../../bootstrap/logger';
import { parseConfig, type Config } from '../../config/config';
import { createDb, type Database } from '../../db/client';
import { companies } from '../../db/schema';
import { createMailer } from '../../messaging/mailer';
import { createSmsSender } from '../../messaging/sms';
import { createApiMetrics, createWorkerMetrics, type WorkerMetrics } from '../../observability/metrics';
import { databaseCheck } from '../../observability/health';
import { clientInterceptors } from '../../observability/temporal-interceptors';
import { createApiKey, createPartner } from '../../services/api-keys';
import { newId } from '../../services/ids';
import { registerSearchAttributes } from '../../temporal/search-attributes';
import { createWorker } from '../../worker/create-worker';
import { startWorkerObservabilityServer, type ObservabilityServer } from '../../worker/observability-server';
import { createTestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { silentLogger } from '../support/logger';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { invoiceBody, workflowBundle } from '../support/stack';
import { daytimeTimezone } from '../support/daytime';
import { freePort } from '../support/http';

/**
 * Observability of the API and the worker, wired as api/main.ts and worker/main.ts wire them
 * (request ids through the Temporal interceptors, the metrics registries, the readiness checks),
 * over real HTTP against the time-skipping Temporal server, PGlite and a real SMTP server.
 */
const METRICS_TOKEN = 'metrics-token-0123456789';

let env: TestWorkflowEnvironment;
let database: Database;
let smtp: TestSmtpServer;
let worker: Worker;
let running: Promise<void>;
let server: Server;
let baseUrl: string;
let workerMetrics: WorkerMetrics;
let workerHttp: ObservabilityServer;
let client: Client;
let config: Config;
let key: string;
let companyId: string;
/** The invoice the request-id test transmits (and the metrics tests pay). */
let tracedInvoiceId: string;
/** Every JSON line the API's and the worker's loggers wrote. */
const logLines: Array<Record<string, unknown>> = [];

const logSink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString().split('\n')) if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

async function listen(app: ReturnType<typeof createApp>): Promise<{ server: Server; url: string }> {
  const s: Server = await new Promise((resolve) => {
    const l = app.listen(0, '127.0.0.1', () => resolve(l));
  });
  return { server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

async function api(method: string, path: string, o: { body?: unknown; headers?: Record<string, string>; url?: string } = {}) {
  const res = await fetch(`${o.url ?? baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(o.body ? { 'content-type': 'application/json' } : {}), ...o.headers },
    body: o.body ? JSON.stringify(o.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text.startsWith('{') ? (JSON.parse(text) as any) : undefined }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } } });
  await registerSearchAttributes(env.connection, 'default');
  database = await createTestDatabase();
  smtp = await startSmtpServer();
  const logger = createLogger('info', 'recoup-test', logSink);
  const taskQueue = `test-${newId('tq')}`;
  config = {
    ...parseConfig({}),
    RECOUP_DATA_DIR: 'memory://',
    TEMPORAL_TASK_QUEUE: taskQueue,
    SMTP_URL: smtp.url,
    RECOUP_RATE_LIMIT_PER_MINUTE: 0,
    publicBaseUrl: 'http://portal.test',
    portalSecret: 'test-portal-secret-0123456789',
  };
  // The client api/main.ts and the worker's activities use: with the request id interceptor.
  client = new Client({ connection: env.connection, namespace: 'default', interceptors: clientInterceptors });
  const app = createApp({ db: database.db, temporal: client, config, logger, observability: { metrics: createApiMetrics() } });
  ({ server, url: baseUrl } = await listen(app));

  workerMetrics = createWorkerMetrics();
  worker = await createWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    deps: {
      db: database.db,
      mailer: createMailer({ smtpUrl: smtp.url, from: config.MAIL_FROM, logger: silentLogger }),
      sms: createSmsSender({ logger: silentLogger }),
      temporal: client,
      config,
      logger,
      metrics: workerMetrics.recoup,
    },
  });
  running = worker.run();
  workerHttp = await startWorkerObservabilityServer({
    port: 0,
    host: '127.0.0.1',
    registry: workerMetrics.registry,
    checks: [databaseCheck(database.db)],
    logger: silentLogger,
  });

  const partner = await createPartner(database.db, { name: 'Observed' });
  key = (await createApiKey(database.db, { partnerId: partner.id, role: 'partner' })).secret;
  companyId = newId('cmp');
  await database.db
    .insert(companies)
    .values({ id: companyId, partnerId: partner.id, name: 'Observed Club', country: 'NL', currency: 'EUR', locale: 'nl', timezone: 'Europe/Amsterdam', status: 'verified' });
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await workerHttp?.close();
  worker?.shutdown();
  await running;
  await env?.teardown();
  await smtp?.close();
  await database?.close();
});

describe('request ids', () => {
  test('a caller’s X-Request-Id is echoed back; a missing or unsafe one is replaced by a new id', async () => {
    expect((await api('GET', '/api/v2/invoices', { headers: { 'x-request-id': 'proxy-4f2a.17' } })).headers.get('x-request-id')).toBe('proxy-4f2a.17');
    const fresh = (await api('GET', '/api/v2/invoices')).headers.get('x-request-id');
    expect(fresh).toMatch(/^req_[0-9a-z]+/);
    for (const unsafe of ['a b', 'x'.repeat(200), 'id\u00e9', '<script>']) {
      const answered = (await api('GET', '/api/v2/invoices', { headers: { 'x-request-id': unsafe } })).headers.get('x-request-id');
      expect(answered).toMatch(/^req_/);
    }
    // An error answer carries it too (its body keeps the contract's shape).
    const missing = await api('GET', '/api/v2/invoices/inv_missing', { headers: { 'x-request-id': 'lost-1' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toBe('lost-1');
    expect(Object.keys(missing.body)).toEqual(['error']);
  });

  test('the request that transmits an import is named in the log line of the email its invoice workflow sends', async () => {
    const now = await env.currentTimeMs();
    const created = await api('POST', '/api/v2/imports', { body: { company_id: companyId, title: 'Traced' } });
    expect(created.status).toBe(201);
    const importId = created.body.id as string;
    const invoice = await api('POST', '/api/v2/invoices', {
      body: invoiceBody(importId, {
        due_date: new Date(now + 20 * 86_400_000).toISOString().slice(0, 10),
        issue_date: new Date(now).toISOString().slice(0, 10),
        debtor: { first_name: 'Anna', last_name: 'de Vries', email: 'traced@example.nl', locale: 'nl', timezone: daytimeTimezone(now) },
      }),
    });
    expect(invoice.status).toBe(201);
    tracedInvoiceId = invoice.body.id as string;
    const transmitted = await api('POST', `/api/v2/imports/${importId}/transmit`, { headers: { 'x-request-id': 'transmit-req-42' } });
    expect(transmitted.status).toBe(202);
    expect(transmitted.headers.get('x-request-id')).toBe('transmit-req-42');

    // Import workflow → activity starting the invoice workflow → invoice workflow → email activity.
    const line = await eventually(async () => {
      const sent = logLines.find((l) => l.msg === 'message sent' && l.invoice_id === invoice.body.id);
      expect(sent).toBeDefined();
      return sent!;
    }, 30_000);
    expect(line).toMatchObject({ request_id: 'transmit-req-42', channel: 'email' });
    expect(smtp.messages.some((m) => (m.to as { text?: string } | undefined)?.text?.includes('traced@example.nl'))).toBe(true);
    // The API's own request log line names it as well.
    expect(logLines.some((l) => (l.req as { id?: string } | undefined)?.id === 'transmit-req-42')).toBe(true);
  });
});

describe('metrics', () => {
  test('the API counts requests by route pattern (never the raw path), status and status class, with a latency histogram', async () => {
    await api('GET', '/api/v2/invoices/inv_doesnotexist1');
    await api('GET', '/api/v2/invoices/inv_doesnotexist2');
    await api('GET', '/no/such/route/123');
    const metrics = await api('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = metrics.text;
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/api\/v2\/invoices\/:id",status="404"\} 3$/m); // two here, one earlier
    expect(text).toMatch(/^http_requests_total\{method="POST",route="\/api\/v2\/imports\/:id\/transmit",status="202"\} 1$/m);
    expect(text).toMatch(/^http_requests_total\{method="GET",route="<unmatched>",status="404"\} 1$/m);
    expect(text).toMatch(/^http_request_errors_total\{method="GET",route="\/api\/v2\/invoices\/:id",status_class="4xx"\} 3$/m);
    expect(text).toMatch(/^http_request_duration_seconds_bucket\{le="\+Inf",method="POST",route="\/api\/v2\/invoices",status="201"\} 1$/m);
    expect(text).toMatch(/^http_request_duration_seconds_count\{method="POST",route="\/api\/v2\/invoices",status="201"\} 1$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).not.toMatch(/inv_doesnotexist/);
  });

  test('with RECOUP_METRICS_TOKEN, /metrics answers only with that bearer token', async () => {
    const app = createApp({ db: database.db, temporal: client, config, logger: silentLogger, observability: { metricsToken: METRICS_TOKEN } });
    const { server: guarded, url } = await listen(app);
    try {
      expect((await api('GET', '/metrics', { url, headers: { authorization: '' } })).status).toBe(401);
      expect((await api('GET', '/metrics', { url, headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      const ok = await api('GET', '/metrics', { url, headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('http_requests_total');
    } finally {
      await new Promise<void>((resolve) => guarded.close(() => resolve()));
    }
  });

  test('the worker’s /metrics counts the email sent above by channel, and a payment by source once, however often it is sent', async () => {
    const before = await (await fetch(`http://127.0.0.1:${workerHttp.port}/metrics`)).text();
    expect(before).toMatch(/^recoup_messages_sent_total\{channel="email"\} 1$/m);
    expect(before).toMatch(/^# TYPE recoup_debt_cases_total counter$/m);
    expect(before).not.toMatch(/^recoup_payments_total\{/m);

    for (let i = 0; i < 2; i++) {
      const paid = await api('POST', `/api/v2/invoices/${tracedInvoiceId}/payments`, { body: { amount_cents: 5_000, external_id: 'bank-observed-1' } });
      // Sent again with the same external id: the same payment, not a second one.
      if (i === 0) expect(paid.status).toBe(201);
      else expect(paid.status).toBeLessThan(500);
    }
    const res = await fetch(`http://127.0.0.1:${workerHttp.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toMatch(/^recoup_payments_total\{source="partner"\} 1$/m);
  });
});

describe('health', () => {
  test('/healthz is alive and /readyz checks the database and Temporal', async () => {
    expect((await api('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await api('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { database: 'ok', temporal: 'ok' } });
    expect((await fetch(`http://127.0.0.1:${workerHttp.port}/readyz`)).status).toBe(200);
  });

  test('with the database unreachable, /readyz is 503 naming the database, and /healthz stays 200', async () => {
    const closedPort = await freePort();
    const unreachable = createDb({ databaseUrl: `postgres://recoup:recoup@127.0.0.1:${closedPort}/recoup`, dataDir: 'unused' });
    const app = createApp({ db: unreachable.db, temporal: client, config, logger: silentLogger });
    const { server: down, url } = await listen(app);
    try {
      const ready = await api('GET', '/readyz', { url });
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'unavailable', checks: { database: 'failing', temporal: 'ok' } });
      expect((await api('GET', '/healthz', { url })).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => down.close(() => resolve()));
      await unreachable.close();
    }
  });

  test('a shutting-down API is not ready, whatever its dependencies say', async () => {
    const app = createApp({ db: database.db, temporal: client, config, logger: silentLogger, observability: { isDraining: () => true } });
    const { server: draining, url } = await listen(app);
    try {
      const ready = await api('GET', '/readyz', { url });
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'unavailable', checks: { database: 'ok', temporal: 'ok', shutdown: 'draining' } });
    } finally {
      await new Promise<void>((resolve) => draining.close(() => resolve()));
    }
  });
});

