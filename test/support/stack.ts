import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createApp } from '../../api/app';
import { listenHttp } from '../../api/http-server';
import { parseConfig, type Config } from '../../config/config';
import type { Database } from '../../db/client';
import { companies } from '../../db/schema';
import { createMailer, type Mailer } from '../../messaging/mailer';
import { createSmsSender, type SmsSender } from '../../messaging/sms';
import { createApiKey, createPartner } from '../../services/api-keys';
import { newId } from '../../services/ids';
import { registerSearchAttributes } from '../../temporal/search-attributes';
import { workflowBundleOptions } from '../../worker/create-worker';
import type { DataConverter } from '@temporalio/common';
import type { Logger } from 'pino';
import { ensureWebhookRelayRunning } from '../../workflows/webhook-relay.client';
import { dataConverterFor } from '../../temporal/data-converter';
import { createTestDatabase } from './database';
import { documentStoreFor } from '../../storage/document-store';
import { silentLogger } from './logger';
import { startDevServerEnv } from './dev-server';
import { skipToDaytime } from './daytime';
import { requestApi, type ApiRequestOptions, type HttpResponse } from './http';
import { startSmtpServer, type SmtpServerOptions, type TestSmtpServer } from './smtp';
import { createOutboundGuard, type HostResolver } from '../../outbound/guard';
import { loopbackResolver } from './resolver';

export const OPS_KEY = 'test-bootstrap-ops-key-0123456789';

let cachedBundle: Promise<WorkflowBundleOption> | undefined;
let cachedEncryptingBundle: Promise<WorkflowBundleOption> | undefined;
/**
 * The workflow bundle made once per run by the global setup (or bundled here when run alone); for
 * workers whose data converter encrypts (`dataConverterFor` with keys), one that carries its
 * failure converter, made once per test file.
 */
export function workflowBundle(dataConverter?: DataConverter): Promise<WorkflowBundleOption> {
  if (dataConverter?.failureConverterPath) {
    cachedEncryptingBundle ??= bundleWorkflowCode(workflowBundleOptions(dataConverter));
    return cachedEncryptingBundle;
  }
  const codePath = process.env.RECOUP_TEST_WORKFLOW_BUNDLE;
  cachedBundle ??= codePath ? Promise.resolve({ codePath }) : bundleWorkflowCode(workflowBundleOptions());
  return cachedBundle;
}

export interface StackOptions {
  /** `time-skipping` (default) for timers in seconds; `dev-server` for the real `temporal server start-dev`. */
  temporal?: 'time-skipping' | 'dev-server';
  /** Replaces the SMTP mailer (default: a real in-process SMTP server). */
  mailer?: Mailer;
  sms?: SmsSender;
  config?: Partial<Config>;
  /** Starts the webhook outbox relay, as `npm start` and the worker do. */
  webhooks?: boolean;
  /** How the in-process SMTP server answers (e.g. refusing a recipient). */
  smtp?: SmtpServerOptions;
  /** How the API and the worker resolve the host names of partner URLs; default: `localhost` only (no name server asked). */
  resolveHost?: HostResolver;
  /** Where the API, the activities and the mailers log (default: nowhere). */
  logger?: Logger;
}

export type { HttpResponse } from './http';

export interface Stack {
  baseUrl: string;
  database: Database;
  env: TestWorkflowEnvironment;
  smtp: TestSmtpServer;
  taskQueue: string;
  config: Config;
  /** Calls the API; `key` goes in as a bearer token, `body` as JSON. */
  request(method: string, path: string, options?: ApiRequestOptions): Promise<HttpResponse>;
  /** A partner with a partner key and a verified company. */
  newPartner(name?: string): Promise<{ partnerId: string; key: string; companyId: string }>;
  close(): Promise<void>;
}

