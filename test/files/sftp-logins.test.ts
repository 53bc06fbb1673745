import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, type ConnectConfig } from 'ssh2';
import { generateEd25519KeyPair } from '../../files/ssh-keys';
import { ensureDemoData, ensureDemoSftpLogin } from '../../bootstrap/demo-data';
import { createDb, type Database } from '../../db/client';
import { sftpCredentials } from '../../db/schema';
import { loadOrCreateSftpHostKey, startSftpServer } from '../../files/sftp-server';
import { createPartner } from '../../services/api-keys';
import { createSftpCredential, SftpCredentialError } from '../../services/sftp-credentials';
import { printedJson, runRecoupCli } from '../support/cli';
import { silentLogger } from '../support/logger';

/**
 * SFTP logins as operators make them (`npm run recoup -- sftp:…`, a child process) against a
 * temporary data folder, then used by a real ssh2 client; the host key made once is the same
 * after a restart. The embedded database is one process's at a time: the test opens it only
 * between CLI runs.
 */
let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'recoup-sftp-cli-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function recoup(...args: string[]) {
  // Generous: each run migrates the embedded database, slow on a loaded machine.
  return runRecoupCli(dataDir, args, 300_000);
}

const printed = printedJson;

/** Runs an SFTP server on the data folder's database and host key while `fn` runs. */
async function withServer<T>(fn: (port: number, database: Database) => Promise<T>): Promise<T> {
  const database = createDb({ dataDir });
  await database.migrate();
  const server = await startSftpServer({
    db: database.db,
    root: path.join(dataDir, 'files'),
    port: 0,
    host: '127.0.0.1',
    hostKeys: [loadOrCreateSftpHostKey({ dataDir })],
    logger: silentLogger,
  });
  try {
    return await fn(server.port, database);
  } finally {
    await server.close();
    await database.close();
  }
}

/** Signs in and lists `/`; answers the names and the host key the server showed. */
function signIn(port: number, login: Pick<ConnectConfig, 'username' | 'password' | 'privateKey'>): Promise<{ names: string[]; hostKey: string }> {
  return new Promise((resolve, reject) => {
    let hostKey = '';
    const conn = new Client();
    conn
      .on('ready', () =>
        conn.sftp((err, sftp) => {
          if (err) return reject(err);
          sftp.readdir('/', (e, list) => {
            conn.end();
            if (e) reject(e);
            else resolve({ names: list.map((l) => l.filename).sort(), hostKey });
          });
        }),
      )
      .on('error', reject)
      .connect({
        host: '127.0.0.1',
        port,
        ...login,
        hostVerifier: (key: Buffer) => {
          hostKey = key.toString('base64');
          return true;
        },
      });
  });
}

test('logins made with the CLI sign in by key and by generated password, until revoked; the host key survives a restart', async () => {
  const partner = await withServer((_port, database) => createPartner(database.db, { name: 'Club Software BV' }));
  const key = generateEd25519KeyPair('host@club');
  const keyFile = path.join(dataDir, 'club.pub');
  writeFileSync(keyFile, `# the billing host\n${key.public}\n`);

  const byKey = await recoup('sftp:create', '--partner', partner.id, '--username', 'Club-Host', '--public-key', keyFile);
  if (byKey.code !== 0) throw new Error(`sftp:create exited ${byKey.code}: ${byKey.stderr}`);
  expect(printed(byKey.stdout)).toMatchObject({ username: 'club-host', partner_id: partner.id, password: null, public_keys: [key.public.trim()] });
  const byPassword = await recoup('sftp:create', '--partner', partner.id, '--username', 'club-ops');
  const generated = printed<{ password: string }>(byPassword.stdout).password;
  expect(generated.length).toBeGreaterThanOrEqual(16);


  const first = await withServer(async (port) => ({
    key: await signIn(port, { username: 'club-host', privateKey: key.private }),
    password: await signIn(port, { username: 'club-ops', password: generated }),
  }));
  expect(first.key.names).toEqual(['inbox', 'outbox', 'processed']);
  expect(first.password.names).toEqual(['inbox', 'outbox', 'processed']);

  expect(await recoup('sftp:revoke', '--username', 'club-ops')).toMatchObject({ code: 0, stdout: expect.stringContaining('revoked club-ops') });

  await withServer(async (port) => {
    await expect(signIn(port, { username: 'club-ops', password: generated })).rejects.toMatchObject({ level: 'client-authentication' });
    const again = await signIn(port, { username: 'club-host', privateKey: key.private });
    expect(again.hostKey).toBe(first.key.hostKey);
  });
  expect(readFileSync(path.join(dataDir, 'sftp_host_ed25519_key'), 'utf8')).toContain('OPENSSH PRIVATE KEY');
}, 900_000);

describe('logins refused', () => {
  let database: Database;
  let partnerId: string;
  beforeAll(async () => {
    database = createDb({ dataDir: 'memory://' });
    await database.migrate();
    partnerId = (await createPartner(database.db, { name: 'P' })).id;
    await createSftpCredential(database.db, { partnerId, username: 'club-1', password: 'a long enough password' });
  }, 300_000);
  afterAll(async () => {
    await database?.close();
  });

  test.each([
    ['a username taken', { username: 'Club-1', password: 'another long password' }, 'the username club-1 is taken'],
    ['a short password', { username: 'club-2', password: 'short' }, 'the password must have at least 12 characters'],
    ['a private key', { username: 'club-3', publicKeys: [generateEd25519KeyPair().private] }, 'a private key; give the public key (.pub)'],
    ['something else as a key', { username: 'club-4', publicKeys: ['ssh-ed25519 not-base64'] }, 'line 1: not an OpenSSH public key'],
    ['a username with a slash', { username: '../club', password: 'a long enough password' }, expect.stringContaining('the username must be')],
    ['an unknown partner', { partnerId: 'prt_nope', username: 'club-5' }, 'no partner prt_nope'],
  ])('a login with %s is refused, nothing stored', async (_name, input, message) => {
    const error = await createSftpCredential(database.db, { partnerId, ...input }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SftpCredentialError);
    expect(error).toMatchObject({ message });
    expect((await database.db.select({ username: sftpCredentials.username }).from(sftpCredentials)).map((r) => r.username)).toEqual(['club-1']);
  });
});

test('the demo partner gets one SFTP login, kept with the demo key', async () => {
  const demoDir = mkdtempSync(path.join(tmpdir(), 'recoup-sftp-demo-'));
  const database = createDb({ dataDir: 'memory://' });
  await database.migrate();
  try {
    await ensureDemoData(database.db, demoDir);
    const login = await ensureDemoSftpLogin(database.db, demoDir);
    expect(login).toMatchObject({ username: 'demo' });
    expect(await ensureDemoSftpLogin(database.db, demoDir)).toEqual(login);
    expect(JSON.parse(readFileSync(path.join(demoDir, 'demo.json'), 'utf8'))).toMatchObject({ sftp: login });
    const server = await startSftpServer({
      db: database.db,
      root: path.join(demoDir, 'files'),
      port: 0,
      host: '127.0.0.1',
      hostKeys: [loadOrCreateSftpHostKey({ dataDir: demoDir })],
      logger: silentLogger,
    });
    try {
      expect((await signIn(server.port, { username: 'demo', password: login!.password })).names).toEqual(['inbox', 'outbox', 'processed']);
    } finally {
      await server.close();
    }
  } finally {
    await database.close();
    rmSync(demoDir, { recursive: true, force: true });
  }
}, 300_000);

