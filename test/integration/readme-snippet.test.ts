import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/http';
import { startRecoup, type StartedRecoup } from '../support/npm-start';

/**
 * Issue 15, item 2: the README's "See an invoice paid" snippet, taken verbatim from README.md, run
 * in bash as a newcomer pastes it — after the `export` line `npm start` prints — against a started
 * stack. A README change that breaks the snippet fails here.
 */

const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

/** The first fenced block after the heading `### See an invoice paid`. */
function snippetUnder(heading: string): string {
  const at = readme.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README.md has no heading "${heading}"`);
  const block = /\n```sh\n([\s\S]*?)\n```\n/.exec(readme.slice(at));
  if (!block) throw new Error(`README.md has no sh block under "${heading}"`);
  return block[1]!;
}

function runBash(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The snippet needs curl and jq, as the Quickstart says. Like the browser tests: in CI a missing
 * tool fails the suite (`.ci/run` installs both); elsewhere the test says why it skips, so
 * `npm test` on a fresh machine stays green.
 */
const missing = ['curl', 'jq'].filter((tool) => spawnSync('bash', ['-c', `command -v ${tool}`]).status !== 0);
if (missing.length && process.env.CI === 'true') throw new Error(`CI=true but ${missing.join(' and ')} missing: .ci/run installs them with apt-get`);
if (missing.length) console.warn(`README snippet test skipped: ${missing.join(' and ')} not installed (apt-get install curl jq)`);

(missing.length ? describe.skip : describe)('the README snippet "See an invoice paid"', () => {
  const snippet = snippetUnder('### See an invoice paid');
  let dataDir: string;
  let recoup: StartedRecoup;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'recoup-readme-'));
    const { started, ready } = startRecoup({
      RECOUP_DATA_DIR: dataDir,
      TEMPORAL_CLI: process.env.TEMPORAL_CLI_PATH!,
      // The API on a port the system picks: the export line must carry the one it really listens on.
      PORT: '0',
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      RECOUP_SFTP_PORT: '0',
      RECOUP_INBOUND_SMTP_PORT: '0',
    });
    recoup = started;
    if ((await ready) !== 'running') throw new Error(`npm start did not start:\n${recoup.stdout()}\n${recoup.stderr()}`);
  }, 180_000);
  afterAll(async () => {
    await recoup?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  test('names no port of its own: the API comes from the export line npm start prints', () => {
    expect(snippet).not.toMatch(/localhost:\d|127\.0\.0\.1|API=/);
  });

  test('pasted after the banner export line, it shows the invoice open, then paid, and invoice.paid among its events', async () => {
    const exportLine = /^\s*(export KEY=\S+ COMPANY=\S+ API=\S+)\s*$/m.exec(recoup.stdout())?.[1];
    expect(exportLine).toBeDefined();
    expect(exportLine).toMatch(/ API=http:\/\/localhost:\d+\/api\/v2$/);

    const { code, stdout, stderr } = await runBash(`${exportLine}\n${snippet}\n`, { PATH: process.env.PATH ?? '', HOME: os.tmpdir() });
    const shown = `exit ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
    const lines = stdout.split('\n').map((l) => l.trim().replace(/^"|"$/g, ''));
    const open = lines.indexOf('open');
    const paid = lines.indexOf('paid');
    expect({ open: open >= 0, paid: paid > open, shown }).toEqual({ open: true, paid: true, shown });
    expect({ paidEvent: lines.slice(paid + 1).includes('invoice.paid'), shown }).toEqual({ paidEvent: true, shown });
    expect({ stderr }).toEqual({ stderr: '' });
  }, 120_000);
});
