import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { createApp } from '../../api/app';
import { parseConfig } from '../../config/config';
import { createDb, type Database } from '../../db/client';
import { findPrincipal } from '../../services/api-keys';
import { printedJson, runRecoupCli } from '../support/cli';
import { silentLogger } from '../support/logger';

/**
 * The ops CLI as operators run it (`npm run recoup -- …`, a child process) against a temporary
 * data folder. The embedded PGlite database is one process's at a time, so the test opens the
 * same folder only after each CLI run has exited.
 */
let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'recoup-cli-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function recoup(...args: string[]) {
  return runRecoupCli(dataDir, args);
}

const printed = printedJson;

async function withDatabase<T>(fn: (database: Database) => Promise<T>): Promise<T> {
  const database = createDb({ dataDir });
  await database.migrate();
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

test('a partner and a key made with the CLI work against an app on the same data folder, until the key is revoked', async () => {
  const partner = await recoup('partners:create', '--name', 'Club Software BV', '--ip-allow', '127.0.0.1/32');
  expect(partner.code).toBe(0);
  const p = printed<{ id: string; name: string; ip_allow_list: string[] }>(partner.stdout);
  expect(p).toEqual({ id: expect.stringMatching(/^prt_/), name: 'Club Software BV', ip_allow_list: ['127.0.0.1/32'] });

  const key = await recoup('keys:create', '--role', 'partner', '--partner', p.id);
  expect(key.code).toBe(0);
  const k = printed<{ id: string; role: string; partner_id: string; secret: string }>(key.stdout);
  expect(k).toEqual({ id: expect.stringMatching(/^key_/), role: 'partner', partner_id: p.id, secret: expect.stringMatching(/^rk_partner_/) });

  await withDatabase(async ({ db }) => {
    expect(await findPrincipal(db, k.secret)).toEqual({ role: 'partner', partnerId: p.id, keyId: k.id, ipAllowList: ['127.0.0.1/32'] });
    // The printed secret is accepted over HTTP by an app on this database (these routes never reach Temporal).
    const temporal = new Client();
    const app = createApp({
      db,
      temporal,
      config: parseConfig({ RECOUP_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
      logger: silentLogger,
    });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`;
      const headers = { authorization: `Bearer ${k.secret}`, 'content-type': 'application/json' };
      const created = await fetch(`${base}/companies`, { method: 'POST', headers, body: JSON.stringify({ name: 'HC Groen-Wit', country: 'NL' }) });
      expect(created.status).toBe(201);
      const list = await fetch(`${base}/companies`, { headers });
      expect(((await list.json()) as { data: Array<{ name: string }> }).data.map((c) => c.name)).toEqual(['HC Groen-Wit']);
      expect((await fetch(`${base}/companies`, { headers: { authorization: 'Bearer rk_partner_wrong' } })).status).toBe(401);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await temporal.connection.close();
    }
  });

  const revoked = await recoup('keys:revoke', '--key', k.id);
  expect(revoked.code).toBe(0);
  expect(revoked.stdout).toContain(`revoked ${k.id}`);
  await withDatabase(async ({ db }) => {
    expect(await findPrincipal(db, k.secret)).toBeNull();
  });
  expect((await recoup('keys:revoke', '--key', k.id)).code).toBe(1);
}, 180_000);

test.each([
  ['a partner key without --partner', ['keys:create', '--role', 'partner']],
  ['an unknown role', ['keys:create', '--role', 'admin']],
  ['partners:create without --name', ['partners:create']],
  ['an unknown command', ['partners:delete']],
])('%s prints the usage and exits 2', async (_name, args) => {
  const res = await recoup(...args);
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('Usage: npm run recoup');
}, 60_000);
