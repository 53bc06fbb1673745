import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, type SFTPWrapper } from 'ssh2';
import { startSftpService } from '../../files/sftp-service';
import { createSftpCredential } from '../../services/sftp-credentials';
import { eventually } from '../support/eventually';
import { dateFrom } from '../support/seed';
import { silentLogger } from '../support/logger';
import { startStack, type Stack } from '../support/stack';

/**
 * The SFTP server as the entry points wire it (`startSftpService`): a placement file uploaded
 * over SFTP goes through the batch-file intake and workflow (time-skipping Temporal, real
 * database), and the host downloads its result file from `processed/` over SFTP.
 */
let stack: Stack;
let root: string;
let sftpServer: NonNullable<Awaited<ReturnType<typeof startSftpService>>>;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'recoup-sftp-intake-'));
  stack = await startStack({ config: { RECOUP_FILES_DIR: root } });
  const started = await startSftpService({
    config: { ...stack.config, RECOUP_SFTP_HOST: '127.0.0.1' },
    port: 0,
    db: stack.database.db,
    temporal: stack.env.client,
    logger: silentLogger,
  });
  if (!started) throw new Error('no SFTP server');
  sftpServer = started;
}, 120_000);

afterAll(async () => {
  await sftpServer?.close();
  await stack?.close();
  rmSync(root, { recursive: true, force: true });
});

function connect(username: string, password: string): Promise<{ sftp: SFTPWrapper; end(): void }> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    conn
      .on('ready', () => conn.sftp((err, sftp) => (err ? reject(err) : resolve({ sftp, end: () => conn.end() }))))
      .on('error', reject)
      .connect({ host: '127.0.0.1', port: sftpServer.port, username, password });
  });
}

const call = <T = void>(fn: (cb: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));

test('a placement file uploaded over SFTP is processed, and its result is downloaded from processed/', async () => {
  const partner = await stack.newPartner('SFTP host');
  await createSftpCredential(stack.database.db, { partnerId: partner.partnerId, username: 'sftp-host', password: 'the sftp host password' });
  const lines = [
    { format: 'recoup.batch', version: 1, type: 'placement', company_id: partner.companyId },
    {
      record_id: 'r1',
      invoice: {
        invoice_number: 'S-1',
        external_id: 'S-1',
        issue_date: dateFrom(Date.now(), 0),
        due_date: dateFrom(Date.now(), 30),
        debtor: { first_name: 'Anna', last_name: 'de Vries', email: 'anna@example.nl', locale: 'nl' },
        invoice_lines: [{ description: 'Contributie 2027', amount_cents: 12_000 }],
      },
    },
  ];
  const local = path.join(root, 'upload.jsonl');
  writeFileSync(local, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');

  const session = await connect('sftp-host', 'the sftp host password');
  try {
    await call((cb) => session.sftp.fastPut(local, '/inbox/placement.jsonl.part', cb));
    await call((cb) => session.sftp.rename('/inbox/placement.jsonl.part', '/inbox/placement.jsonl', cb));
    const result = await eventually(async () => {
      const names = (await call<{ filename: string }[]>((cb) => session.sftp.readdir('/processed', cb))).map((e) => e.filename);
      expect(names).toEqual(expect.arrayContaining(['placement.jsonl', 'placement.jsonl.result.jsonl']));
      const text = (await call<Buffer>((cb) => session.sftp.readFile('/processed/placement.jsonl.result.jsonl', cb))).toString('utf8');
      const parsed = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(parsed[parsed.length - 1]).toMatchObject({ summary: true });
      return parsed;
    }, 60_000);
    expect(result[0]).toMatchObject({ record_id: 'r1', status: 'accepted' });
    expect(result[result.length - 1]).toMatchObject({ file: 'placement.jsonl', counts: { accepted: 1, rejected: 0 } });
    expect(await call<{ filename: string }[]>((cb) => session.sftp.readdir('/inbox', cb))).toEqual([]);
  } finally {
    session.end();
  }
  const invoices = await stack.request('GET', `/api/v2/invoices?company_id=${partner.companyId}`, { key: partner.key });
  expect(invoices.body.data.map((i: { external_id: string }) => i.external_id)).toEqual(['S-1']);
});
