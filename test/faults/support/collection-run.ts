import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { inArray } from 'drizzle-orm';
import { createApp } from '../../../api/app';
import { parseConfig, type Config } from '../../../config/config';
import { createDb, type Database } from '../../../db/client';
import { invoices, messages } from '../../../db/schema';
import { dunningPolicySchema } from '../../../domain/dunning-policy';
import { messageIdForSendKey } from '../../../messaging/mailer';
import { daytimeTimezone } from '../../support/daytime';
import { requestApi, type ApiRequestOptions, type HttpResponse } from '../../support/http';
import { createApiKey } from '../../../services/api-keys';
import { createTemporalClient } from '../../../temporal/connection';
import { invoiceWorkflowId, type InvoiceWorkflowInput } from '../../../workflows/invoice.messages';
import pino from 'pino';
import { dateFrom, seedCompany, seedInvoice } from '../../support/seed';
import { startSmtpServer, type SmtpServerOptions, type TestSmtpServer } from '../../support/smtp';
import { startPostgresCluster, type PostgresCluster } from './postgres';
import { startTemporalServer, startWorkerProcess, type ChildHandle, type TemporalServer } from './processes';

export { seededRandom } from '../../support/random';

/** FAULT_SEED, or a fresh one; printed by each scenario so a failure can be replayed. */
export function faultSeed(): number {
  return process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : Math.floor(Math.random() * 2 ** 31);
}

/**
 * The whole product as separate parts on loopback: a private PostgreSQL cluster, the Temporal dev
 * server on a SQLite file (both can be killed and started again), the worker in a child process, the
 * API in this process, a real SMTP server.
 */
export interface FaultStack {
  postgres: PostgresCluster;
  database: Database;
  temporal: TemporalServer;
  client: Client;
  smtp: TestSmtpServer;
  baseUrl: string;
  taskQueue: string;
  config: Config;
  worker: ChildHandle | undefined;
  /** The distinct messages of the errors the API logged (unhandled errors are its 500s). */
  apiErrors(): string[];
  startWorker(): Promise<ChildHandle>;
  request(method: string, path: string, options?: ApiRequestOptions): Promise<HttpResponse>;
  close(): Promise<void>;
}

/**
 * The scenario's stack, started before its test and closed after it (one stack per file).
 * Call the returned function inside the test.
 */
export function useFaultStack(options: { smtp?: SmtpServerOptions } = {}): () => FaultStack {
  let stack: FaultStack | undefined;
  beforeAll(async () => {
    stack = await startFaultStack(options);
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });
  return () => {
    if (!stack) throw new Error('the fault stack did not start');
    return stack;
  };
}

