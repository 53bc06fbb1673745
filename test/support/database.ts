import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { createDb, type Database } from '../../db/client';

/**
 * A fresh, migrated database for one suite: embedded PGlite in memory by default, or a new
 * database on the PostgreSQL server named by RECOUP_TEST_DATABASE_URL (CI's second run).
 */
export async function createTestDatabase(): Promise<Database & { url?: string }> {
  const adminUrl = process.env.RECOUP_TEST_DATABASE_URL;
  if (!adminUrl) {
    // Loaded from the migrated dump the global setup made once (a second or so less per suite than
    // migrating); migrate() then finds nothing to do, and still catches a dump that fell behind.
    const dumpPath = process.env.RECOUP_TEST_PGLITE_DUMP;
    const initialData = dumpPath ? new Blob([readFileSync(dumpPath)]) : undefined;
    const database = createDb({ dataDir: 'memory://', initialData });
    await database.migrate();
    return database;
  }
  const name = `recoup_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = createDb({ databaseUrl: url.toString(), dataDir: 'unused' });
  await database.migrate();
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      const cleanup = new Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
