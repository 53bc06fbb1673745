import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { createApp } from '../../api/app';
import { parseConfig } from '../../config/config';
import { createDb, type Database } from '../../db/client';
import { LOCK_FILE } from '../../db/data-folder-lock';
import { findPrincipal } from '../../services/api-keys';
import { authenticateConsoleUser } from '../../services/console-users';
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

describe('help and usage errors (issue 15, item 7)', () => {
  test('--help prints a one-line description and every command on stdout, exit 0', async () => {
    const res = await recoup('--help');
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout.split('\n')[0]).toMatch(/^recoup: ops tasks from the shell/);
    for (const command of ['partners:create', 'partners:list', 'keys:create', 'keys:revoke', 'users:create', 'users:list', 'users:revoke', 'sftp:create', 'secrets:rotate', 'files:generate-placement']) {
      expect(res.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  }, 60_000);

  test.each([
    [['keys:create', '--help'], 'Usage: npm run recoup -- keys:create --role partner|reviewer|ops [--partner <partner id>]'],
    [['help', 'users:revoke'], 'Usage: npm run recoup -- users:revoke [--email <email>] [--id <user id>]'],
    [['files:generate-placement', '-h'], 'Usage: npm run recoup -- files:generate-placement --company <company id> --records <n> --out <file>'],
  ])('%j prints that command\'s usage and options on stdout, exit 0', async (args, usage) => {
    const res = await recoup(...args);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toContain(usage);
    expect(res.stdout).toContain('Options:');
  }, 60_000);

  test.each([
    ['an unknown command', ['partners:remove'], 'unknown command "partners:remove"'],
    ['no command at all', [], 'Usage: npm run recoup -- <command> [options]'],
    ['a missing flag', ['users:create', '--email', 'a@example.org', '--role', 'ops'], 'users:create: missing --password <password>'],
    ['a flag the command does not know', ['users:list', '--all'], "users:list: Unknown option '--all'"],
    ['a flag without its value', ['keys:revoke', '--key'], "keys:revoke: Option '--key <value>' argument missing"],
    ['a value outside the choices', ['users:create', '--email', 'a@example.org', '--role', 'admin', '--password', '0123456789'], 'users:create: --role must be one of reviewer, agent, ops (got "admin")'],
    ['neither of two alternatives', ['users:revoke'], 'users:revoke: missing --email <email> or --id <user id>'],
    ['a reviewer without the partner they work for', ['users:create', '--email', 'a@example.org', '--role', 'reviewer', '--password', '0123456789'], 'users:create: a reviewer works for one partner: --partner <partner id> is required'],
    ['an ops user bound to a partner', ['users:create', '--email', 'a@example.org', '--role', 'ops', '--password', '0123456789', '--partner', 'prt_x'], 'users:create: ops users are global: no --partner'],
  ])('%s: a message saying so on stderr, nothing on stdout, exit 2', async (_name, args, message) => {
    const res = await recoup(...args);
    expect(res).toMatchObject({ code: 2, stdout: '' });
    expect(res.stderr).toContain(message);
  }, 60_000);
});

test('console users made, listed, bound and revoked with the CLI; a reviewer works for one partner; a revoked user can no longer sign in', async () => {
  const partner = printed<{ id: string }>((await recoup('partners:create', '--name', 'Reviewed Partner')).stdout);
  const other = printed<{ id: string }>((await recoup('partners:create', '--name', 'Other Partner')).stdout);
  const unknown = await recoup('users:create', '--email', 'Reviewer@Example.org', '--role', 'reviewer', '--password', 'a long enough password', '--partner', 'prt_nobody');
  expect(unknown).toMatchObject({ code: 1 });
  expect(unknown.stderr).toContain('no partner prt_nobody');
  const made = await recoup('users:create', '--email', 'Reviewer@Example.org', '--role', 'reviewer', '--password', 'a long enough password', '--partner', partner.id);
  expect(made.code).toBe(0);
  const user = printed<{ id: string; email: string; role: string }>(made.stdout);
  expect(user).toEqual({ id: expect.stringMatching(/^usr_/), email: 'reviewer@example.org', role: 'reviewer', partner_id: partner.id });
  const again = await recoup('users:create', '--email', 'reviewer@example.org', '--role', 'ops', '--password', 'a long enough password');
  expect(again).toMatchObject({ code: 1 });
  expect(again.stderr).toContain('a console user with email reviewer@example.org exists already');

  const bound = await recoup('users:bind', '--email', 'reviewer@example.org', '--partner', other.id);
  expect(bound.code).toBe(0);
  const listed = await recoup('users:list');
  expect(listed.code).toBe(0);
  expect(listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([{ id: user.id, email: 'reviewer@example.org', role: 'reviewer', partner_id: other.id, created_at: expect.any(String) }]);
  expect(listed.stdout).not.toContain('password');

  await withDatabase(async ({ db }) => {
    expect(await authenticateConsoleUser(db, 'reviewer@example.org', 'a long enough password')).toMatchObject({ id: user.id });
  });
  const revoked = await recoup('users:revoke', '--id', user.id);
  expect(revoked).toMatchObject({ code: 0, stdout: `revoked reviewer@example.org (${user.id})\n` });
  await withDatabase(async ({ db }) => {
    expect(await authenticateConsoleUser(db, 'reviewer@example.org', 'a long enough password')).toBeNull();
  });
  expect((await recoup('users:list')).stdout).toBe('');
  expect((await recoup('users:revoke', '--email', 'reviewer@example.org')).code).toBe(1);
}, 180_000);

test('partners:list prints each partner as a JSON line, the id keys:create needs', async () => {
  const made = printed<{ id: string }>((await recoup('partners:create', '--name', 'Listed Partner')).stdout);
  const listed = await recoup('partners:list');
  expect(listed.code).toBe(0);
  const rows = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; name: string });
  expect(rows).toContainEqual({ id: made.id, name: 'Listed Partner', ip_allow_list: [], created_at: expect.any(String) });
}, 120_000);

test.each([
  ['npm run api', 'is in use by pid', 'That process takes no commands'],
  ['npm start', 'is held by pid', 'which is still starting: run this again once it has printed "Recoup is running."'],
])('while %s holds the embedded database without taking commands, the CLI leaves it alone and says so, exit 1', async (command, held, says) => {
  // A live holder (this test's own process) that offers no admin channel.
  const lock = path.join(dataDir, LOCK_FILE);
  writeFileSync(lock, JSON.stringify({ pid: process.pid, command, started_at: '2026-12-01T09:00:00.000Z' }), { mode: 0o600 });
  try {
    const res = await recoup('users:list');
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(res.stderr).toContain(`${held} ${process.pid} (${command}, since 2026-12-01T09:00:00.000Z)`);
    expect(res.stderr).toContain(says);
  } finally {
    rmSync(lock);
  }
}, 60_000);
