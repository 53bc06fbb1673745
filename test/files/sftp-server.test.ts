import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { generateEd25519KeyPair } from '../../files/ssh-keys';
import type { Database } from '../../db/client';
import { startSftpServer, type SftpServer } from '../../files/sftp-server';
import { createPartner } from '../../services/api-keys';
import { createSftpCredential, revokeSftpCredential } from '../../services/sftp-credentials';
import { createTestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { silentLogger } from '../support/logger';

/**
 * The SFTP server over loopback with the real ssh2 client (and OpenSSH's `sftp` when installed):
 * sign-in by password and key, uploads reported once complete, and each partner shut in its folder.
 */
let database: Database;
let server: SftpServer;
let root: string;
let work: string;
let partnerA: string;
let partnerB: string;
const uploads: { partnerId: string; file: string }[] = [];
const KEY_A = generateEd25519KeyPair();
const OTHER_KEY = generateEd25519KeyPair();
const PASSWORD_A = 'a long partner A password';
const PASSWORD_B = 'a long partner B password';

beforeAll(async () => {
  database = await createTestDatabase();
  root = mkdtempSync(path.join(tmpdir(), 'recoup-sftp-root-'));
  work = mkdtempSync(path.join(tmpdir(), 'recoup-sftp-work-'));
  partnerA = (await createPartner(database.db, { name: 'Partner A' })).id;
  partnerB = (await createPartner(database.db, { name: 'Partner B' })).id;
  await createSftpCredential(database.db, { partnerId: partnerA, username: 'club-a', password: PASSWORD_A });
  await createSftpCredential(database.db, { partnerId: partnerA, username: 'club-a-host', publicKeys: [KEY_A.public] });
  await createSftpCredential(database.db, { partnerId: partnerB, username: 'club-b', password: PASSWORD_B });
  await createSftpCredential(database.db, { partnerId: partnerB, username: 'club-b-old', password: PASSWORD_B });
  await revokeSftpCredential(database.db, { username: 'club-b-old' });
  server = await startSftpServer({
    db: database.db,
    root,
    port: 0,
    host: '127.0.0.1',
    hostKeys: [generateEd25519KeyPair().private],
    logger: silentLogger,
    onUploadComplete: (partnerId, file) => {
      uploads.push({ partnerId, file });
    },
    revocationCheckMs: 250,
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await database?.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  uploads.length = 0;
});

interface Session {
  sftp: SFTPWrapper;
  end(): void;
  /** Resolves when the connection is gone, whichever side ended it. */
  closed: Promise<void>;
}

function connect(login: Pick<ConnectConfig, 'username' | 'password' | 'privateKey'>): Promise<Session> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    const closed = new Promise<void>((resolveClosed) => conn.once('close', () => resolveClosed()));
    conn
      .on('ready', () =>
        conn.sftp((err, sftp) => {
          if (err) reject(err);
          else resolve({ sftp, end: () => conn.end(), closed });
        }),
      )
      .on('error', reject)
      .connect({ host: '127.0.0.1', port: server.port, ...login, readyTimeout: 20_000 });
  });
}

/** Runs one callback-style SFTP call. */
function call<T = void>(fn: (cb: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));
}

/** The SFTP status code of a refused call (2 no such file, 3 permission denied, 4 failure). */
async function refusal(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (err) {
    return (err as { code: number }).code;
  }
  throw new Error('the call was not refused');
}

const localFile = (name: string, content: string | Buffer) => {
  const file = path.join(work, name);
  writeFileSync(file, content);
  return file;
};
const partnerFile = (partnerId: string, ...parts: string[]) => path.join(root, partnerId, ...parts);

async function withSession<T>(login: Parameters<typeof connect>[0], fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
  const session = await connect(login);
  try {
    return await fn(session.sftp);
  } finally {
    session.end();
  }
}
const asA = <T>(fn: (sftp: SFTPWrapper) => Promise<T>) => withSession({ username: 'club-a', password: PASSWORD_A }, fn);

