import { and, eq } from 'drizzle-orm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'ssh2';
import { generateEd25519KeyPair } from '../../files/ssh-keys';
import { signInAudit } from '../../db/schema';
import { startSftpServer, type SftpServer } from '../../files/sftp-server';
import { createPartner } from '../../services/api-keys';
import { createConsoleUser } from '../../services/console-users';
import { HashPool, passwordHashPool } from '../../services/password-hashing';
import { createSftpCredential } from '../../services/sftp-credentials';
import { SignInThrottle } from '../../services/sign-in-throttle';
import { ConsoleClient } from '../console/browser-session';
import { silentLogger } from '../support/logger';
import { startStack, type Stack } from '../support/stack';

/**
 * Item 6 of issue 13: password guessing is throttled per account and per source address (back-off,
 * then a 15-minute lock, audited), and password hashing runs in a bounded pool. Source addresses
 * come from `X-Forwarded-For`, which the app trusts from loopback (as behind a reverse proxy); all
 * traffic goes to 127.0.0.1.
 */
let stack: Stack;
let sftp: SftpServer;
let sftpRoot: string;
const USER = { email: 'locked-out@recoup.test', password: 'the right long password' };
const OTHER = { email: 'bystander@recoup.test', password: 'another right password' };
const SFTP_PASSWORD = 'a long sftp password for club-x';

beforeAll(async () => {
  stack = await startStack();
  await createConsoleUser(stack.database.db, { ...USER, role: 'reviewer' });
  await createConsoleUser(stack.database.db, { ...OTHER, role: 'ops' });
  const partner = await createPartner(stack.database.db, { name: 'SFTP partner' });
  await createSftpCredential(stack.database.db, { partnerId: partner.id, username: 'club-x', password: SFTP_PASSWORD });
  sftpRoot = mkdtempSync(path.join(tmpdir(), 'recoup-bruteforce-sftp-'));
  sftp = await startSftpServer({ db: stack.database.db, root: sftpRoot, port: 0, host: '127.0.0.1', hostKeys: [generateEd25519KeyPair().private], logger: silentLogger });
}, 120_000);

afterAll(async () => {
  await sftp?.close();
  await stack?.close();
  rmSync(sftpRoot, { recursive: true, force: true });
});

const from = (address: string) => new ConsoleClient(stack.baseUrl, { 'x-forwarded-for': address });

async function audit(kind: string, account: string) {
  return stack.database.db.select().from(signInAudit).where(and(eq(signInAudit.kind, kind), eq(signInAudit.account, account))).orderBy(signInAudit.id);
}

test('ten wrong console passwords lock the account for 15 minutes: even the right password, from anywhere, is refused (429, Retry-After) and the lock is audited', async () => {
  const attacker = from('192.0.2.10');
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) statuses.push((await attacker.signIn(USER.email, `wrong guess ${i}`)).status);
  // Three free tries, then back-off: quick guesses are refused without being checked.
  expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
  expect(statuses[4]).toBe(429);

  for (const address of ['192.0.2.10', '198.51.100.20']) {
    const owner = await from(address).signIn(USER.email, USER.password);
    expect(owner.status).toBe(429);
    expect(Number(owner.retryAfter)).toBeGreaterThan(14 * 60);
    expect(owner.html).toContain('Too many sign-in attempts');
    expect(owner.setCookies.some((c) => c.startsWith('recoup_console='))).toBe(false);
  }

  const rows = await audit('console', USER.email);
  const refusedAt = statuses.filter((s) => s === 429).map(() => '192.0.2.10');
  expect(rows.filter((r) => r.outcome === 'failed')).toHaveLength(statuses.filter((s) => s === 401).length);
  expect(rows.find((r) => r.outcome === 'locked')).toMatchObject({ account: USER.email, address: '192.0.2.10', detail: 'account' });
  expect(rows.filter((r) => r.outcome === 'refused').map((r) => r.address)).toEqual([...refusedAt, '192.0.2.10', '198.51.100.20']);
  expect(rows.some((r) => r.outcome === 'succeeded')).toBe(false);
});

test('an unknown email is locked exactly like a known one, so a lock does not tell which accounts exist', async () => {
  const attacker = from('192.0.2.11');
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) statuses.push((await attacker.signIn('nobody-here@recoup.test', `guess ${i}`)).status);
  expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 429]);
  const last = await attacker.signIn('nobody-here@recoup.test', 'guess 11');
  expect(last.status).toBe(429);
  expect(Number(last.retryAfter)).toBeGreaterThan(14 * 60);
  expect(last.html).toContain('Too many sign-in attempts');
});

