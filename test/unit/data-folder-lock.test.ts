import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '../../db/client';
import { DataFolderInUse, LOCK_FILE, lockHolder } from '../../db/data-folder-lock';
import { WHOLE_MIGRATION_TIMEOUT_MS } from '../support/migration-upgrade';

/** Issue 15, item 1: the embedded database is opened by one process at a time. */
let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'recoup-lock-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

const lockFile = () => path.join(dataDir, LOCK_FILE);

test('a second opener of the embedded database is refused at once, with a message naming the holder; after close it may open', async () => {
  const first = createDb({ dataDir, holder: 'npm start' });
  await first.migrate();
  let refused: unknown;
  try {
    createDb({ dataDir, holder: 'npm run recoup -- users:create' });
  } catch (err) {
    refused = err;
  }
  expect(refused).toBeInstanceOf(DataFolderInUse);
  expect((refused as Error).message).toContain(`is in use by pid ${process.pid} (npm start, since `);
  expect((refused as Error).message).toContain('Stop that process first');
  await first.close();
  expect(existsSync(lockFile())).toBe(false);

  const second = createDb({ dataDir, holder: 'npm run recoup -- users:create' });
  expect(lockHolder(dataDir)).toMatchObject({ pid: process.pid, command: 'npm run recoup -- users:create' });
  await second.close();
}, WHOLE_MIGRATION_TIMEOUT_MS);

test('a lock left behind by a process that died is taken over', async () => {
  // A pid that was a process a moment ago and is no more.
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  writeFileSync(lockFile(), JSON.stringify({ pid: dead, command: 'npm start', started_at: '2026-01-01T00:00:00.000Z' }), { mode: 0o600 });
  expect(lockHolder(dataDir)).toBeNull();
  const database = createDb({ dataDir, holder: 'npm start' });
  try {
    await database.migrate();
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid, command: 'npm start' });
  } finally {
    await database.close();
  }
}, WHOLE_MIGRATION_TIMEOUT_MS);

test('PostgreSQL (DATABASE_URL) takes no lock: many processes share it', async () => {
  writeFileSync(lockFile(), JSON.stringify({ pid: process.pid, command: 'npm start', started_at: new Date().toISOString() }));
  // Nothing is connected until a query: no server needed to see that no lock is asked for.
  const database = createDb({ databaseUrl: 'postgres://recoup:recoup@127.0.0.1:1/recoup', dataDir });
  expect(database.lock).toBeUndefined();
  await database.close();
});