test('a file uploaded with a password lands in the partner inbox and is reported once, when complete', async () => {
  const content = randomBytes(300_000); // several write requests
  await asA(async (sftp) => {
    await call((cb) => sftp.fastPut(localFile('batch-1.csv', content), '/inbox/batch-1.csv', cb));
  });
  const landed = partnerFile(partnerA, 'inbox', 'batch-1.csv');
  expect(readFileSync(landed).equals(content)).toBe(true);
  await eventually(async () => expect(uploads).toEqual([{ partnerId: partnerA, file: landed }]));
});

test('a slow upload is reported only after its last write and the close', async () => {
  await asA(async (sftp) => {
    const handle = await call<Buffer>((cb) => sftp.open('inbox/slow.csv', 'w', cb));
    await call((cb) => sftp.write(handle, Buffer.from('invoice_number;amount\n'), 0, 22, 0, cb));
    await call((cb) => sftp.write(handle, Buffer.from('2027-001;12000\n'), 0, 15, 22, cb));
    expect(uploads).toEqual([]);
    await call((cb) => sftp.close(handle, cb));
  });
  const landed = partnerFile(partnerA, 'inbox', 'slow.csv');
  await eventually(async () => expect(uploads).toEqual([{ partnerId: partnerA, file: landed }]));
  expect(readFileSync(landed, 'utf8')).toBe('invoice_number;amount\n2027-001;12000\n');
});

test('an upload to a .part name is reported once, when it is renamed to its final name', async () => {
  await asA(async (sftp) => {
    await call((cb) => sftp.fastPut(localFile('batch-2.csv', 'a;b\n'), '/inbox/batch-2.csv.part', cb));
    expect(uploads).toEqual([]);
    await call((cb) => sftp.rename('/inbox/batch-2.csv.part', '/inbox/batch-2.csv', cb));
  });
  await eventually(async () => expect(uploads).toEqual([{ partnerId: partnerA, file: partnerFile(partnerA, 'inbox', 'batch-2.csv') }]));
  expect(existsSync(partnerFile(partnerA, 'inbox', 'batch-2.csv.part'))).toBe(false);
});

test('a login with its public key works; another key is refused', async () => {
  await withSession({ username: 'club-a-host', privateKey: KEY_A.private }, async (sftp) => {
    await call((cb) => sftp.fastPut(localFile('by-key.csv', 'x\n'), '/inbox/by-key.csv', cb));
  });
  await eventually(async () => expect(uploads).toEqual([{ partnerId: partnerA, file: partnerFile(partnerA, 'inbox', 'by-key.csv') }]));
  await expect(connect({ username: 'club-a-host', privateKey: OTHER_KEY.private })).rejects.toMatchObject({ level: 'client-authentication' });
});

test.each([
  ['a wrong password', { username: 'club-a', password: 'not the password' }],
  ['another partner’s password', { username: 'club-a', password: PASSWORD_B }],
  ['an unknown user', { username: 'nobody', password: PASSWORD_A }],
  ['a revoked login', { username: 'club-b-old', password: PASSWORD_B }],
  ['a password for a key-only login', { username: 'club-a-host', password: PASSWORD_A }],
])('%s is refused', async (_name, login) => {
  await expect(connect(login)).rejects.toMatchObject({ level: 'client-authentication' });
});