test('one address guessing across many accounts is throttled for every account, while other addresses still sign in', async () => {
  const attacker = from('203.0.113.30');
  let attempts = 0;
  let status = 401;
  while (status === 401 && attempts < 40) status = (await attacker.signIn(`victim-${attempts++}@recoup.test`, 'Password123!')).status;
  // Each email was tried once: only the address can have stopped it, after its free attempts.
  expect(status).toBe(429);
  expect(attempts).toBeGreaterThanOrEqual(22);

  expect((await attacker.signIn(OTHER.email, OTHER.password)).status).toBe(429);
  expect(await from('203.0.113.31').signIn(OTHER.email, OTHER.password)).toMatchObject({ status: 303, location: '/console' });
  const refused = await stack.database.db.select().from(signInAudit).where(and(eq(signInAudit.address, '203.0.113.30'), eq(signInAudit.outcome, 'refused')));
  expect(refused.map((r) => [r.account, r.detail])).toContainEqual([OTHER.email, 'address']);
});

test('after the lock ends the right password opens again, and a success starts the account afresh', async () => {
  let now = new Date('2026-06-01T10:00:00Z');
  const throttle = new SignInThrottle(stack.database.db, silentLogger, undefined, () => now);
  const attempt = { kind: 'console' as const, account: 'clocked@recoup.test', address: '192.0.2.50' };
  const wrong = async () => null;
  const right = async () => 'user';
  for (let i = 0; i < 10; i++) await throttle.attempt(attempt, wrong);
  expect(await throttle.attempt(attempt, right)).toMatchObject({ ok: false, reason: 'throttled' });
  now = new Date(now.getTime() + 14 * 60_000);
  expect(await throttle.attempt(attempt, right)).toMatchObject({ ok: false, reason: 'throttled' });
  // Left alone for 15 minutes after its last attempt, the account is forgotten.
  now = new Date(now.getTime() + 16 * 60_000);
  expect(await throttle.attempt(attempt, right)).toEqual({ ok: true, value: 'user' });
  expect(await throttle.attempt(attempt, wrong)).toEqual({ ok: false, reason: 'failed' });
});

function sftpSignIn(password: string): Promise<'signed in' | 'refused'> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    conn
      .on('ready', () => {
        conn.end();
        resolve('signed in');
      })
      .on('error', (err: Error & { level?: string }) => (err.level === 'client-authentication' ? resolve('refused') : reject(err)))
      .connect({ host: '127.0.0.1', port: sftp.port, username: 'club-x', password, tryKeyboard: false, readyTimeout: 20_000 });
  });
}

test('an SFTP login with ten wrong passwords is refused even with the right password while locked, and the lock is audited', async () => {
  expect(await sftpSignIn(SFTP_PASSWORD)).toBe('signed in');
  for (let i = 0; i < 10; i++) expect(await sftpSignIn(`wrong sftp password ${i}`)).toBe('refused');
  expect(await sftpSignIn(SFTP_PASSWORD)).toBe('refused');
  const rows = await audit('sftp', 'club-x');
  expect(rows.find((r) => r.outcome === 'locked')).toMatchObject({ address: '127.0.0.1', detail: 'account' });
  expect(rows.at(-1)).toMatchObject({ outcome: 'refused', address: '127.0.0.1' });
});

test('the hash pool never runs more than its limit at once and turns away what its queue cannot hold', async () => {
  const pool = new HashPool(2, 5);
  let running = 0;
  let most = 0;
  const task = () =>
    pool.run(async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
    });
  const results = await Promise.allSettled(Array.from({ length: 10 }, task));
  expect(most).toBe(2);
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
  expect(results.filter((r) => r.status === 'rejected')).toHaveLength(3);
});

test('during a flood of wrong console sign-ins from many addresses, hashes stay within the pool and a cheap request still answers', async () => {
  passwordHashPool.peakActive = 0;
  let pending = 0;
  const flood = Array.from({ length: 90 }, (_, i) => {
    pending++;
    return from(`198.18.${Math.floor(i / 200)}.${i % 200}`)
      .signIn(`flood-${i}@recoup.test`, 'wrong password')
      .finally(() => pending--);
  });
  await new Promise((r) => setTimeout(r, 200));
  const cheap = await fetch(`${stack.baseUrl}/healthz`);
  expect(cheap.status).toBe(200);
  expect(pending).toBeGreaterThan(0);
  const statuses = await Promise.all(flood.map((p) => p.then((r) => r.status)));
  expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
  expect(passwordHashPool.peakActive).toBeGreaterThan(0);
  expect(passwordHashPool.peakActive).toBeLessThanOrEqual(passwordHashPool.concurrency);
}, 60_000);
