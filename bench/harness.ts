import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { createBenchDatabase } from './bench-database';
import type { Command, RecoupProcessOptions, Reply } from './protocol';
import { startBenchTemporal, type BenchTemporal, type TemporalKind } from './temporal-server';

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

/** The Recoup process under test (bench/recoup-process.ts), driven over IPC. */
export interface RecoupProcess extends Ready {
  child: ChildProcess;
  call<T>(command: DistributiveOmit<Command, 'id'>): Promise<T>;
  stop(): Promise<void>;
}

/** `--cpu-prof` for a benchmark's child process when RECOUP_BENCH_CPU_PROFILE_DIR is set. */
export function cpuProfileArgs(): string[] {
  const dir = process.env.RECOUP_BENCH_CPU_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

export async function startRecoupProcess(options: RecoupProcessOptions): Promise<RecoupProcess> {
  const child = fork(path.join(__dirname, 'recoup-process.ts'), [JSON.stringify(options)], {
    execArgv: ['--expose-gc', '--import', 'tsx', ...cpuProfileArgs()],
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
  temporal: BenchTemporal;
  smtp: SmtpSink;
  /** Serves the API and the bare baseline; seeds and counts in the database. */
  api: RecoupProcess;
  /** Runs the worker (and the no-op baseline); the same process as `api` with PGlite. */
  worker: RecoupProcess;
  namespace: string;
  taskQueue: string;
  /** Another API or worker process on the same database, Temporal server and task queue (PostgreSQL only); stopped with the stack. */
  addProcess(role: 'api' | 'worker'): Promise<RecoupProcess>;
  close(): Promise<void>;
}

export interface BenchStackOptions {
  cliPath: string;
  /** PostgreSQL for Recoup (a new database per stack); unset: PGlite. */
  databaseUrl?: string;
  smtpPool: boolean;
  temporal: TemporalKind;
  /** The PostgreSQL server of the production-shaped Temporal server's databases. */
  temporalPostgresUrl?: string;
  log(line: string): void;
}

/**
 * A fresh Temporal server (the dev server on a new SQLite file, or the production-shaped one on
 * new databases), an SMTP sink and the Recoup process(es): one with PGlite, an API process and a
 * worker process with PostgreSQL.
 */
export async function startBenchStack(o: BenchStackOptions): Promise<BenchStack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'recoup-bench-'));
  const namespace = 'default';
  const taskQueue = 'recoup-bench';
  const temporal = await startBenchTemporal(o.temporal, { cliPath: o.cliPath, namespace, dataDir, postgresUrl: o.temporalPostgresUrl, log: o.log });
  const smtp = await startSmtpSink();
  const database = o.databaseUrl ? await createBenchDatabase(o.databaseUrl) : undefined;
  const common = { temporalAddress: temporal.address, namespace, taskQueue, databaseUrl: database?.url, dataDir: path.join(dataDir, 'recoup'), smtpUrl: o.smtpPool ? `${smtp.url}?pool=true` : smtp.url };
  const api = await startRecoupProcess({ ...common, role: database ? 'api' : 'all' });
  const worker = database ? await startRecoupProcess({ ...common, role: 'worker', publicBaseUrl: api.apiUrl }) : api;
  const added: RecoupProcess[] = [];
  return {
    temporal,
    smtp,
    api,
    worker,
    namespace,
    taskQueue,
    async addProcess(role) {
      if (!database) throw new Error('more API or worker processes need PostgreSQL (RECOUP_BENCH_DATABASE_URL): PGlite belongs to one process');
      const process = await startRecoupProcess({ ...common, role, publicBaseUrl: api.apiUrl });
      added.push(process);
      return process;
    },
    async close() {
      for (const p of added) await p.stop();
      if (worker !== api) await worker.stop();
      await api.stop();
      await smtp.close();
      await temporal.stop();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
