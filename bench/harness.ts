import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { SMTPServer } from 'smtp-server';
import { startDevServer, type DevServer } from '../temporal/dev-server';
import type { Command, RecoupProcessOptions, Reply } from './protocol';

type Ready = Extract<Reply, { type: 'ready' }>;
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/** A real SMTP server that accepts every message and only counts it (no parsing: the sink must not be the bottleneck). */
export interface SmtpSink {
  url: string;
  /** When each message was accepted (ms since epoch), in order. */
  acceptedAt: number[];
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const acceptedAt: number[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth: (_auth, _session, cb) => cb(null, { user: 'bench' }),
    onData(stream, _session, cb) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        acceptedAt.push(Date.now());
        cb();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://bench:bench@127.0.0.1:${port}`, acceptedAt, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The Recoup process under test (bench/recoup-process.ts), driven over IPC. */
export interface RecoupProcess extends Ready {
  child: ChildProcess;
  call<T>(command: DistributiveOmit<Command, 'id'>): Promise<T>;
  stop(): Promise<void>;
}

export async function startRecoupProcess(options: RecoupProcessOptions): Promise<RecoupProcess> {
  const child = fork(path.join(__dirname, 'recoup-process.ts'), [JSON.stringify(options)], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the Recoup process exited with code ${code} before it was ready`)));
    child.on('message', (m: Reply) => {
      if (m.type === 'ready') return resolve(m);
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.error));
    });
  });
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`the Recoup process exited with code ${code}`));
  });
  return {
    ...ready,
    child,
    call<T>(command: DistributiveOmit<Command, 'id'>): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ ...command, id });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop', id: nextId++ });
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

export interface BenchStack {
  temporal: DevServer;
  smtp: SmtpSink;
  /** Serves the API and the bare baseline; seeds and counts in the database. */
  api: RecoupProcess;
  /** Runs the worker (and the no-op baseline); the same process as `api` with PGlite. */
  worker: RecoupProcess;
  namespace: string;
  taskQueue: string;
  close(): Promise<void>;
}

/**
 * A fresh dev server (new SQLite file in a temporary folder), an SMTP sink and the Recoup
 * process(es): one with PGlite, an API process and a worker process with PostgreSQL.
 */
export async function startBenchStack(o: { cliPath: string; databaseUrl?: string; smtpPool: boolean }): Promise<BenchStack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'recoup-bench-'));
  const namespace = 'default';
  const taskQueue = 'recoup-bench';
  const temporal = await startDevServer({ cliPath: o.cliPath, dataDir: path.join(dataDir, 'temporal'), namespace, port: await freePort(), uiPort: await freePort() });
  const smtp = await startSmtpSink();
  const database = o.databaseUrl ? await createBenchDatabase(o.databaseUrl) : undefined;
  const common = { temporalAddress: temporal.address, namespace, taskQueue, databaseUrl: database?.url, dataDir: path.join(dataDir, 'recoup'), smtpUrl: o.smtpPool ? `${smtp.url}?pool=true` : smtp.url };
  const api = await startRecoupProcess({ ...common, role: database ? 'api' : 'all' });
  const worker = database ? await startRecoupProcess({ ...common, role: 'worker', publicBaseUrl: api.apiUrl }) : api;
  return {
    temporal,
    smtp,
    api,
    worker,
    namespace,
    taskQueue,
    async close() {
      if (worker !== api) await worker.stop();
      await api.stop();
      await smtp.close();
      await temporal.stop();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A new database on the PostgreSQL server of `adminUrl`, dropped after the run. */
export async function createBenchDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `recoup_bench_${randomBytes(6).toString('hex')}`;
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = new PgClient({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
