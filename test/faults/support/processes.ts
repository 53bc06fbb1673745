import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeDefinitions } from '../../../temporal/search-attributes';
import { freePort } from '../../support/http';

const root = path.join(__dirname, '..', '..', '..');

/** A child process that can be killed at any moment, with its output kept for failure messages. */
export interface ChildHandle {
  child: ChildProcess;
  exited: Promise<NodeJS.Signals | number | null>;
  output(): string;
  /** Signals the whole process group. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

function spawnChild(command: string, args: string[], env: NodeJS.ProcessEnv): ChildHandle {
  // Its own process group, so a kill reaches every process it started.
  const child = spawn(command, args, { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  return {
    child,
    exited,
    output: () => output,
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, signal);
      } catch {
        /* already gone */
      }
      await exited;
    },
  };
}

/**
 * `temporal server start-dev` on a SQLite file and fixed ports, so it can be killed and started
 * again on the same history (the Temporal-restart scenario). Headless: no Web UI port to clash.
 * Its HTTP API and metrics ports are given too: left to itself, the server picks free ports at
 * start, and may pick the gRPC port just chosen here before it binds it.
 */
export interface TemporalServer {
  address: string;
  kill(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
}

export async function startTemporalServer(dbFile: string): Promise<TemporalServer> {
  const [port, httpPort, metricsPort] = await distinctFreePorts(3);
  const address = `127.0.0.1:${port}`;
  let current: ChildHandle | undefined;
  const start = async () => {
    current = spawnChild(
      process.env.TEMPORAL_CLI_PATH!,
      [
        'server',
        'start-dev',
        '--db-filename',
        dbFile,
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--http-port',
        String(httpPort),
        '--metrics-port',
        String(metricsPort),
        '--headless',
        '--namespace',
        'default',
        '--log-level',
        'error',
        '--dynamic-config-value',
        'frontend.enableUpdateWorkflowExecution=true',
        '--dynamic-config-value',
        'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
        ...Object.entries(searchAttributeDefinitions).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
      ],
      process.env,
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (current.child.exitCode !== null) throw new Error(`temporal server exited (${current.child.exitCode}):\n${current.output()}`);
      try {
        const connection = await Connection.connect({ address, connectTimeout: 1000 });
        try {
          await connection.workflowService.describeNamespace({ namespace: 'default' });
          return;
        } finally {
          await connection.close();
        }
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`Temporal dev server did not come up at ${address}: ${(err as Error).message}\n${current.output()}`, { cause: err });
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  };
  await start();
  return {
    address,
    start,
    kill: async (signal = 'SIGKILL') => {
      await current?.kill(signal);
    },
  };
}

export interface WorkerSettings {
  temporalAddress: string;
  taskQueue: string;
  databaseUrl: string;
  smtpUrl: string;
  publicBaseUrl: string;
  portalSecret: string;
  /** RECOUP_SECRET_KEYS shared with the API: the worker opens the webhook secrets the API sealed. */
  secretKeys: string;
}

/**
 * A Recoup worker in its own process (test/support/worker-process.ts), run by node with tsx's loader
 * (no npx in between), resolved once it polls its task queue.
 */
export async function startWorkerProcess(settings: WorkerSettings): Promise<ChildHandle> {
  const handle = spawnChild(process.execPath, ['--import', 'tsx', 'test/support/worker-process.ts'], {
    ...process.env,
    NODE_OPTIONS: '',
    TEMPORAL_ADDRESS: settings.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: settings.taskQueue,
    DATABASE_URL: settings.databaseUrl,
    RECOUP_MIGRATE_ON_START: 'false',
    SMTP_URL: settings.smtpUrl,
    MAIL_FROM: 'Recoup <noreply@recoup.test>',
    PUBLIC_BASE_URL: settings.publicBaseUrl,
    RECOUP_PORTAL_SECRET: settings.portalSecret,
    // Webhook receivers of the tests listen on 127.0.0.1.
    RECOUP_ALLOW_PRIVATE_URLS: '127.0.0.1',
    RECOUP_SECRET_KEYS: settings.secretKeys,
    TWILIO_ACCOUNT_SID: '',
    TWILIO_AUTH_TOKEN: '',
    LOG_LEVEL: 'error',
  });
  const deadline = Date.now() + 90_000;
  while (!/worker ready/.test(handle.output())) {
    if (handle.child.exitCode !== null || handle.child.signalCode !== null) throw new Error(`worker process ended before it was ready:\n${handle.output()}`);
    if (Date.now() > deadline) {
      await handle.kill('SIGKILL');
      throw new Error(`worker process did not start in time:\n${handle.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return handle;
}

/** `n` loopback ports free a moment ago, all different. */
async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}
