import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { DatabaseError } from 'pg';
import { createApp } from '../../api/app';
import { isDatabaseUnavailable } from '../../api/errors';
import { parseConfig } from '../../config/config';
import { createDb, type Database } from '../../db/client';
import { silentLogger } from '../support/logger';

/**
 * A database that cannot be reached (down, restarting, failing over) is the client's "try again":
 * 503 with Retry-After. A query that is wrong stays our bug: 500.
 */
const closedPort = 'postgres://recoup@127.0.0.1:1/recoup';

async function errorOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('which database errors mean "unavailable"', () => {
  let unreachable: Database;
  let embedded: Database;
  beforeAll(async () => {
    unreachable = createDb({ databaseUrl: closedPort, dataDir: 'unused' });
    embedded = createDb({ dataDir: 'memory://' });
    await embedded.migrate();
  });
  afterAll(async () => {
    await unreachable.close();
    await embedded.close();
  });

  test('a refused connection, as the driver and Drizzle report it, is unavailable', async () => {
    expect(isDatabaseUnavailable(await errorOf(() => unreachable.ping()))).toBe(true);
  });

  test.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P03', 'the database system is starting up'],
    ['08006', 'connection failure'],
  ])('a server answering %s (%s) is unavailable', (code, message) => {
    const err = Object.assign(new DatabaseError(message, message.length, 'error'), { code });
    expect(isDatabaseUnavailable(err)).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('Failed query'), { cause: err }))).toBe(true);
  });

  test('a wrong query or a violated constraint is not', async () => {
    expect(isDatabaseUnavailable(await errorOf(() => embedded.db.execute(sql`select * from no_such_table`)))).toBe(false);
    expect(isDatabaseUnavailable(await errorOf(() => embedded.db.execute(sql`insert into partners (id, name) values ('p', 'a'), ('p', 'b')`)))).toBe(false);
    expect(isDatabaseUnavailable(new Error('something else'))).toBe(false);
  });
});

describe('the API with its database down', () => {
  let server: Server;
  let baseUrl: string;
  let database: Database;
  beforeAll(async () => {
    database = createDb({ databaseUrl: closedPort, dataDir: 'unused' });
    const config = { ...parseConfig({}), RECOUP_DATA_DIR: 'memory://', LOG_LEVEL: 'silent' as const };
    // Temporal is never reached: every request here stops at the database.
    const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const app = createApp({ db: database.db, temporal, config, logger: silentLogger });
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await database.close();
  });

  test.each([
    ['GET', '/api/v2/invoices'],
    ['POST', '/api/v2/imports'],
  ])('%s %s answers 503 service_unavailable with Retry-After, not 500', async (method, path) => {
    const res = await fetch(`${baseUrl}${path}`, { method, headers: { authorization: 'Bearer some-key', 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('service_unavailable');
  });
});
