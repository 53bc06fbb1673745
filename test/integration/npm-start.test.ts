import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LOCK_FILE } from '../../db/data-folder-lock';
import { ConsoleClient } from '../console/browser-session';
import { printedJson, runRecoupCli } from '../support/cli';
import { freePort } from '../support/http';
import { startRecoup, type StartedRecoup } from '../support/npm-start';

/**
 * Issue 15, items 1 and 5: `npm start` as a newcomer runs it (a child process with the real
 * Temporal dev server and the embedded database in a temporary data folder), the ops CLI beside
 * it, and start-up failures that say what is wrong.
 */

const tmpDirs: string[] = [];
function dataFolder(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'recoup-start-'));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
});

/** The environment of one `npm start`: its own data folder and ports, so it never meets another test's. */
async function startEnv(dataDir: string): Promise<Record<string, string>> {
  return {
    RECOUP_DATA_DIR: dataDir,
    TEMPORAL_CLI: process.env.TEMPORAL_CLI_PATH!,
    PORT: String(await freePort()),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    RECOUP_SFTP_PORT: '0',
    RECOUP_INBOUND_SMTP_PORT: '0',
  };
}

describe('the ops CLI beside a running npm start', () => {
  let dataDir: string;
  let recoup: StartedRecoup;
  let api: string;
  let base: string;

  beforeAll(async () => {
    dataDir = dataFolder();
    const env = await startEnv(dataDir);
    const { started, ready } = startRecoup(env);
    recoup = started;
    if ((await ready) !== 'running') throw new Error(`npm start did not start:\n${recoup.stdout()}\n${recoup.stderr()}`);
    base = `http://127.0.0.1:${env.PORT}`;
    api = `${base}/api/v2`;
  }, 180_000);
  afterAll(async () => {
    await recoup?.stop();
  }, 60_000);

  const cli = (...args: string[]) => runRecoupCli(dataDir, args);

  test('the lock file names npm start, its pid and start time, and only its owner may read it', () => {
    const file = path.join(dataDir, LOCK_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: recoup.child.pid, command: 'npm start', started_at: expect.any(String), admin: { url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:/) } });
  });

  test('the banner names the inbound SMTP port, and the inbound mail server answers there', async () => {
    const port = Number(/Inbound SMTP: port (\d+), replies to \*@reply\.localhost/.exec(recoup.stdout())?.[1]);
    expect(port).toBeGreaterThan(0);
    const greeting = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('data', (chunk) => {
        socket.end();
        resolve(chunk.toString());
      });
      socket.once('error', reject);
    });
    expect(greeting).toMatch(/^220 /);
  });

  test('a key made with the CLI works against the running API at once, and a revoked one stops working at once', async () => {
    const partners = await cli('partners:list');
    expect(partners.code).toBe(0);
    const demo = printedJson<{ id: string; name: string }>(partners.stdout);
    expect(demo.name).toBe('Demo Partner');

    const made = await cli('keys:create', '--role', 'partner', '--partner', demo.id);
    expect(made.code).toBe(0);
    const key = printedJson<{ id: string; secret: string }>(made.stdout);
    const companies = await fetch(`${api}/companies`, { headers: { authorization: `Bearer ${key.secret}` } });
    expect(companies.status).toBe(200);
    expect(((await companies.json()) as { data: Array<{ name: string }> }).data.map((c) => c.name)).toEqual(['Demo Hockey Club']);

    expect((await cli('keys:revoke', '--key', key.id)).code).toBe(0);
    expect((await fetch(`${api}/companies`, { headers: { authorization: `Bearer ${key.secret}` } })).status).toBe(401);
  }, 120_000);

  test('a console user made with the CLI signs in at once, is listed, and is signed out when revoked', async () => {
    const made = await cli('users:create', '--email', 'Ops@Example.org', '--role', 'ops', '--password', 'correct horse battery');
    expect(made.code).toBe(0);
    expect(printedJson(made.stdout)).toMatchObject({ email: 'ops@example.org', role: 'ops' });

    const browser = new ConsoleClient(base);
    expect(await browser.signIn('ops@example.org', 'correct horse battery')).toMatchObject({ status: 303, location: '/console' });
    expect((await browser.get('/console/outbox')).status).toBe(200);

    const listed = await cli('users:list');
    expect(listed.stdout).toContain('"email":"ops@example.org"');

    const revoked = await cli('users:revoke', '--email', 'ops@example.org');
    expect(revoked).toMatchObject({ code: 0 });
    expect(await browser.get('/console/outbox')).toMatchObject({ status: 303, location: '/console/sign-in' });
    expect((await new ConsoleClient(base).signIn('ops@example.org', 'correct horse battery')).status).toBe(401);
    expect((await cli('users:revoke', '--email', 'ops@example.org')).code).toBe(1);
  }, 120_000);

  test('a usage error is answered by the CLI itself, exit 2, without reaching the running process', async () => {
    const res = await cli('users:create', '--email', 'x@example.org', '--role', 'ops');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('users:create: missing --password');
  }, 60_000);

  test('a second npm start on the same data folder stops at once, naming the one that holds it', async () => {
    const { started, ready } = startRecoup(await startEnv(dataDir));
    expect(await ready).toBe('exited');
    expect(await started.exited).toBe(1);
    expect(started.stderr()).toContain(`is in use by pid ${recoup.child.pid} (npm start, since `);
    expect(started.stderr()).not.toMatch(/\n\s+at /); // a message, not a stack trace
    // The first one is untouched.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  }, 120_000);

  test('once npm start has stopped, the lock is gone and the CLI opens the database itself', async () => {
    expect(await recoup.stop()).toBe(0);
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
    const listed = await cli('partners:list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('"name":"Demo Partner"');
  }, 120_000);
});

describe('start-up failures that say what is wrong', () => {
  let held: Server;
  let heldPort: number;
  beforeAll(async () => {
    held = createServer();
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    heldPort = (held.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => held.close(resolve));
  });

  test.each([
    ['TEMPORAL_PORT', 'the Temporal dev server (gRPC)'],
    ['TEMPORAL_UI_PORT', 'the Temporal Web UI'],
    ['PORT', 'the API'],
  ])('with %s taken, npm start names the port and the process that holds it', async (setting, what) => {
    const env = { ...(await startEnv(dataFolder())), [setting]: String(heldPort) };
    const { started } = startRecoup(env);
    expect(await started.exited).toBe(1);
    // The holder is this test's own process, found through /proc.
    expect(started.stderr()).toContain(`port ${heldPort}, for ${what}, is in use by pid ${process.pid} (`);
    expect(started.stderr()).toContain(`set ${setting} to a free port`);
  }, 60_000);

  test('a dev server that exits at start: npm start prints its last lines and its exit code, and blames no port', async () => {
    const dataDir = dataFolder();
    const fake = path.join(dataDir, 'fake-temporal');
    writeFileSync(fake, '#!/bin/sh\necho "temporal version 0.0.0-fake"\nfor i in $(seq 1 30); do echo "starting step $i"; done\necho "Error: unable to open database file: disk I/O error" >&2\nexit 3\n');
    chmodSync(fake, 0o755);
    const { started } = startRecoup({ ...(await startEnv(dataDir)), TEMPORAL_CLI: fake });
    expect(await started.exited).toBe(1);
    const stderr = started.stderr();
    expect(stderr).toContain('exited at start with code 3');
    expect(stderr).toContain('| Error: unable to open database file: disk I/O error');
    expect(stderr).toContain('| starting step 30');
    // Only the last lines: the first ones scrolled out.
    expect(stderr).not.toContain('| starting step 5\n');
    expect(stderr).not.toMatch(/in use/);
  }, 60_000);
});