/** The whole product on loopback: real Temporal server, real database, real SMTP, real HTTP on port 0. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  // Payload encryption when the suite sets RECOUP_PAYLOAD_KEYS: the API's client and the worker share it.
  const dataConverter = dataConverterFor(options.config ?? {});
  const client = dataConverter ? { client: { dataConverter } } : {};
  const env =
    options.temporal === 'dev-server'
      ? await startDevServerEnv({ dataConverter })
      : await TestWorkflowEnvironment.createTimeSkipping({ ...client, server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } } });
  if (options.temporal !== 'dev-server') await registerSearchAttributes(env.connection, 'default');
  // Notices go out at once only in the debtor's daytime: move the time-skipping server's clock there.
  if (options.temporal !== 'dev-server') await skipToDaytime(env);
  const database = await createTestDatabase();
  const smtp = await startSmtpServer(options.smtp);
  const taskQueue = `test-${newId('tq')}`;
  const config: Config = {
    ...parseConfig({}),
    PORT: 0,
    RECOUP_DATA_DIR: 'memory://',
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    TEMPORAL_UI_PORT: 8233,
    MAIL_FROM: 'Recoup <noreply@recoup.test>',
    RECOUP_BOOTSTRAP_OPS_KEY: OPS_KEY,
    LOG_LEVEL: 'silent',
    // Off unless a suite tests it: bulk suites would otherwise trip the default 600 a minute.
    RECOUP_RATE_LIMIT_PER_MINUTE: 0,
    // Webhook receivers, collectors and partner endpoints of the tests listen on 127.0.0.1.
    RECOUP_ALLOW_PRIVATE_URLS: '127.0.0.1',
    SMTP_URL: smtp.url,
    publicBaseUrl: 'http://127.0.0.1:0',
    portalSecret: 'test-portal-secret-0123456789',
    ...options.config,
  };
  const logger = options.logger ?? silentLogger;
  const mailer = options.mailer ?? createMailer({ smtpUrl: smtp.url, from: config.MAIL_FROM, logger });
  const sms = options.sms ?? createSmsSender({ logger });
  // One store for the API and the worker (with `memory://` each would otherwise have its own).
  const documents = documentStoreFor(config.RECOUP_DATA_DIR);
  const outbound = createOutboundGuard({ allowPrivateUrls: config.RECOUP_ALLOW_PRIVATE_URLS, resolve: options.resolveHost ?? loopbackResolver() });
  const app = createApp({ db: database.db, temporal: env.client, config, logger, documents, outbound });
  const server: Server = await listenHttp(app, 0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config.publicBaseUrl = baseUrl;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(dataConverter),
    activities: createActivities({ db: database.db, mailer, sms, temporal: env.client, config, logger, documents, outbound }),
    ...(dataConverter ? { dataConverter } : {}),
  });
  const running = worker.run();
  if (options.webhooks) await ensureWebhookRelayRunning(env.client, taskQueue);

  const request: Stack['request'] = (method, path, o) => requestApi(baseUrl, method, path, o);

  return {
    baseUrl,
    database,
    env,
    smtp,
    taskQueue,
    config,
    request,
    async newPartner(name = 'Partner') {
      const partner = await createPartner(database.db, { name });
      const key = await createApiKey(database.db, { partnerId: partner.id, role: 'partner' });
      const [company] = await database.db
        .insert(companies)
        .values({ id: newId('cmp'), partnerId: partner.id, name: `${name} Club`, country: 'NL', currency: 'EUR', locale: 'nl', timezone: 'Europe/Amsterdam', status: 'verified' })
        .returning();
      return { partnerId: partner.id, key: key.secret, companyId: company!.id };
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      worker.shutdown();
      await running;
      await env.teardown();
      await smtp.close();
      await database.close();
    },
  };
}

/** A valid invoice body for POST /invoices. */
export function invoiceBody(importId: string, overrides: Record<string, unknown> = {}) {
  return {
    import_id: importId,
    invoice_number: `INV-${Math.random().toString(36).slice(2, 8)}`,
    issue_date: '2026-11-01',
    due_date: '2026-12-15',
    debtor: { first_name: 'Anna', last_name: 'de Vries', email: 'anna@example.nl', locale: 'nl', timezone: 'Europe/Amsterdam' },
    invoice_lines: [{ description: 'Membership 2027', amount_cents: 12_000, quantity: 1, vat_rate: 0 }],
    ...overrides,
  };
}
