import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeDefinitions } from './search-attributes';

/** How many of the server's last output lines a start-up failure shows. */
const LAST_LINES = 20;

/** The dev server stopped before it served: its exit code and what it printed last. */
export class DevServerExited extends Error {
  constructor(
    readonly exitCode: number | null,
    readonly lastLines: readonly string[],
  ) {
    super(
      `The Temporal dev server (temporal server start-dev) exited at start with ${exitCode === null ? 'a signal' : `code ${exitCode}`}. ` +
        (lastLines.length ? `Its last lines:\n${lastLines.map((l) => `  | ${l}`).join('\n')}` : 'It printed nothing.'),
    );
    this.name = 'DevServerExited';
  }
}

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  cliPath: string;
  dataDir: string;
  namespace: string;
  port?: number;
  uiPort?: number;
  /** The Web UI's codec server (`--ui-codec-endpoint`), when payloads are encrypted. */
  codecEndpoint?: string;
  /** Lines the server prints go here (default: dropped). */
  onOutput?: (line: string) => void;
}

/**
 * Starts `temporal server start-dev` with a SQLite file in the data folder (so workflows survive
 * a restart), the Web UI, and Recoup's search attributes registered.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const port = options.port ?? 7233;
  const uiPort = options.uiPort ?? 8233;
  mkdirSync(options.dataDir, { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    path.resolve(options.dataDir, 'temporal.sqlite'),
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--namespace',
    options.namespace,
    '--log-level',
    'warn',
    ...(options.codecEndpoint ? ['--ui-codec-endpoint', options.codecEndpoint] : []),
    ...Object.entries(searchAttributeDefinitions).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Kept to tell why it stopped, should it stop at start (its lines are otherwise only logged at debug).
  const lastLines: string[] = [];
  const forward = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter(Boolean)
      .forEach((l) => {
        lastLines.push(l);
        if (lastLines.length > LAST_LINES) lastLines.shift();
        options.onOutput?.(l);
      });
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const address = `127.0.0.1:${port}`;
  await waitForServer(address, options.namespace, child, lastLines);
  return { address, uiUrl: `http://localhost:${uiPort}`, stop: () => stopChild(child) };
}

async function waitForServer(address: string, namespace: string, child: ChildProcess, lastLines: readonly string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  // 'close', not 'exit': by then its output has been read to the end.
  let closed = false;
  child.once('close', () => (closed = true));
  // A binary that cannot be run at all (missing, not executable).
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  for (;;) {
    if (spawnError) throw new Error(`The Temporal dev server could not be run: ${spawnError.message} (TEMPORAL_CLI, or \`npm run temporal:install\`)`, { cause: spawnError });
    if (closed) throw new DevServerExited(child.exitCode, [...lastLines]);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Temporal dev server did not come up at ${address}: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** SIGTERM, then SIGKILL after 10 s; resolves once the process exited. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
