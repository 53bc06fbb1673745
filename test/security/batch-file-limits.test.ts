import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { Client, type SFTPWrapper } from 'ssh2';
import { batchFiles } from '../../db/schema';
import { boundedLines, type BoundedLine } from '../../files/bounded-lines';
import { DropFolderWatcher } from '../../files/drop-folder-watcher';
import type { IntakeResult } from '../../files/intake';
import { ensurePartnerFolders, partnerFolder } from '../../files/layout';
import { startSftpService } from '../../files/sftp-service';
import { createSftpCredential } from '../../services/sftp-credentials';
import type { batchFileWorkflow } from '../../workflows/batch-file.workflow';
import { eventually } from '../support/eventually';
import { dateFrom } from '../support/seed';
import { silentLogger } from '../support/logger';
import { startStack, type Stack } from '../support/stack';

/**
 * Batch files are bounded while they stream: an SFTP upload is cut off at the size limit, a
 * dropped file over it is refused unread, and an over-long line is reported by its number without
 * being held in memory, while the other records of the file take effect.
 */
const MAX_FILE = 64 * 1024;
const MAX_LINE = 4 * 1024;

let stack: Stack;
let root: string;
let sftpServer: NonNullable<Awaited<ReturnType<typeof startSftpService>>>;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'recoup-limits-'));
  stack = await startStack({ config: { RECOUP_FILES_DIR: root, RECOUP_MAX_BATCH_FILE_BYTES: MAX_FILE, RECOUP_MAX_BATCH_LINE_BYTES: MAX_LINE } });
  const started = await startSftpService({ config: { ...stack.config, RECOUP_SFTP_HOST: '127.0.0.1' }, port: 0, db: stack.database.db, temporal: stack.env.client, logger: silentLogger });
  if (!started) throw new Error('no SFTP server');
  sftpServer = started;
}, 120_000);

