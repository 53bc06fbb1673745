import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { DefaultLogger } from '@temporalio/worker';
import { count, eq } from 'drizzle-orm';
import { batchFileActivities, partTempPath } from '../../activities/batch-file';
import { batchFileRecords, invoices } from '../../db/schema';
import { sha256Of } from '../../files/intake';
import { generatePlacementFile } from '../../files/placement-generator';
import type { BatchFileInput } from '../../workflows/batch-file.messages';
import { createTestDatabase } from '../support/database';
import { silentLogger } from '../support/logger';
import { seedCompany } from '../support/seed';

/**
 * The record-processing activity alone (real database, real files): a worker that dies in the
 * middle of a file leaves a heartbeat, and the retry resumes from it without applying anything twice.
 */
let dir: string;
let database: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'recoup-batch-resume-'));
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.close();
  await rm(dir, { recursive: true, force: true });
});

function activities() {
  return batchFileActivities({
    db: database.db,
    // Placement records never reach a workflow: there is nothing to call.
    temporal: undefined as unknown as Client,
    config: { publicBaseUrl: 'http://localhost', portalSecret: 'test-portal-secret-123456', TEMPORAL_TASK_QUEUE: 'unused' },
    logger: silentLogger,
    mailer: undefined as never,
    sms: undefined as never,
  });
}

async function fileInput(name: string, companyId: string, records: number, partnerId: string): Promise<BatchFileInput> {
  const file = path.join(dir, name);
  await generatePlacementFile({ companyId, records, out: file, transmit: false, prefix: name.replace(/\W/g, '') });
  return { partnerId, name, path: file, resultPath: `${file}.result.jsonl`, sha256: await sha256Of(file) };
}

test('a worker dying mid-file: the retry resumes after the last heartbeat, and every record is applied and reported once', async () => {
  const seed = await seedCompany(database.db);
  const input = await fileInput('big.jsonl', seed.company.id, 1_234, seed.partner.id);

  // First attempt: the process "dies" at its third heartbeat, after the third chunk was committed.
  const first = new MockActivityEnvironment({ startToCloseTimeoutMs: 600_000 }, { logger: new DefaultLogger('ERROR') });
  const heartbeats: Array<{ line: number }> = [];
  first.on('heartbeat', (d: { line: number }) => {
    heartbeats.push(d);
    if (heartbeats.length === 2) throw new Error('worker killed');
  });
  await expect(first.run(activities().processBatchFileRecords, input)).rejects.toThrow('worker killed');
  expect(heartbeats.map((h) => h.line)).toEqual([501, 1001]);
  const [{ n: afterCrash } = { n: 0 }] = await database.db.select({ n: count() }).from(invoices).where(eq(invoices.companyId, seed.company.id));
  expect(Number(afterCrash)).toBe(1_000);

  // The retry gets the last heartbeat that reached the server: the first one.
  const retry = new MockActivityEnvironment({ startToCloseTimeoutMs: 600_000, heartbeatDetails: heartbeats[0] }, { logger: new DefaultLogger('ERROR') });
  const resumedAt: number[] = [];
  retry.on('heartbeat', (d: { line: number }) => resumedAt.push(d.line));
  const result = await retry.run(activities().processBatchFileRecords, input);
  expect(resumedAt).toEqual([1001, 1235]);
  expect(result).toMatchObject({ outcome: 'processed', counts: { records: 1_234, accepted: 1_234, rejected: 0, duplicate: 0 } });

  const [{ n } = { n: 0 }] = await database.db.select({ n: count() }).from(invoices).where(eq(invoices.companyId, seed.company.id));
  expect(Number(n)).toBe(1_234);
  const lines = (await readFile(partTempPath(input.resultPath), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { line: number; status: string; invoice_id: string });
  expect(lines.map((l) => l.line)).toEqual(Array.from({ length: 1_234 }, (_, i) => i + 2));
  expect(lines.every((l) => l.status === 'accepted')).toBe(true);
  // Records applied by the dead attempt are reported with the invoices it created.
  const claims = await database.db.select({ line: batchFileRecords.line, invoiceId: batchFileRecords.invoiceId }).from(batchFileRecords).where(eq(batchFileRecords.companyId, seed.company.id));
  const byLine = new Map(claims.map((c) => [c.line, c.invoiceId]));
  expect(lines.every((l) => byLine.get(l.line) === l.invoice_id)).toBe(true);
}, 120_000);

test('a file that is not JSON Lines at all is one rejected line 1 and changes nothing', async () => {
  const seed = await seedCompany(database.db, 'Other club');
  const file = path.join(dir, 'notes.txt');
  await writeFile(file, 'Dear Recoup,\nplease collect these.\n');
  const input: BatchFileInput = { partnerId: seed.partner.id, name: 'notes.txt', path: file, resultPath: `${file}.result.jsonl`, sha256: await sha256Of(file) };
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  const result = await env.run(activities().processBatchFileRecords, input);
  expect(result).toMatchObject({ outcome: 'failed', counts: { records: 0 } });
  const lines = (await readFile(partTempPath(input.resultPath), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
  expect(lines).toEqual([{ line: 1, record_id: null, status: 'rejected', errors: [{ field: '', message: expect.stringMatching(/not valid JSON/) }] }]);
});