test('revoking a login ends its open session: nothing more is written with it', async () => {
  const partnerC = (await createPartner(database.db, { name: 'Partner C' })).id;
  await createSftpCredential(database.db, { partnerId: partnerC, username: 'club-c-leaver', password: PASSWORD_B });
  const session = await connect({ username: 'club-c-leaver', password: PASSWORD_B });
  await call((cb) => session.sftp.fastPut(localFile('before-revoke.csv', 'a\n'), '/inbox/before-revoke.csv', cb));
  expect(existsSync(partnerFile(partnerC, 'inbox', 'before-revoke.csv'))).toBe(true);

  expect(await revokeSftpCredential(database.db, { username: 'club-c-leaver' })).toBe(true);
  // The server ends the connection: the session is not left to run on, and signing in again is refused.
  await session.closed;
  await expect(connect({ username: 'club-c-leaver', password: PASSWORD_B })).rejects.toMatchObject({ level: 'client-authentication' });
  // Other logins' sessions go on.
  await asA(async (sftp) => expect(await call<string>((cb) => sftp.realpath('.', cb))).toBe('/'));
});

test('the partner folder shows inbox, processed and outbox, and no one else’s folder', async () => {
  const names = await asA(async (sftp) => ({
    root: (await call<{ filename: string }[]>((cb) => sftp.readdir('/', cb))).map((e) => e.filename).sort(),
    above: (await call<{ filename: string }[]>((cb) => sftp.readdir('/../../', cb))).map((e) => e.filename).sort(),
    home: await call<string>((cb) => sftp.realpath('.', cb)),
  }));
  expect(names).toEqual({ root: ['inbox', 'outbox', 'processed'], above: ['inbox', 'outbox', 'processed'], home: '/' });
});

test('partner A cannot list, read or write partner B’s folder, not by .., absolute paths or a symlink', async () => {
  mkdirSync(partnerFile(partnerB, 'inbox'), { recursive: true });
  mkdirSync(partnerFile(partnerB, 'processed'), { recursive: true });
  writeFileSync(partnerFile(partnerB, 'processed', 'secret.result.json'), '{"b":true}');
  mkdirSync(partnerFile(partnerA, 'processed'), { recursive: true });
  // A symlink someone left in A's folder pointing at B's (and one at the root of the machine).
  symlinkSync(partnerFile(partnerB), partnerFile(partnerA, 'processed', 'to-b'));
  symlinkSync(partnerFile(partnerB, 'processed', 'secret.result.json'), partnerFile(partnerA, 'inbox', 'to-b-secret.json'));
  symlinkSync('/', partnerFile(partnerA, 'outbox', 'to-root'));

  const codes = await asA(async (sftp) => {
    const list = (p: string) => refusal(call((cb) => sftp.readdir(p, cb)));
    const get = (p: string) => refusal(call((cb) => sftp.fastGet(p, path.join(work, 'stolen'), cb)));
    const put = (p: string) => refusal(call((cb) => sftp.fastPut(localFile('evil.csv', 'x'), p, cb)));
    return {
      listUp: await list(`../${partnerB}/inbox`),
      listAbsolute: await list(`/../../${partnerB}/processed`),
      listSymlink: await list('/processed/to-b/processed'),
      listRootSymlink: await list('/outbox/to-root/etc'),
      getUp: await get(`/../${partnerB}/processed/secret.result.json`),
      getSymlink: await get('/processed/to-b/processed/secret.result.json'),
      getFileSymlink: await get('/inbox/to-b-secret.json'),
      putUp: await put(`../${partnerB}/inbox/evil.csv`),
      putSymlinkDir: await put('/processed/to-b/inbox/evil.csv'),
      putOverFileSymlink: await put('/inbox/to-b-secret.json'),
    };
  });
  expect(codes).toEqual({
    listUp: 2, // resolves to A's own /<B id>/inbox: no such folder
    listAbsolute: 2,
    listSymlink: 3,
    listRootSymlink: 3,
    getUp: 2,
    getSymlink: 3,
    getFileSymlink: 3,
    putUp: 2, // the same: no such folder in A’s own
    putSymlinkDir: 3,
    putOverFileSymlink: 3,
  });
  expect(readdirSync(partnerFile(partnerB, 'inbox'))).toEqual([]);
  expect(readFileSync(partnerFile(partnerB, 'processed', 'secret.result.json'), 'utf8')).toBe('{"b":true}');
  expect(existsSync(path.join(work, 'stolen')) && readFileSync(path.join(work, 'stolen'), 'utf8').includes('"b"')).toBe(false);
  expect(uploads).toEqual([]);
});

