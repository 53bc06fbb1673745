/**
 * `npm run temporal:server`: a production-shaped Temporal server on this machine — Temporal Server
 * built from the Go module `go.temporal.io/server` (the version below), PostgreSQL persistence,
 * SQL visibility, 4 history shards (deploy/temporal/server.yaml) — for measuring Recoup against
 * what production runs rather than the one-shard SQLite dev server. Never needed by `npm start`
 * or `npm test`.
 *
 * 1. Builds the server and its SQL tool once into `.tools/temporal-server/<version>/bin` (about
 *    8 minutes on 2 cores; Go fetches the toolchain the module asks for).
 * 2. Creates the two databases and their schemas on the PostgreSQL server of
 *    `TEMPORAL_SERVER_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432`), or brings
 *    them up to date.
 * 3. Writes the config from deploy/temporal/ and starts the server on `TEMPORAL_SERVER_PORT`
 *    (default 7233), creates the `default` namespace, and stays in the foreground until stopped.
 *
 * `--build-only` stops after step 1; `--setup-only` after step 2.
 */
import { execFileSync, spawn, type StdioOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { ensureTemporalCli, projectRoot, toolsDir } from './binaries';
import { stopChild } from './dev-server';

export const TEMPORAL_SERVER_VERSION = 'v1.32.2';
/** The module asks for a newer Go than some machines have; the go command fetches it. */
const GO_TOOLCHAIN = 'go1.27.3';
export const TEMPORAL_SERVER_SHARDS = 4;

const home = path.join(toolsDir, 'temporal-server', TEMPORAL_SERVER_VERSION);
const binDir = path.join(home, 'bin');
const srcDir = path.join(home, 'src');
const runDir = path.join(toolsDir, 'temporal-server', 'run');
const goEnv = { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? GO_TOOLCHAIN };

function log(message: string): void {
  console.log(`[temporal:server] ${message}`);
}

/** The server and SQL tool binaries, built when missing. */
export function ensureServerBuilt(): { server: string; sqlTool: string; schemaDir: string } {
  const server = path.join(binDir, 'temporal-server');
  const sqlTool = path.join(binDir, 'temporal-sql-tool');
  if (!existsSync(path.join(srcDir, 'go.mod'))) {
    log(`fetching go.temporal.io/server@${TEMPORAL_SERVER_VERSION} from the Go module proxy`);
    const info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`], { env: goEnv, encoding: 'utf8' })) as { Dir: string };
    mkdirSync(home, { recursive: true });
    // The module cache is read-only: build from a copy.
    cpSync(info.Dir, srcDir, { recursive: true });
    execFileSync('chmod', ['-R', 'u+w', srcDir]);
  }
  mkdirSync(binDir, { recursive: true });
  for (const [bin, pkg] of [
    [server, './cmd/server'],
    [sqlTool, './cmd/tools/sql'],
  ] as const) {
    if (existsSync(bin)) continue;
    log(`building ${path.basename(bin)} (the server takes minutes the first time)`);
    execFileSync('go', ['build', '-o', bin, pkg], { cwd: srcDir, env: goEnv, stdio: 'inherit' });
  }
  return { server, sqlTool, schemaDir: path.join(srcDir, 'schema', 'postgresql', 'v12') };
}

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  url: URL;
}

/** The PostgreSQL server `TEMPORAL_SERVER_POSTGRES_URL` names, when unset. */
export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Where the server keeps its data: a PostgreSQL server URL (its database part is only where the databases are created from). */
export function postgresTarget(urlText: string): PostgresTarget {
  const url = new URL(urlText);
  return { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username || 'postgres'), password: decodeURIComponent(url.password), url };
}

async function hasSchema(target: PostgresTarget, database: string): Promise<boolean> {
  const url = new URL(target.url);
  url.pathname = `/${database}`;
  const client = new Client({ connectionString: url.toString() });
  try {
    await client.connect();
    const res = await client.query(`select to_regclass('public.schema_version') is not null as present`);
    return Boolean(res.rows[0]?.present);
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function databaseExists(target: PostgresTarget, database: string): Promise<boolean> {
  const client = new Client({ connectionString: target.url.toString() });
  await client.connect();
  try {
    return (await client.query('select 1 from pg_database where datname = $1', [database])).rowCount === 1;
  } finally {
    await client.end();
  }
}

/** The server's two databases: persistence and visibility. */
export interface DatabaseNames {
  temporal: string;
  visibility: string;
}

export const DEFAULT_DATABASE_NAMES: DatabaseNames = { temporal: 'temporal', visibility: 'temporal_visibility' };

/** Creates the persistence and visibility databases with their schemas, or updates them. */
export async function setUpSchemas(sqlTool: string, schemaDir: string, target: PostgresTarget, names = DEFAULT_DATABASE_NAMES, stdio: StdioOptions = 'inherit'): Promise<void> {
  for (const [database, versioned] of [
    [names.temporal, path.join(schemaDir, 'temporal', 'versioned')],
    [names.visibility, path.join(schemaDir, 'visibility', 'versioned')],
  ] as const) {
    const base = ['--plugin', 'postgres12', '--ep', target.host, '-p', String(target.port), '-u', target.user, ...(target.password ? ['--pw', target.password] : []), '--db', database];
    if (!(await databaseExists(target, database))) {
      log(`creating database ${database}`);
      execFileSync(sqlTool, [...base, 'create-database'], { stdio });
    }
    if (!(await hasSchema(target, database))) execFileSync(sqlTool, [...base, 'setup-schema', '-v', '0.0'], { stdio });
    execFileSync(sqlTool, [...base, 'update-schema', '-d', versioned], { stdio });
  }
}

/**
 * Every port the server listens on, by its placeholder in server.yaml: the frontend's plus an
 * offset (as Temporal's own defaults are), so one setting moves them all.
 */
export function serverPorts(frontendPort: number): Record<string, number> {
  return {
    FRONTEND_PORT: frontendPort,
    FRONTEND_HTTP_PORT: frontendPort + 10,
    HISTORY_PORT: frontendPort + 1,
    MATCHING_PORT: frontendPort + 2,
    WORKER_PORT: frontendPort + 6,
    FRONTEND_MEMBERSHIP_PORT: frontendPort - 300,
    HISTORY_MEMBERSHIP_PORT: frontendPort - 299,
    MATCHING_MEMBERSHIP_PORT: frontendPort - 298,
    WORKER_MEMBERSHIP_PORT: frontendPort - 294,
    METRICS_PORT: frontendPort + 767,
  };
}

/** The server's config from deploy/temporal/, placeholders filled in. */
export function renderServerConfig(
  target: Pick<PostgresTarget, 'host' | 'port' | 'user' | 'password'>,
  frontendPort: number,
  names = DEFAULT_DATABASE_NAMES,
  bindIp = '127.0.0.1',
): string {
  const template = readFileSync(path.join(projectRoot, 'deploy', 'temporal', 'server.yaml'), 'utf8');
  const values: Record<string, string> = {
    BIND_IP: bindIp,
    TEMPORAL_DB: names.temporal,
    TEMPORAL_VISIBILITY_DB: names.visibility,
    PG_HOST: target.host,
    PG_PORT: String(target.port),
    PG_USER: target.user,
    PG_PASSWORD: target.password,
    ...Object.fromEntries(Object.entries(serverPorts(frontendPort)).map(([name, port]) => [name, String(port)])),
  };
  return template.replace(/\$\{([A-Z_]+)\}/g, (m, name: string) => {
    if (!(name in values)) throw new Error(`deploy/temporal/server.yaml: unknown placeholder ${m}`);
    return values[name]!;
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

export interface ProductionServer {
  address: string;
  /** Resolves with the exit code when the server stops, for whatever reason. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface ProductionServerOptions {
  server: string;
  target: PostgresTarget;
  port: number;
  /** Its databases, set up beforehand (`setUpSchemas`). */
  names?: DatabaseNames;
  /** Where its config is written; its working folder. */
  runDir: string;
  /** The Temporal CLI, which creates the namespace. */
  cliPath: string;
  namespace?: string;
  /** Where the server's output goes (default: this process's). */
  stdio?: StdioOptions;
}

/** Writes the config, starts the server and waits until it serves the namespace (created if new). */
export async function startProductionServer(o: ProductionServerOptions): Promise<ProductionServer> {
  const namespace = o.namespace ?? 'default';
  mkdirSync(path.join(o.runDir, 'config'), { recursive: true });
  writeFileSync(path.join(o.runDir, 'config', 'development.yaml'), renderServerConfig(o.target, o.port, o.names));
  cpSync(path.join(projectRoot, 'deploy', 'temporal', 'dynamicconfig.yaml'), path.join(o.runDir, 'config', 'dynamicconfig.yaml'));
  // The dynamic config's path in the config file is relative to the working folder.
  const child = spawn(o.server, ['--root', o.runDir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'], { cwd: o.runDir, stdio: o.stdio ?? 'inherit' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let stopped = false;
  void exited.then(() => (stopped = true));
  const address = `127.0.0.1:${o.port}`;
  try {
    const until = Date.now() + 120_000;
    while (!(await portOpen(o.port))) {
      if (stopped) throw new Error(`the Temporal server exited with code ${child.exitCode} before it listened on ${o.port}`);
      if (Date.now() > until) throw new Error(`the Temporal server did not listen on ${o.port} within 2 minutes`);
      await new Promise((r) => setTimeout(r, 500));
    }
    // The frontend listens before the namespace registry is ready: try for a while.
    for (let attempt = 0; ; attempt += 1) {
      try {
        execFileSync(o.cliPath, ['operator', 'namespace', 'describe', '-n', namespace, '--address', address], { stdio: 'ignore' });
        break;
      } catch {
        try {
          execFileSync(o.cliPath, ['operator', 'namespace', 'create', '-n', namespace, '--retention', '72h', '--address', address], { stdio: 'ignore' });
          break;
        } catch (err) {
          if (attempt > 60 || stopped) throw err;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    }
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { address, exited, stop: () => stopChild(child) };
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const { server, sqlTool, schemaDir } = ensureServerBuilt();
  if (args.has('--build-only')) return log(`built: ${server}`);
  const target = postgresTarget(process.env.TEMPORAL_SERVER_POSTGRES_URL ?? DEFAULT_POSTGRES_URL);
  await setUpSchemas(sqlTool, schemaDir, target);
  if (args.has('--setup-only')) return log('schemas ready');
  const port = Number(process.env.TEMPORAL_SERVER_PORT ?? 7233);
  const running = await startProductionServer({ server, target, port, runDir, cliPath: ensureTemporalCli(process.env.TEMPORAL_CLI) });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void running.stop());
  void running.exited.then((code) => process.exit(code ?? 1));
  log(`Temporal ${TEMPORAL_SERVER_VERSION} on ${running.address} (PostgreSQL ${target.host}:${target.port}, ${TEMPORAL_SERVER_SHARDS} history shards). Use it with TEMPORAL_ADDRESS=${running.address} npm start`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
