import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';

/** A database of a benchmark run. */
export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A new database on the PostgreSQL server of `adminUrl`, dropped after the run. */
export async function createBenchDatabase(adminUrl: string, prefix = 'recoup_bench'): Promise<BenchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const cleanup = new PgClient({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
