import { closeSync, openSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { startDevServer } from '../temporal/dev-server';
import {
  ensureServerBuilt,
  postgresTarget,
  serverPorts,
  setUpSchemas,
  startProductionServer,
  TEMPORAL_SERVER_SHARDS,
  TEMPORAL_SERVER_VERSION,
  type DatabaseNames,
} from '../temporal/production-server';
import { registerSearchAttributes, searchAttributeDefinitions } from '../temporal/search-attributes';
import { createBenchDatabase } from './bench-database';

/** `dev`: the CLI's dev server (one history shard on SQLite); `production`: `npm run temporal:server`'s (PostgreSQL, SQL visibility, 4 shards). */
export const TEMPORAL_KINDS = ['dev', 'production'] as const;
export type TemporalKind = (typeof TEMPORAL_KINDS)[number];

export const TEMPORAL_LABELS: Record<TemporalKind, string> = { dev: 'dev server', production: 'production-shaped' };

export interface BenchTemporal {
  kind: TemporalKind;
  address: string;
  stop(): Promise<void>;
}

export interface BenchTemporalOptions {
  cliPath: string;
  namespace: string;
  /** The run's temporary folder: the dev server's SQLite file, the production server's config and log. */
  dataDir: string;
  /** production: the PostgreSQL server where its two databases are created for this run and dropped after it. */
  postgresUrl?: string;
  log(line: string): void;
}

/** What the production-shaped server is, for the report. */
export const PRODUCTION_TEMPORAL = `Temporal Server ${TEMPORAL_SERVER_VERSION} (go.temporal.io/server; PostgreSQL, SQL visibility, ${TEMPORAL_SERVER_SHARDS} history shards)`;

/** A fresh Temporal server of the kind asked for, with Recoup's search attributes. */
export async function startBenchTemporal(kind: TemporalKind, o: BenchTemporalOptions): Promise<BenchTemporal> {
  if (kind === 'dev') {
    const dev = await startDevServer({ cliPath: o.cliPath, dataDir: path.join(o.dataDir, 'temporal'), namespace: o.namespace, port: await freePort(), uiPort: await freePort() });
    return { kind, address: dev.address, stop: dev.stop };
  }
  if (!o.postgresUrl) throw new Error('the production-shaped Temporal server needs PostgreSQL: set TEMPORAL_SERVER_POSTGRES_URL (or RECOUP_BENCH_DATABASE_URL)');
  const built = ensureServerBuilt();
  const target = postgresTarget(o.postgresUrl);
  // Empty databases for each run, so no run measures a server filled by the ones before.
  const databases = [await createBenchDatabase(o.postgresUrl, 'recoup_bench_temporal'), await createBenchDatabase(o.postgresUrl, 'recoup_bench_temporal_visibility')];
  const names: DatabaseNames = { temporal: databases[0]!.name, visibility: databases[1]!.name };
  const dropDatabases = async () => {
    for (const d of databases) await d.drop();
  };
  const logFile = path.join(o.dataDir, 'temporal-server.log');
  const out = openSync(logFile, 'a');
  try {
    const began = Date.now();
    await setUpSchemas(built.sqlTool, built.schemaDir, target, names, ['ignore', out, out]);
    const server = await startProductionServer({
      server: built.server,
      target,
      port: await freeServerPort(),
      names,
      runDir: path.join(o.dataDir, 'temporal-server'),
      cliPath: o.cliPath,
      namespace: o.namespace,
      stdio: ['ignore', out, out],
    });
    try {
      await registerAndAwaitSearchAttributes(server.address, o.namespace);
    } catch (err) {
      await server.stop();
      throw err;
    }
    o.log(`  production-shaped Temporal on ${server.address} (databases ${names.temporal}, ${names.visibility}) ready in ${Date.now() - began} ms; its log: ${logFile}`);
    return {
      kind,
      address: server.address,
      async stop() {
        await server.stop();
        closeSync(out);
        await dropDatabases();
      },
    };
  } catch (err) {
    closeSync(out);
    await dropDatabases().catch(() => undefined);
    throw new Error(`the production-shaped Temporal server did not start (its log: ${logFile}): ${(err as Error).message}`, { cause: err });
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A frontend port whose every offset port (`serverPorts`) is free too. Below the ephemeral range:
 * the server stores its membership ports as PostgreSQL smallints (at most 32767).
 */
async function freeServerPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const frontend = 10_300 + Math.floor(Math.random() * 21_000);
    if ((await Promise.all(Object.values(serverPorts(frontend)).map(isFree))).every(Boolean)) return frontend;
  }
  throw new Error('no free range of ports for the Temporal server');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A new namespace reaches the frontend's registry a few seconds after it was created, and SQL
 * visibility takes new search attributes through that registry too: retry until they are listed.
 */
async function registerAndAwaitSearchAttributes(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const until = Date.now() + 60_000;
    for (;;) {
      let listed: string[] = [];
      try {
        await registerSearchAttributes(connection, namespace);
        listed = Object.keys((await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {});
        if (Object.keys(searchAttributeDefinitions).every((name) => listed.includes(name))) return;
      } catch (err) {
        if (Date.now() > until) throw err;
      }
      if (Date.now() > until) throw new Error(`search attributes not listed within 60 s: ${listed.join(', ') || 'none'}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await connection.close();
  }
}