afterAll(async () => {
  await sftpServer?.close();
  await stack?.close();
  await rm(root, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const header = (companyId: string) => ({ format: 'recoup.batch', version: 1, type: 'placement', company_id: companyId, settings: { transmit: false } });
const placement = (recordId: string) => ({
  record_id: recordId,
  invoice: {
    invoice_number: `L-${recordId}`,
    external_id: recordId,
    issue_date: dateFrom(Date.now(), 0),
    due_date: dateFrom(Date.now(), 30),
    debtor: { first_name: 'Jan', last_name: 'Jansen', email: `${recordId}@example.nl`, locale: 'nl' },
    invoice_lines: [{ description: 'Contributie 2027', amount_cents: 10_000 }],
  },
});
/** Placement lines up to about `bytes` in all. */
function placementsOf(bytes: number): string {
  const lines: string[] = [];
  for (let n = 0, size = 0; size < bytes; n++) {
    const line = JSON.stringify(placement(`p${n}`)) + '\n';
    lines.push(line);
    size += line.length;
  }
  return lines.join('');
}

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
const files = async (partnerId: string, kind: 'inbox' | 'processed') => (await readdir(partnerFolder(root, partnerId, kind))).sort();

describe('an SFTP upload', () => {
  test('is refused mid-stream at the size limit, with a message, and the partial file is removed', async () => {
    const partner = await stack.newPartner('Big uploader');
    await createSftpCredential(stack.database.db, { partnerId: partner.partnerId, username: 'big-uploader', password: 'the big uploader password' });
    const session = await connect('big-uploader', 'the big uploader password');
    try {
      const handle = await call<Buffer>((cb) => session.sftp.open('/inbox/huge.jsonl', 'w', cb));
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const outcomes: string[] = [];
      // Sequential 16 KiB writes of a 256 KiB upload: the first four fill the limit exactly.
      for (let i = 0; i < 16; i++) {
        const done = await call((cb) => session.sftp.write(handle, chunk, 0, chunk.length, i * chunk.length, cb)).then(
          () => 'ok',
          (err: Error) => err.message,
        );
        outcomes.push(done);
        if (done !== 'ok') break;
      }
      expect(outcomes.slice(0, 4)).toEqual(['ok', 'ok', 'ok', 'ok']);
      expect(outcomes[4]).toMatch(/file too large: batch files may have at most 65536 bytes/);
      expect(outcomes).toHaveLength(5); // the client stopped: the remaining 176 KiB were never sent
      await expect(call((cb) => session.sftp.close(handle, cb))).rejects.toThrow(/file too large/);
      expect(await files(partner.partnerId, 'inbox')).toEqual([]);
      expect(await files(partner.partnerId, 'processed')).toEqual([]);

      // An upload within the limit still goes through.
      const small = path.join(root, 'small.jsonl');
      await writeFile(small, `${JSON.stringify(header(partner.companyId))}\n${JSON.stringify(placement('s1'))}\n`);
      await call((cb) => session.sftp.fastPut(small, '/inbox/small.jsonl', cb));
    } finally {
      session.end();
    }
    await eventually(async () => {
      const rows = await stack.database.db.select().from(batchFiles).where(eq(batchFiles.partnerId, partner.partnerId));
      expect(rows.map((r) => r.name)).toEqual(['small.jsonl']);
    }, 30_000);
  });
});

describe('a dropped file', () => {
  test('over the size limit is refused unread: moved to processed/ with a result that says why, nothing processed', async () => {
    const partner = await stack.newPartner('Big dropper');
    await ensurePartnerFolders(root, partner.partnerId);
    await writeFile(path.join(partnerFolder(root, partner.partnerId, 'inbox'), 'big.jsonl'), `${JSON.stringify(header(partner.companyId))}\n${placementsOf(MAX_FILE + 1024)}`);
    const submitted: IntakeResult[] = [];
    const watcher = new DropFolderWatcher({ temporal: stack.env.client, taskQueue: stack.taskQueue, root, maxFileBytes: stack.config.RECOUP_MAX_BATCH_FILE_BYTES, logger: silentLogger, intervalMs: 60_000, onSubmitted: (_f, r) => submitted.push(r) });
    await watcher.poll();
    await watcher.poll(); // unchanged since the first look: complete
    expect(submitted.map((s) => s.status)).toEqual(['refused']);
    expect(await files(partner.partnerId, 'inbox')).toEqual([]);
    expect(await files(partner.partnerId, 'processed')).toEqual(['big.jsonl', 'big.jsonl.result.jsonl']);
    const result = (await readFile(path.join(partnerFolder(root, partner.partnerId, 'processed'), 'big.jsonl.result.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Json);
    expect(result).toEqual([
      expect.objectContaining({ summary: true, file: 'big.jsonl', status: 'refused', counts: { records: 0, accepted: 0, rejected: 0, duplicate: 0 }, error: { code: 'file_too_large', message: expect.stringContaining('more than the limit of 65536 bytes') } }),
    ]);
    expect(await stack.database.db.select().from(batchFiles).where(eq(batchFiles.partnerId, partner.partnerId))).toEqual([]);
    expect((await stack.request('GET', `/api/v2/invoices?company_id=${partner.companyId}`, { key: partner.key })).body.data).toEqual([]);
  });

  test('with one over-long line reports that line by number; the other records still take effect', async () => {
    const partner = await stack.newPartner('Long liner');
    await ensurePartnerFolders(root, partner.partnerId);
    // A valid record made too long by whitespace: only the limit can refuse it.
    const long = JSON.stringify(placement('r2')) + ' '.repeat(MAX_LINE * 3);
    const lines = [JSON.stringify(header(partner.companyId)), JSON.stringify(placement('r1')), long, JSON.stringify(placement('r3'))];
    await writeFile(path.join(partnerFolder(root, partner.partnerId, 'inbox'), 'long.jsonl'), lines.join('\n') + '\n');
    const submitted: IntakeResult[] = [];
    const watcher = new DropFolderWatcher({ temporal: stack.env.client, taskQueue: stack.taskQueue, root, maxFileBytes: MAX_FILE, logger: silentLogger, intervalMs: 60_000, onSubmitted: (_f, r) => submitted.push(r) });
    await watcher.poll();
    await watcher.poll();
    const [started] = submitted;
    if (started?.status !== 'started') throw new Error(`not started: ${JSON.stringify(started)}`);
    const summary = await stack.env.client.workflow.getHandle<typeof batchFileWorkflow>(started.workflowId).result();
    expect(summary).toMatchObject({ status: 'processed', counts: { records: 3, accepted: 2, rejected: 1 } });
    const result = (await readFile(started.resultPath, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Json);
    expect(result.slice(0, -1)).toEqual([
      expect.objectContaining({ line: 2, record_id: 'r1', status: 'accepted' }),
      { line: 3, record_id: null, status: 'rejected', errors: [{ field: '', message: `line 3 is longer than ${MAX_LINE} bytes; it was not read` }] },
      expect.objectContaining({ line: 4, record_id: 'r3', status: 'accepted' }),
    ]);
    const invoices = await stack.request('GET', `/api/v2/invoices?company_id=${partner.companyId}`, { key: partner.key });
    expect(invoices.body.data.map((i: Json) => i.external_id).sort()).toEqual(['r1', 'r3']);
  });
});

describe('the line reader', () => {
  const read = async (chunks: Array<string | Buffer>, max: number): Promise<BoundedLine[]> => {
    const out: BoundedLine[] = [];
    for await (const l of boundedLines(Readable.from(chunks.map((c) => Buffer.from(c)), { objectMode: true }), max)) out.push(l);
    return out;
  };

  test.each<[string, Array<string | Buffer>, number, BoundedLine[]]>([
    ['LF and CRLF, a last line without a newline', ['a\r\nbb\n', 'c'], 10, [{ line: 1, text: 'a' }, { line: 2, text: 'bb' }, { line: 3, text: 'c' }]],
    ['a line split over chunks, a multi-byte character split too', ['ab', Buffer.from('é').subarray(0, 1), Buffer.from('é').subarray(1), 'c\n'], 10, [{ line: 1, text: 'abéc' }]],
    ['an over-long line between two short ones, its bytes over several chunks', ['ok\n12345', '67890', 'abc\nfine\n'], 8, [{ line: 1, text: 'ok' }, { line: 2, tooLong: true }, { line: 3, text: 'fine' }]],
    ['an over-long last line without a newline', ['ok\n', 'x'.repeat(20)], 8, [{ line: 1, text: 'ok' }, { line: 2, tooLong: true }]],
    ['blank lines keep their numbers', ['\n\nz\n'], 8, [{ line: 1, text: '' }, { line: 2, text: '' }, { line: 3, text: 'z' }]],
  ])('%s', async (_case, chunks, max, expected) => {
    expect(await read(chunks, max)).toEqual(expected);
  });

  test('an endless line is skipped holding no more than the limit: 64 MiB streamed, nothing kept', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x78);
    async function* endless() {
      for (let i = 0; i < 64; i++) yield chunk;
      yield Buffer.from('\nlast\n');
    }
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const out: BoundedLine[] = [];
    for await (const l of boundedLines(
      (async function* () {
        for await (const c of endless()) {
          peak = Math.max(peak, process.memoryUsage().arrayBuffers);
          yield c;
        }
      })(),
      MAX_LINE,
    ))
      out.push(l);
    expect(peak - before).toBeLessThan(16 * 1024 * 1024);
    expect(out).toEqual([{ line: 1, tooLong: true }, { line: 2, text: 'last' }]);
  });
});
