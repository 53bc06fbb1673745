import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeDefinitions } from './search-attributes';

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
  const forward = (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach((l) => options.onOutput?.(l));
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const address = `127.0.0.1:${port}`;
  await waitForServer(address, options.namespace, child);
  return { address, uiUrl: `http://localhost:${uiPort}`, stop: () => stopChild(child) };
}

async function waitForServer(address: string, namespace: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`temporal server start-dev exited with code ${child.exitCode}; is port ${address} in use?`);
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

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