export async function startFaultStack(options: { smtp?: SmtpServerOptions } = {}): Promise<FaultStack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'recoup-faults-'));
  const postgres = await startPostgresCluster();
  const database = createDb({ databaseUrl: postgres.url, dataDir: dir, poolSize: 20 });
  await database.migrate();
  const temporal = await startTemporalServer(path.join(dir, 'temporal.sqlite'));
  const { client, connection }: { client: Client; connection: Connection } = await createTemporalClient({ address: temporal.address, namespace: 'default' });
  const smtp = await startSmtpServer(options.smtp);
  const taskQueue = `faults-${Date.now()}`;
  const config: Config = {
    ...parseConfig({}),
    PORT: 0,
    DATABASE_URL: postgres.url,
    RECOUP_DATA_DIR: dir,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    RECOUP_RATE_LIMIT_PER_MINUTE: 0,
    // The partner's webhook receiver listens on 127.0.0.1.
    RECOUP_ALLOW_PRIVATE_URLS: '127.0.0.1',
    LOG_LEVEL: 'silent',
    SMTP_URL: smtp.url,
    portalSecret: 'test-portal-secret-0123456789',
    publicBaseUrl: 'http://portal.test',
    // The API (here) and the worker (a child process) seal and open stored secrets alike.
    RECOUP_SECRET_KEYS: `faults:${randomBytes(32).toString('base64')}`,
  };
  // The API's warnings and errors go to a file: a scenario shows what a 5xx was about.
  const apiLog = path.join(dir, 'api.log');
  const app = createApp({ db: database.db, temporal: client, config, logger: pino({ level: 'warn' }, pino.destination({ dest: apiLog, sync: true })) });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const workers: ChildHandle[] = [];

  const stack: FaultStack = {
    postgres,
    database,
    temporal,
    client,
    smtp,
    baseUrl,
    taskQueue,
    config,
    worker: undefined,
    apiErrors() {
      if (!existsSync(apiLog)) return [];
      const lines = readFileSync(apiLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string; err?: { type?: string; message?: string } });
      return [...new Set(lines.map((l) => `${l.level >= 50 ? 'error' : 'warn'} ${l.msg}: ${l.err?.type ?? ''} ${(l.err?.message ?? '').slice(0, 200)}`))];
    },
    async startWorker() {
      const worker = await startWorkerProcess({
        temporalAddress: temporal.address,
        taskQueue,
        databaseUrl: postgres.url,
        smtpUrl: smtp.url,
        publicBaseUrl: config.publicBaseUrl,
        portalSecret: config.portalSecret,
        secretKeys: config.RECOUP_SECRET_KEYS!,
      });
      workers.push(worker);
      stack.worker = worker;
      return worker;
    },
    request: (method, p, o) => requestApi(baseUrl, method, p, o),
    async close() {
      for (const w of workers) await w.kill('SIGKILL');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close().catch(() => undefined);
      await temporal.kill('SIGKILL');
      await smtp.close();
      await database.close().catch(() => undefined);
      await postgres.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

/**
 * The collection run every worker and server scenario drives: invoices due in ten days under a
 * policy whose first step is a month after that, so each invoice sends its invoice notice at once
 * and nothing else within the run (the dev server does not skip time; steps never run in a burst).
 * Every `payEvery`-th invoice (none for 0) is paid through the API meanwhile.
 */
export interface CollectionRun {
  inputs: InvoiceWorkflowInput[];
  paid: Set<string>;
  key: string;
}

const noticeOnlyPolicy = dunningPolicySchema.parse({
  steps: [{ offset_days: 30, action: 'reminder', channels: ['email'] }],
});
/** The send keys' purposes of an unpaid invoice within the run: its invoice notice. */
const purposes = ['transmit'];
/** An unpaid invoice's status once its notice went out: transmitted, not yet due. */
const UNPAID_STATUS = 'open';

export async function seedCollectionRun(stack: FaultStack, count: number, payEvery: number): Promise<CollectionRun> {
  const seed = await seedCompany(stack.database.db);
  const key = await createApiKey(stack.database.db, { partnerId: seed.partner.id, role: 'partner' });
  const timezone = daytimeTimezone();
  const inputs: InvoiceWorkflowInput[] = [];
  for (let i = 0; i < count; i++) {
    inputs.push(await seedInvoice(stack.database.db, seed, { dueDate: dateFrom(Date.now(), 10), policy: noticeOnlyPolicy, debtor: { email: `debtor-${i}@example.nl`, timezone } }));
  }
  const paid = new Set(payEvery > 0 ? inputs.filter((_, i) => i % payEvery === 0).map((input) => input.invoiceId) : []);
  return { inputs, paid, key: key.secret };
}

export async function startCollectionRun(stack: FaultStack, run: CollectionRun): Promise<void> {
  for (let i = 0; i < run.inputs.length; i += 20) {
    await Promise.all(
      run.inputs.slice(i, i + 20).map((input) =>
        stack.client.workflow.start('invoiceWorkflow', { workflowId: invoiceWorkflowId(input.invoiceId), taskQueue: stack.taskQueue, args: [input] }),
      ),
    );
  }
}

/**
 * Pays the chosen invoices through the API as soon as each is transmitted, retrying what a fault
 * interrupts (same external id: a payment counts once). Answers the statuses the API gave.
 */
export async function payDuringRun(stack: FaultStack, run: CollectionRun, timeoutMs: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const deadline = Date.now() + timeoutMs;
  await Promise.all(
    [...run.paid].map(async (id, i) => {
      await new Promise((r) => setTimeout(r, (i % 10) * 500));
      const statusOf = async () => (await stack.database.db.select({ status: invoices.status }).from(invoices).where(inArray(invoices.id, [id])))[0]?.status;
      for (;;) {
        if (Date.now() > deadline) throw new Error(`could not pay ${id} in time`);
        // Not before its notice is settled: a payment to a draft is a 409, which says nothing about faults.
        if ((await statusOf().catch(() => 'draft')) === 'draft') {
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        const res = await stack
          .request('POST', `/api/v2/invoices/${id}/payments`, { key: run.key, body: { amount_cents: 10_000, external_id: `bank-${id}` } })
          .catch(() => ({ status: 0 }));
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 201) return;
        // 409: not transmitted yet (try again soon), or already paid by an earlier attempt that lost its answer.
        if ((await statusOf().catch(() => undefined)) === 'paid') return;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }),
  );
  return statuses;
}

/** Waits until every invoice has reached its end state: paid, or open with its notice settled. */
export async function waitForRunToSettle(stack: FaultStack, run: CollectionRun, timeoutMs: number): Promise<void> {
  const ids = run.inputs.map((i) => i.invoiceId);
  const deadline = Date.now() + timeoutMs;
  let nextProgress = Date.now() + 15_000;
  for (;;) {
    const pending = await unsettled(stack, run, ids);
    if (pending.length === 0) return;
    if (Date.now() >= nextProgress) {
      process.stdout.write(`  … ${pending.length} invoices not settled yet, ${stack.smtp.messages.length} emails delivered\n`);
      nextProgress = Date.now() + 15_000;
    }
    if (Date.now() > deadline) throw new Error(`${pending.length} invoices did not settle in time, e.g. ${pending.slice(0, 5).join('; ')}\nworker output:\n${stack.worker?.output() ?? ''}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function unsettled(stack: FaultStack, run: CollectionRun, ids: string[]): Promise<string[]> {
  const rows = await stack.database.db.select({ id: invoices.id, status: invoices.status }).from(invoices).where(inArray(invoices.id, ids));
  const sent = await stack.database.db.select({ invoiceId: messages.invoiceId, status: messages.status }).from(messages).where(inArray(messages.invoiceId, ids));
  const settledCount = new Map<string, number>();
  for (const m of sent) if (m.status !== 'sending') settledCount.set(m.invoiceId, (settledCount.get(m.invoiceId) ?? 0) + 1);
  return rows
    .filter((r) => (run.paid.has(r.id) ? r.status !== 'paid' : r.status !== UNPAID_STATUS || (settledCount.get(r.id) ?? 0) < purposes.length))
    .map((r) => `${r.id} ${r.status} ${settledCount.get(r.id) ?? 0}/${purposes.length} messages settled`);
}

/**
 * The guarantees after a run, whatever faults it went through: every invoice in its expected status;
 * an unpaid invoice has a message row for its notice, settled; no notice is lost (none `failed`, none
 * left `sending` on an unpaid invoice); every row marked sent arrived, and more than once only when
 * an interrupted send was resumed: every repeated delivery carries the Message-ID of its first (the
 * send key's) and its row counts the resumed attempts; nothing arrived without a row.
 * Answers the counts for the scenario's summary.
 */
export async function checkCollectionRun(stack: FaultStack, run: CollectionRun) {
  const ids = run.inputs.map((i) => i.invoiceId);
  const rows = await stack.database.db.select({ id: invoices.id, status: invoices.status }).from(invoices).where(inArray(invoices.id, ids));
  const wrongStatus = rows.filter((r) => r.status !== (run.paid.has(r.id) ? 'paid' : UNPAID_STATUS));
  expect(wrongStatus).toEqual([]);
  expect(rows).toHaveLength(ids.length);

  const messageRows = await stack.database.db.select().from(messages).where(inArray(messages.invoiceId, ids));
  const byKey = new Map(messageRows.map((m) => [m.sendKey, m]));
  const missing = run.inputs.filter((i) => !run.paid.has(i.invoiceId)).flatMap((i) => purposes.map((p) => `${i.invoiceId}:${p}:email`).filter((k) => !byKey.has(k)));
  expect(missing).toEqual([]);

  // Lost notices: a send that ended `failed` (the run's SMTP server refuses no one for good), or one
  // left `sending` on an invoice that still needs it.
  const lost = messageRows.filter((m) => m.status === 'failed' || (m.status === 'sending' && !run.paid.has(m.invoiceId)));
  expect(lost.map((m) => `${m.sendKey}: ${m.status} ${m.error ?? ''}`)).toEqual([]);

  const deliveries = new Map<string, number>();
  for (const mail of stack.smtp.messages) deliveries.set(mail.messageId ?? '', (deliveries.get(mail.messageId ?? '') ?? 0) + 1);
  const byMessageId = new Map(messageRows.map((m) => [messageIdForSendKey(m.sendKey), m]));
  expect([...deliveries.keys()].filter((id) => !byMessageId.has(id))).toEqual([]);
  // A copy beyond the first only from a resumed attempt of that very send (same Message-ID): at
  // most one per attempt that claimed it.
  const unexplained = [...deliveries]
    .filter(([id, n]) => n > 1 && !(n <= byMessageId.get(id)!.attempts && byMessageId.get(id)!.resentAt))
    .map(([id, n]) => `${id} ×${n} (attempts ${byMessageId.get(id)!.attempts})`);
  expect(unexplained).toEqual([]);
  const sentNotDelivered = messageRows.filter((m) => m.status === 'sent' && !deliveries.get(messageIdForSendKey(m.sendKey))).map((m) => m.sendKey);
  expect(sentNotDelivered).toEqual([]);
  const resumed = messageRows.filter((m) => m.attempts > 1);
  return {
    invoices: rows.length,
    paid: rows.filter((r) => r.status === 'paid').length,
    open: rows.filter((r) => r.status === UNPAID_STATUS).length,
    messageRows: messageRows.length,
    sent: messageRows.filter((m) => m.status === 'sent').length,
    lost: lost.length,
    /** Sends resumed after their attempt died, and how many of them went to the SMTP server again. */
    resumed: resumed.length,
    resent: resumed.filter((m) => m.resentAt).length,
    stillSending: messageRows.filter((m) => m.status === 'sending').length,
    smtpDeliveries: stack.smtp.messages.length,
    distinctMessageIds: deliveries.size,
    repeatedDeliveries: stack.smtp.messages.length - deliveries.size,
  };
}
