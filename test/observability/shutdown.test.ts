import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eventually } from '../support/eventually';
import { freePort } from '../support/http';
import { startDevServerEnv } from '../support/dev-server';

/**
 * `api/main.ts` and `worker/main.ts` as they run in a container: their own processes, their own
 * embedded database, against a real Temporal server; stopped with SIGTERM as `docker stop` does.
 */
const root = path.join(__dirname, '..', '..');
const OPS_KEY = 'shutdown-test-ops-key-0123456789';

let env: TestWorkflowEnvironment;
const dataDirs: string[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  // The dev server (not the time-skipping one): both processes find the search attributes it lists.
  env = await startDevServerEnv();
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await env?.teardown();
  for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
});

interface AppProcess {
  child: ChildProcess;
  exited: Promise<number | NodeJS.Signals | null>;
  output: () => string;
}

/** Starts `node --import tsx <entry>` and resolves once a log line matches `ready`. */
async function startProcess(entry: string, extraEnv: Record<string, string>, ready: RegExp): Promise<AppProcess> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'recoup-shutdown-'));
  dataDirs.push(dataDir);
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: `shutdown-${path.basename(dataDir)}`,
      RECOUP_DATA_DIR: dataDir,
      RECOUP_BOOTSTRAP_OPS_KEY: OPS_KEY,
      RECOUP_FILES_WATCH: 'false',
      LOG_LEVEL: 'info',
      ...extraEnv,
    },
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start in time:\n${output}`)), 120_000);
    child.stdout!.on('data', () => {
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`${entry} ended (${String(how)}) before it was ready:\n${output}`));
    });
  });
  return { child, exited, output: () => output };
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

test('on SIGTERM the API answers the request in flight, refuses new connections and exits 0', async () => {
  const port = await freePort();
  const api = await startProcess('api/main.ts', { PORT: String(port) }, /API listening/);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  // The connection is open and accepted before the signal: a request on it has begun.
  const warmUp = await fetchVia(agent, port, 'GET', '/healthz');
  expect(warmUp.status).toBe(200);

  const body = JSON.stringify({ name: 'Arrived during shutdown' });
  const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      { agent, port, host: '127.0.0.1', method: 'POST', path: '/api/v2/partners', headers: { authorization: `Bearer ${OPS_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on('error', reject);
    req.write(body.slice(0, 10)); // half a body: the server waits for the rest
    setTimeout(() => {
      api.child.kill('SIGTERM');
      // Finish the body only once the API no longer takes new connections.
      void eventually(async () => expect(await connectionRefused(port)).toBe(true), 20_000).then(() => req.end(body.slice(10)), reject);
    }, 500); // lets the server read the request's head before the signal
  });

  const answered = await inFlight;
  expect(answered.status).toBe(201);
  expect(JSON.parse(answered.body)).toMatchObject({ name: 'Arrived during shutdown' });
  expect(await api.exited).toBe(0);
  expect(api.output()).toMatch(/"msg":"API stopped"/);
  agent.destroy();
}, 180_000);

test('the worker serves its own metrics with the Temporal SDK’s, is ready while it polls, and exits 0 on SIGTERM', async () => {
  const metricsPort = await freePort();
  const sdkPort = await freePort();
  const worker = await startProcess(
    'worker/main.ts',
    { RECOUP_WORKER_METRICS_PORT: String(metricsPort), RECOUP_WORKER_SDK_METRICS_PORT: String(sdkPort), RECOUP_WORKER_MAX_CACHED_WORKFLOWS: '50' },
    /worker running/,
  );
  const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ok', checks: { worker: 'ok', database: 'ok' } });
  const text = await eventually(async () => {
    const t = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(t).toMatch(/^temporal_[a-z_]+\{.*\} \d/m);
    return t;
  }, 30_000);
  expect(text).toMatch(/^# TYPE recoup_messages_sent_total counter$/m);
  expect(text).toMatch(/^process_resident_memory_bytes /m);
  // The SDK's own exporter listens on loopback only.
  expect(worker.output()).not.toMatch(/Temporal SDK metrics unavailable/);
  // The SDK's own log lines go through pino (the SDK buffers them ~100 ms to order them).
  await eventually(async () => expect(worker.output()).toMatch(/^\{.*"component":"temporal".*"state":"RUNNING".*\}$/m), 10_000);

  worker.child.kill('SIGTERM');
  expect(await worker.exited).toBe(0);
  expect(worker.output()).toMatch(/"msg":"worker stopped"/);
}, 180_000);

function fetchVia(agent: http.Agent, port: number, method: string, p: string): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, port, host: '127.0.0.1', method, path: p }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode! }));
    });
    req.on('error', reject);
    req.end();
  });
}
