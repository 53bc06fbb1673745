import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'ssh2';
import { generateEd25519KeyPair } from '../../files/ssh-keys';
import { startSftpServer, type SftpServer } from '../../files/sftp-server';
import { silentLogger } from '../support/logger';
import { OPS_KEY, startStack, type Stack } from '../support/stack';

/**
 * Ops manage partners' SFTP logins over the API (as the CLI does): a login made here signs in to a
 * real SFTP server on the same database, its password is shown once, and revoking it shuts it out.
 */
let stack: Stack;
let sftp: SftpServer;
let root: string;
let partner: Awaited<ReturnType<Stack['newPartner']>>;

beforeAll(async () => {
  stack = await startStack();
  partner = await stack.newPartner('Files Club');
  root = mkdtempSync(path.join(tmpdir(), 'recoup-sftp-api-'));
  sftp = await startSftpServer({ db: stack.database.db, root, port: 0, host: '127.0.0.1', hostKeys: [generateEd25519KeyPair().private], logger: silentLogger, revocationCheckMs: 250 });
}, 120_000);

afterAll(async () => {
  await sftp?.close();
  await stack?.close();
  rmSync(root, { recursive: true, force: true });
});

/** Signs in with a password; resolves true when the server lets the client in. */
function signsIn(username: string, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = new Client();
    conn
      .on('ready', () => {
        conn.end();
        resolve(true);
      })
      .on('error', () => resolve(false))
      .connect({ host: '127.0.0.1', port: sftp.port, username, password, readyTimeout: 20_000 });
  });
}

const create = (body: unknown, key = OPS_KEY, partnerId = partner.partnerId) => stack.request('POST', `/api/v2/partners/${partnerId}/sftp_logins`, { key, body });

test('a login made over the API signs in with the password shown once; listed without it; revoked, it is refused', async () => {
  const made = await create({ username: 'Club-Host' });
  expect(made.status).toBe(201);
  expect(made.body).toMatchObject({ id: expect.stringMatching(/^sftp_/), partner_id: partner.partnerId, username: 'club-host', public_keys: [], password: expect.any(String) });
  const password: string = made.body.password;
  expect(password.length).toBeGreaterThanOrEqual(20);
  expect(await signsIn('club-host', password)).toBe(true);

  const listed = await stack.request('GET', `/api/v2/partners/${partner.partnerId}/sftp_logins`, { key: OPS_KEY });
  expect(listed.body.data).toEqual([{ id: made.body.id, partner_id: partner.partnerId, username: 'club-host', has_password: true, public_keys: [], created_at: expect.any(String), revoked_at: null }]);
  expect(JSON.stringify(listed.body)).not.toContain(password);

  const taken = await create({ username: 'club-host', password: 'another long password' });
  expect([taken.status, taken.body.error.code, taken.body.error.details[0].path]).toEqual([409, 'username_taken', 'username']);

  expect((await stack.request('DELETE', `/api/v2/sftp_logins/${made.body.id}`, { key: OPS_KEY })).status).toBe(204);
  expect(await signsIn('club-host', password)).toBe(false);
  expect((await stack.request('DELETE', `/api/v2/sftp_logins/${made.body.id}`, { key: OPS_KEY })).status).toBe(404);
  const after = await stack.request('GET', `/api/v2/partners/${partner.partnerId}/sftp_logins`, { key: OPS_KEY });
  expect(after.body.data[0].revoked_at).toEqual(expect.any(String));
  // The name is free again once revoked.
  expect((await create({ username: 'club-host', public_keys: [generateEd25519KeyPair().public] })).body).toMatchObject({ username: 'club-host', password: null });
});

test.each<[string, unknown, number, string]>([
  ['a username with a space', { username: 'club host' }, 400, 'username'],
  ['a one-letter username', { username: 'c' }, 400, 'username'],
  ['a short password', { username: 'club-short', password: 'short' }, 400, 'password'],
  ['a private key as a public key', { username: 'club-key', public_keys: [generateEd25519KeyPair().private] }, 422, 'public_keys'],
  ['text that is no key', { username: 'club-key2', public_keys: ['ssh-ed25519 not-a-key'] }, 422, 'public_keys'],
])('%s is refused with the field, and no login is made', async (_name, body, status, field) => {
  const res = await create(body);
  expect([res.status, res.body.error.details[0].path]).toEqual([status, field]);
  const listed = await stack.request('GET', `/api/v2/partners/${partner.partnerId}/sftp_logins`, { key: OPS_KEY });
  expect(listed.body.data.map((l: { username: string }) => l.username)).not.toContain((body as { username: string }).username);
});

test('partners cannot manage logins; an unknown partner is a 404', async () => {
  expect((await create({ username: 'sneaky' }, partner.key)).status).toBe(403);
  expect((await stack.request('GET', `/api/v2/partners/${partner.partnerId}/sftp_logins`, { key: partner.key })).status).toBe(403);
  expect((await create({ username: 'nobodys' }, OPS_KEY, 'prt_unknown')).status).toBe(404);
  expect((await stack.request('GET', '/api/v2/partners/prt_unknown/sftp_logins', { key: OPS_KEY })).status).toBe(404);
});