test('results are downloaded from processed/ and removed after; processed/ and outbox/ take no uploads', async () => {
  mkdirSync(partnerFile(partnerA, 'processed'), { recursive: true });
  writeFileSync(partnerFile(partnerA, 'processed', 'batch-0.result.json'), '{"accepted":2,"rejected":0}');
  const downloaded = path.join(work, 'batch-0.result.json');
  const refused = await asA(async (sftp) => {
    await call((cb) => sftp.fastGet('/processed/batch-0.result.json', downloaded, cb));
    await call((cb) => sftp.unlink('/processed/batch-0.result.json', cb));
    return {
      putProcessed: await refusal(call((cb) => sftp.fastPut(localFile('r.csv', 'x'), '/processed/r.csv', cb))),
      putOutbox: await refusal(call((cb) => sftp.fastPut(localFile('r.csv', 'x'), '/outbox/r.csv', cb))),
      putRoot: await refusal(call((cb) => sftp.fastPut(localFile('r.csv', 'x'), '/r.csv', cb))),
      mkdir: await refusal(call((cb) => sftp.mkdir('/inbox/sub', cb))),
      rmdir: await refusal(call((cb) => sftp.rmdir('/inbox', cb))),
      renameOut: await refusal(call((cb) => sftp.rename('/inbox/slow.csv', '/processed/slow.csv', cb))),
    };
  });
  expect(readFileSync(downloaded, 'utf8')).toBe('{"accepted":2,"rejected":0}');
  expect(existsSync(partnerFile(partnerA, 'processed', 'batch-0.result.json'))).toBe(false);
  expect(refused).toEqual({ putProcessed: 3, putOutbox: 3, putRoot: 3, mkdir: 3, rmdir: 3, renameOut: 3 });
  expect(readdirSync(partnerFile(partnerA, 'outbox'))).not.toContain('r.csv');
  expect(uploads).toEqual([]);
});

const openSshSftp = ['/usr/bin/sftp', '/usr/local/bin/sftp'].find((p) => existsSync(p));
(openSshSftp ? test : test.skip)('OpenSSH’s sftp client uploads, lists and downloads in batch mode', async () => {
  const keyFile = path.join(work, 'id_ed25519');
  writeFileSync(keyFile, KEY_A.private, { mode: 0o600 });
  writeFileSync(partnerFile(partnerA, 'processed', 'batch-9.result.json'), '{"accepted":1}');
  const batch = localFile(
    'commands.txt',
    [`put ${localFile('batch-9.csv', 'invoice_number;amount\n2027-009;5000\n')} /inbox/batch-9.csv`, 'ls -1 /', 'cd ../..', 'ls -1', `get /processed/batch-9.result.json ${path.join(work, 'got.json')}`].join('\n'),
  );
  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      openSshSftp!,
      ['-b', batch, '-P', String(server.port), '-i', keyFile, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-F', '/dev/null', 'club-a-host@127.0.0.1'],
      { timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    ),
  );
  expect(result).toMatchObject({ code: 0 });
  // `ls -1 /` names them from /, `ls -1` after `cd ../..` (still the partner's /) plainly.
  expect(result.stdout.match(/^\/?(inbox|outbox|processed)$/gm)).toEqual(['/inbox', '/outbox', '/processed', 'inbox', 'outbox', 'processed']);
  expect(readFileSync(partnerFile(partnerA, 'inbox', 'batch-9.csv'), 'utf8')).toBe('invoice_number;amount\n2027-009;5000\n');
  expect(readFileSync(path.join(work, 'got.json'), 'utf8')).toBe('{"accepted":1}');
  await eventually(async () => expect(uploads).toEqual([{ partnerId: partnerA, file: partnerFile(partnerA, 'inbox', 'batch-9.csv') }]));
});
