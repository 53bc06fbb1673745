import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { Client, Pool } from 'pg';
import * as schema from './schema';
import { acquireDataFolderLock, type DataFolderLock } from './data-folder-lock';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** The embedded database's lock on its data folder (PGlite in a folder only). */
  lock?: DataFolderLock;
  /** The embedded database's whole data folder as one uncompressed tarball (PGlite only). */
  dump?: () => Promise<Blob>;
  /**
   * Listens to a PostgreSQL notification channel (`NOTIFY`, `pg_notify`): `onPayload` gets each
   * payload; `onState` says when listening starts and when it stops (a lost connection: whatever
   * was notified meanwhile is missed, so a cache kept fresh by it must stop trusting itself until
   * `listening` comes again). Resolves once listening; the function it answers stops it.
   */
  listen(channel: string, onPayload: (payload: string) => void, onState?: (state: 'listening' | 'lost') => void): Promise<() => Promise<void>>;
}

const migrationsFolder = path.join(__dirname, 'migrations');

export interface DbOptions {
  /** PostgreSQL URL; when absent, an embedded PGlite database lives in `dataDir`. */
  databaseUrl?: string;
  /** Folder of the embedded database; `memory://` keeps it in memory (tests). */
  dataDir: string;
  poolSize?: number;
  /** Who opens the embedded database, as the lock names it to a second opener; default: this process's command line. */
  holder?: string;
  /** The data folder's lock, when the caller took it already (`npm start` takes it first thing). */
  lock?: DataFolderLock;
  /**
   * An in-memory embedded database starts from this dump (`dumpDatabase`) instead of empty: the
   * test suites start each database from one migrated dump rather than migrating it again.
   */
  initialData?: Blob;
}

/** One factory for both backends: the rest of the code sees the same Drizzle API. */
export function createDb(options: DbOptions): Database {
  if (options.databaseUrl) {
    const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
    // An idle connection the server closed (a restart, a failover) is dropped by the pool and the next
    // query opens a new one; unheard, this 'error' event would end the process.
    pool.on('error', () => undefined);
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      listen: (channel, onPayload, onState) => listenPg(options.databaseUrl!, channel, onPayload, onState),
      migrate: () => migratePg(drizzlePg(pool), { migrationsFolder }),
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      close: () => pool.end(),
    };
  }
  const dir = options.dataDir === 'memory://' ? undefined : path.resolve(options.dataDir, 'pglite');
  if (dir) mkdirSync(dir, { recursive: true });
  // One process per folder (db/data-folder-lock.ts); PostgreSQL above serves many by itself.
  const lock = !dir ? undefined : (options.lock ?? acquireDataFolderLock(path.resolve(options.dataDir), options.holder ?? process.argv.slice(1).join(' ')));
  const client = options.initialData && !dir ? new PGlite({ loadDataDir: options.initialData }) : new PGlite(dir);
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    migrate: () => migratePglite(drizzlePglite(client), { migrationsFolder }),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    dump: () => client.dumpDataDir('none'),
    // One process holds an embedded database: its notifications never travel, so none is lost.
    listen: async (channel, onPayload, onState) => {
      const stop = await client.listen(channel, onPayload);
      onState?.('listening');
      return stop;
    },
    close: async () => {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
    lock,
  };
}

/**
 * LISTEN on a connection of its own (a pooled one would be handed to other queries). When the
 * connection drops it says `lost` and tries again, every second, until stopped.
 */
async function listenPg(url: string, channel: string, onPayload: (payload: string) => void, onState?: (state: 'listening' | 'lost') => void): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  let stopped = false;
  let current: Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const client = new Client({ connectionString: url });
    client.on('notification', (n) => {
      if (n.channel === channel) onPayload(n.payload ?? '');
    });
    const lost = () => {
      if (current !== client) return;
      current = undefined;
      onState?.('lost');
      void client.end().catch(() => undefined);
      if (!stopped) retry = setTimeout(() => void connect().catch(() => undefined), 1000);
    };
    client.on('error', lost);
    client.on('end', lost);
    current = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch (err) {
      lost();
      throw err;
    }
    if (stopped) return void (await client.end());
    onState?.('listening');
  };
  await connect().catch((err: unknown) => {
    stopped = true;
    clearTimeout(retry);
    throw err;
  });
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const client = current;
    current = undefined;
    await client?.end().catch(() => undefined);
  };
}
