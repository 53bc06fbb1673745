import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import type { Db } from '../../db/client';
import * as schema from '../../db/schema';

const migrationsFolder = path.join(__dirname, '../../db/migrations');

/**
 * The time allowed to a test that migrates an embedded database from nothing: about 5 s alone, but
 * once more than a minute in CI, beside two other suites on a busy two-core machine.
 */
export const WHOLE_MIGRATION_TIMEOUT_MS = 180_000;

export interface DatabaseBeforeUpgrade {
  db: Db;
  /** Runs the remaining migrations, the one under test included: the upgrade. */
  upgrade(): Promise<void>;
  close(): Promise<void>;
}

/**
 * An in-memory database migrated up to just before the migration whose tag ends with `tagSuffix`
 * (found by name: its number may change when branches merge), for a test that stores data the way
 * the older version did and then upgrades it.
 */
export async function databaseBefore(tagSuffix: string): Promise<DatabaseBeforeUpgrade> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recoup-before-migration-'));
  await cp(migrationsFolder, dir, { recursive: true });
  const journalPath = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
  const at = journal.entries.findIndex((e) => e.tag.endsWith(tagSuffix));
  if (at <= 0) throw new Error(`no migration tagged *${tagSuffix} after the first`);
  journal.entries = journal.entries.slice(0, at);
  await writeFile(journalPath, JSON.stringify(journal));
  const client = new PGlite();
  await migrate(drizzle(client), { migrationsFolder: dir });
  return {
    db: drizzle(client, { schema }) as unknown as Db,
    upgrade: () => migrate(drizzle(client), { migrationsFolder }),
    async close() {
      await client.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
