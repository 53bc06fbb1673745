/**
 * A Recoup process the benchmarks measure. With PGlite, database, worker and API share one Node
 * process, as `npm start` runs them (the embedded database belongs to one process); with
 * PostgreSQL the worker runs alone (`role: 'worker'`) and the API in another (`role: 'api'`, with
 * a bare Express app on a second port for the API baseline). Started by bench/run.ts with an IPC channel;
 * it answers the commands of bench/protocol.ts. Run with `--expose-gc` so memory is sampled after a GC.
 */
import { createWriteStream, readFileSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type v8 from 'node:v8';
import workerThreads, { MessageChannel, type MessagePort } from 'node:worker_threads';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { and, count, countDistinct, eq, inArray, max, min, sql } from 'drizzle-orm';
import pino from 'pino';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createApp } from '../api/app';
import { startApiKeyCache } from '../api/api-key-cache';
import { visibleImportWithCompany, visibleInvoiceWithLines } from '../api/scope';
import { invoiceCreateSchema } from '../domain/schemas';
import { createDraftInvoices } from '../services/invoices';
import { invoiceResource } from '../resources/serializers';
import { parseConfig, type Config } from '../config/config';
import { createDb } from '../db/client';
import { companies, imports, invoiceLines, invoices, messages } from '../db/schema';
import { createMailer } from '../messaging/mailer';
import { createSmsSender } from '../messaging/sms';
import { createApiKey, createPartner, type Principal } from '../services/api-keys';
import { createConsoleUser } from '../services/console-users';
import { findOrCreateDebtors } from '../services/debtors';
import { newId } from '../services/ids';
import { newPaymentReference, withFreshPaymentReference } from '../services/payment-references';
import { createTemporalClient } from '../temporal/connection';
import { dataConverterFor } from '../temporal/data-converter';
import { createConfiguredWorker } from '../worker/create-worker';
import type { Command, MemorySample, WorkflowThreadHeap, NoopResult, NoticesRecorded, RecoupProcessOptions, Reply, SeededImport } from './protocol';

const SEED_CHUNK = 500;

/**
 * The SDK's workflow threads (it creates them with `new worker_threads.Worker(<its thread script>)`):
 * each is started through a small prelude that answers on a port of its own with its V8 heap's
 * statistics after a full GC, since the process's `memoryUsage()` sees the main thread's heap only.
 */
const workflowThreads: Array<{ thread: workerThreads.Worker; probe: MessagePort }> = [];
const NodeWorker = workerThreads.Worker;
workerThreads.Worker = class extends NodeWorker {
  constructor(filename: string | URL, options?: workerThreads.WorkerOptions) {
    if (typeof filename !== 'string' || !filename.endsWith('workflow-worker-thread.js') || options) {
      super(filename, options);
      return;
    }
    const { port1, port2 } = new MessageChannel();
    const prelude = `
      const { workerData } = require('node:worker_threads');
      const v8 = require('node:v8');
      workerData.probe.on('message', () => {
        if (globalThis.gc) globalThis.gc();
        workerData.probe.postMessage(v8.getHeapStatistics());
      });
      workerData.probe.unref();
      require(${JSON.stringify(filename)});`;
    super(prelude, { eval: true, workerData: { probe: port2 }, transferList: [port2] });
    port1.unref();
    const entry = { thread: this as workerThreads.Worker, probe: port1 };
    workflowThreads.push(entry);
    // A worker shut down (the no-op baseline's) has no thread left to ask.
    this.once('exit', () => workflowThreads.splice(workflowThreads.indexOf(entry), 1));
  }
} as typeof NodeWorker;

/** Each workflow thread's V8 heap after a full GC of that thread. */
async function workflowThreadHeaps(): Promise<WorkflowThreadHeap[]> {
  const heaps = await Promise.all(
    workflowThreads.map(
      ({ probe: port }) =>
        new Promise<WorkflowThreadHeap | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), 5000);
          port.once('message', (h: v8.HeapInfo) =>
            resolve((clearTimeout(timer), { heapUsedBytes: h.used_heap_size, heapTotalBytes: h.total_heap_size, physicalBytes: h.total_physical_size, mallocedBytes: h.malloced_memory, externalBytes: h.external_memory })),
          );
          port.postMessage('sample');
        }),
    ),
  );
  if (heaps.includes(undefined)) console.error(`a workflow thread did not answer (${workflowThreads.length} probes)`);
  return heaps.filter((h) => h !== undefined);
}

function send(message: Reply): void {
  process.send!(message);
}

function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

/** VmRSS / VmHWM of this process, from the kernel (bytes). */
function kernelMemory(): { rss: number; hwm: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

async function main(): Promise<void> {
  // Worker state changes are logged at INFO; keep warnings (e.g. slow workflow tasks) only.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const options = JSON.parse(process.argv[2]!) as RecoupProcessOptions;
  const logger = pino({ level: 'warn' });
  const config: Config = {
    // The environment's settings (worker tuning RECOUP_WORKER_*, payload keys…) apply, as in `npm run worker`.
    ...parseConfig(process.env),
    PORT: 0,
    DATABASE_URL: options.databaseUrl,
    RECOUP_DATA_DIR: options.dataDir,
    TEMPORAL_NAMESPACE: options.namespace,
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    SMTP_URL: options.smtpUrl,
    LOG_LEVEL: 'warn',
    // Counted in the database on every request as in production, but never reached.
    RECOUP_RATE_LIMIT_PER_MINUTE: 1_000_000_000,
  };
  const database = createDb({ databaseUrl: options.databaseUrl, dataDir: options.dataDir });
  // With two processes on one PostgreSQL database, the API process (started first) migrates.
  if (options.role !== 'worker') await database.migrate();
  const db = database.db;
  const databaseVersion = String(((await db.execute(sql`select version() as v`)) as unknown as { rows: Array<{ v: string }> }).rows[0]?.v ?? '?');
  const dataConverter = dataConverterFor(config);
  const { client: temporal, connection } = await createTemporalClient({ address: options.temporalAddress, namespace: options.namespace, dataConverter });
  const mailer = createMailer({ smtpUrl: options.smtpUrl, from: config.MAIL_FROM, logger });
  const sms = createSmsSender({ logger });
  const runsWorker = options.role !== 'api';
  const nativeConnection = runsWorker ? await NativeConnection.connect({ address: options.temporalAddress }) : undefined;
  const worker = nativeConnection
    ? await createConfiguredWorker(config, nativeConnection, { db, mailer, sms, temporal, config, logger })
    : undefined;
  const running = worker?.run();

  const servesApi = options.role !== 'worker';
  // As `npm run api` runs: API keys cached, kept fresh by NOTIFY.
  const apiKeys = servesApi ? await startApiKeyCache(database, logger) : undefined;
  const api = servesApi ? await listen(createApp({ db, temporal, config, logger, apiKeyCache: apiKeys?.cache })) : undefined;
  config.publicBaseUrl = api?.url ?? options.publicBaseUrl ?? 'http://127.0.0.1:3000';

  // The baseline: Express with its JSON parser and nothing else, answering an invoice-sized body.
  let bareInvoice: unknown = { id: 'inv_none' };
  const bareApp = express();
  bareApp.disable('x-powered-by');
  bareApp.use(express.json({ limit: '1mb' }));
  bareApp.get('/bare/invoices/:id', (_req, res) => {
    res.json(bareInvoice);
  });
  // The same, after the one statement GET /invoices/{id} runs (its prepared read of the invoice,
  // its lines and its last notice) on the API's pool: what any route that reads once can reach.
  const everyPartner: Principal = { role: 'ops', partnerId: null, keyId: 'bench', ipAllowList: [] };
  bareApp.get('/bare/invoices/:id/read', async (req, res) => {
    await visibleInvoiceWithLines(db, everyPartner, req.params.id);
    res.json(bareInvoice);
  });
  bareApp.post('/bare/invoices', (req, res) => {
    res.status(201).json({ ...(bareInvoice as object), invoice_number: (req.body as { invoice_number?: string }).invoice_number });
  });
  // The bare POST after what POST /invoices's own handler does with the database (its body's
  // schema, the import's read, the invoice's transaction), without a middleware: how far a route
  // that writes one invoice can get on this machine.
  bareApp.post('/bare/invoices/write', async (req, res) => {
    const body = invoiceCreateSchema.parse(req.body);
    const { imp, company } = await visibleImportWithCompany(db, everyPartner, body.import_id);
    await withFreshPaymentReference(() => db.transaction((tx) => createDraftInvoices(tx, company, imp.id, [body])));
    res.status(201).json({ ...(bareInvoice as object), invoice_number: body.invoice_number });
  });
  const bare = servesApi ? await listen(bareApp) : undefined;

  let noopBundle: WorkflowBundleWithSourceMap | undefined;

  async function seed(c: Extract<Command, { type: 'seed' }>): Promise<SeededImport> {
    const partner = await createPartner(db, { name: 'Benchmark Partner' });
    const key = await createApiKey(db, { partnerId: partner.id, role: 'partner' });
    const companyId = newId('cmp');
    await db.insert(companies).values({ id: companyId, partnerId: partner.id, name: 'Benchmark Club', country: 'NL', currency: 'EUR', locale: 'nl', timezone: c.timezone, status: 'verified' });
    const importId = newId('imp');
    await db.insert(imports).values({ id: importId, partnerId: partner.id, companyId, title: 'Benchmark import' });
    const invoiceIds: string[] = [];
    // Consecutive invoices share a debtor (joined by email), as an import sorted by member lists them.
    const debtors = Math.min(c.debtors ?? c.invoices, c.invoices);
    for (let done = 0; done < c.invoices; done += SEED_CHUNK) {
      const rows = Array.from({ length: Math.min(SEED_CHUNK, c.invoices - done) }, (_, i) => {
        const id = newId('inv');
        invoiceIds.push(id);
        const debtor = Math.floor(((done + i) * debtors) / c.invoices) + 1;
        return {
          id,
          partnerId: partner.id,
          companyId,
          importId,
          invoiceNumber: `B-${done + i + 1}`,
          issueDate: new Date().toISOString().slice(0, 10),
          dueDate: c.dueDate,
          currency: 'EUR',
          paymentReference: newPaymentReference(),
          debtor: { first_name: 'Anna', last_name: `de Vries ${debtor}`, email: `debtor${debtor}@example.nl`, locale: 'nl' as const, timezone: c.timezone },
          amountTotalCents: 12_000,
        };
      });
      await db.transaction(async (tx) => {
        const accounts = await findOrCreateDebtors(tx, { id: companyId, partnerId: partner.id }, rows.map((r) => r.debtor));
        await tx.insert(invoices).values(rows.map((r, i) => ({ ...r, debtorId: accounts[i]!.id })));
        await tx.insert(invoiceLines).values(rows.map((r) => ({ id: newId('lin'), invoiceId: r.id, position: 1, description: 'Contributie 2027', amountCents: 12_000, quantity: 1, vatRate: 0 })));
      });
    }
    if (invoiceIds.length > 0) {
      const [row] = await db.select().from(invoices).where(eq(invoices.id, invoiceIds[0]!));
      const lines = await db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, invoiceIds[0]!));
      bareInvoice = invoiceResource(row!, lines);
    }
    return { key: key.secret, partnerId: partner.id, companyId, importId, invoiceIds };
  }

  async function noop(c: Extract<Command, { type: 'noop' }>): Promise<NoopResult> {
    noopBundle ??= await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'noop.workflow.ts'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } });
    let ran = 0;
    let allRan: () => void = () => undefined;
    const allRanPromise = new Promise<void>((resolve) => (allRan = resolve));
    const taskQueue = `${options.taskQueue}-noop`;
    if (!nativeConnection) throw new Error('the no-op baseline runs in the worker process');
    const noopWorker = await Worker.create({
      connection: nativeConnection,
      namespace: options.namespace,
      taskQueue,
      workflowBundle: noopBundle,
      ...(dataConverter ? { dataConverter } : {}),
      activities: {
        async noopRan() {
          if (++ran === c.count) allRan();
        },
      },
    });
    const noopRunning = noopWorker.run();
    try {
      const started = Date.now();
      const runId = newId('noop');
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(c.concurrency, c.count) }, async () => {
          for (let i = next++; i < c.count; i = next++) {
            await temporal.workflow.start('benchNoopWorkflow', { workflowId: `${runId}-${i}`, taskQueue, args: [] });
          }
        }),
      );
      const allStartedMs = Date.now() - started;
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no-op workflows: ${ran} of ${c.count} ran within ${c.timeoutMs} ms`)), c.timeoutMs).unref());
      await Promise.race([allRanPromise, timeout]);
      return { allStartedMs, allRanActivityMs: Date.now() - started };
    } finally {
      noopWorker.shutdown();
      await noopRunning;
    }
  }

  async function memory(): Promise<MemorySample> {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      await new Promise((r) => setTimeout(r, 200));
      gc();
    }
    const beforeThreadsGc = kernelMemory().rss;
    const threads = await workflowThreadHeaps();
    const usage = process.memoryUsage();
    const kernel = kernelMemory();
    const status = worker?.getStatus();
    return {
      rssBytes: kernel.rss || usage.rss,
      rssBeforeWorkflowThreadGcBytes: beforeThreadsGc || usage.rss,
      peakRssBytes: kernel.hwm,
      heapUsedBytes: usage.heapUsed,
      heapTotalBytes: usage.heapTotal,
      externalBytes: usage.external,
      arrayBuffersBytes: usage.arrayBuffers,
      cachedWorkflows: status?.numCachedWorkflows ?? 0,
      workflowThreads: threads,
    };
  }

  async function handle(c: Command): Promise<unknown> {
    switch (c.type) {
      case 'seed':
        return seed(c);
      case 'noop':
        return noop(c);
      case 'sentMessages': {
        const [row] = await db
          .select({ n: count() })
          .from(messages)
          .innerJoin(invoices, eq(invoices.id, messages.invoiceId))
          .where(and(eq(invoices.importId, c.importId), eq(messages.status, 'sent')));
        return Number(row?.n ?? 0);
      }
      case 'noticesRecorded': {
        const [row] = await db
          .select({ n: countDistinct(messages.invoiceId), first: min(messages.sentAt), last: max(messages.sentAt) })
          .from(messages)
          .innerJoin(invoices, eq(invoices.id, messages.invoiceId))
          .where(and(eq(invoices.importId, c.importId), eq(messages.kind, 'invoice_notice'), inArray(messages.status, ['sent', 'outbox', 'delivered'])));
        const at = (d: Date | string | null | undefined) => (d ? new Date(d).getTime() : null);
        return { invoices: Number(row?.n ?? 0), firstSentAt: at(row?.first), lastSentAt: at(row?.last) } satisfies NoticesRecorded;
      }
      case 'memory':
        return memory();
      case 'workflowThreadSnapshot': {
        const first = workflowThreads[0];
        if (!first) throw new Error('no workflow thread runs');
        await pipeline(await first.thread.getHeapSnapshot(), createWriteStream(c.path));
        return statSync(c.path).size;
      }
      case 'cpuSeconds': {
        const { user, system } = process.cpuUsage();
        return (user + system) / 1e6;
      }
      case 'consoleUser':
        return (await createConsoleUser(db, { email: c.email, password: c.password, role: 'reviewer' })).id;
      case 'stop':
        for (const server of [api?.server, bare?.server]) if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
        worker?.shutdown();
        await running;
        mailer.close();
        await connection.close();
        await nativeConnection?.close();
        await apiKeys?.stop();
        await database.close();
        setImmediate(() => process.exit(0));
        return null;
    }
  }

  process.on('message', (c: Command) => {
    handle(c).then(
      (value) => send({ type: 'reply', id: c.id, ok: true, value }),
      (err: unknown) => send({ type: 'reply', id: c.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', apiUrl: api?.url ?? '', bareUrl: bare?.url ?? '', databaseKind: database.kind, databaseVersion, pid: process.pid });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
