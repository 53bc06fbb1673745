/**
 * (h) An update file applied to invoices whose workflows run: the whole product on loopback (the
 * test suites' stack: Temporal dev server, the bench's database — a new one on its PostgreSQL
 * server, else embedded PGlite — SMTP, worker), a placement file of
 * `invoices` invoices transmitted first (not timed), then an update file of `records` records,
 * timed from its submission to its result file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { and, count, countDistinct, eq, inArray } from 'drizzle-orm';
import { invoices, messages } from '../db/schema';
import { BATCH_FILE_FORMAT, BATCH_FILE_VERSION } from '../domain/batch-file';
import { submitBatchFile } from '../files/intake';
import { ensurePartnerFolders, partnerFolder } from '../files/layout';
import { generatePlacementFile } from '../files/placement-generator';
import { startStack, type Stack } from '../test/support/stack';
import type { BatchFileSummary } from '../workflows/batch-file.messages';
import type { batchFileWorkflow } from '../workflows/batch-file.workflow';
import { daytimeTimezone } from './transmission';

/** How long the notices of the placed invoices may take (a debtor's gathering window is a minute). */
const NOTICES_TIMEOUT_MS = 5 * 60_000;

export interface UpdateFileResult {
  /** `PostgreSQL` or `PGlite`: where the stack's database ran. */
  database?: string;
  invoices: number;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  counts: BatchFileSummary['counts'];
}

/**
 * Four records in a row per invoice, then the next invoice (after the last, the first again): a
 * payment, a hold, its resume, a credit (all valid, all applied).
 */
function updateRecord(i: number, invoices: number): Record<string, unknown> {
  const invoice = `bench-${String((Math.floor(i / 4) % invoices) + 1).padStart(7, '0')}`;
  const base = { record_id: `u-${i}`, invoice_external_id: invoice };
  switch (i % 4) {
    case 0:
      return { ...base, action: 'payment', amount_cents: 100, external_id: `bench-pay-${i}` };
    case 1:
      return { ...base, action: 'hold', reason: 'benchmark' };
    case 2:
      return { ...base, action: 'resume' };
    default:
      return { ...base, action: 'credit', amount_cents: 100, reason: 'benchmark' };
  }
}

async function processFile(stack: Stack, root: string, partnerId: string, name: string, lines: unknown[]): Promise<BatchFileSummary> {
  await ensurePartnerFolders(root, partnerId);
  const file = path.join(partnerFolder(root, partnerId, 'inbox'), name);
  await writeFile(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return runFile(stack, root, partnerId, file);
}

async function runFile(stack: Stack, root: string, partnerId: string, file: string): Promise<BatchFileSummary> {
  const intake = await submitBatchFile({ temporal: stack.env.client, taskQueue: stack.taskQueue, root }, { partnerId, path: file });
  if (intake.status !== 'started') throw new Error(`the file was not processed: ${intake.status}`);
  return stack.env.client.workflow.getHandle<typeof batchFileWorkflow>(intake.workflowId).result();
}

export async function runUpdateFile(o: { cliPath: string; databaseUrl?: string; records: number; invoices: number; log(line: string): void }): Promise<UpdateFileResult> {
  process.env.TEMPORAL_CLI_PATH ??= o.cliPath;
  // On PostgreSQL the stack makes a database of its own on that server (and drops it after).
  if (o.databaseUrl) process.env.RECOUP_TEST_DATABASE_URL = o.databaseUrl;
  const root = await mkdtemp(path.join(os.tmpdir(), 'recoup-bench-update-'));
  const stack = await startStack({ temporal: 'dev-server', config: { RECOUP_FILES_DIR: root } });
  try {
    const { partnerId, companyId } = await stack.newPartner('Benchmark');
    await ensurePartnerFolders(root, partnerId);
    const placement = path.join(partnerFolder(root, partnerId, 'inbox'), 'placement.jsonl');
    // Debtors where it is day now, so every notice goes out before the update file is timed: at
    // night the notices would wait, by day they would compete with the updates, and the rate
    // would depend on the hour the benchmark ran.
    const timezone = daytimeTimezone();
    await generatePlacementFile({ companyId, records: o.invoices, out: placement, prefix: 'bench', timezone });
    const placed = await runFile(stack, root, partnerId, placement);
    if (placed.counts.accepted !== o.invoices) throw new Error(`the placement file placed ${placed.counts.accepted} of ${o.invoices} invoices`);
    // Every invoice transmitted: its workflow runs (its notice may wait for the debtor's morning).
    const drafts = async () => (await stack.database.db.select({ n: count() }).from(invoices).where(and(eq(invoices.companyId, companyId), eq(invoices.status, 'draft'))))[0]!.n;
    while ((await drafts()) > 0) await new Promise((resolve) => setTimeout(resolve, 500));
    o.log(`  ${o.invoices} invoices placed and transmitted (debtors in ${timezone})`);
    // Each invoice's notice sent (through its debtor's workflow, after its gathering window): the
    // update file then meets invoices that wait for their next step, as update files do.
    const noticed = async () =>
      (await stack.database.db.select({ n: countDistinct(messages.invoiceId) }).from(messages).where(and(eq(messages.companyId, companyId), inArray(messages.status, ['sent', 'outbox']))))[0]!.n;
    const waitUntil = Date.now() + NOTICES_TIMEOUT_MS;
    while ((await noticed()) < o.invoices) {
      if (Date.now() > waitUntil) throw new Error(`only ${await noticed()} of ${o.invoices} notices went out within ${NOTICES_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    o.log(`  ${o.invoices} notices sent`);

    const header = { format: BATCH_FILE_FORMAT, version: BATCH_FILE_VERSION, type: 'update', company_id: companyId };
    const records = Array.from({ length: o.records }, (_, i) => updateRecord(i, o.invoices));
    const started = Date.now();
    const summary = await processFile(stack, root, partnerId, 'updates.jsonl', [header, ...records]);
    const seconds = (Date.now() - started) / 1000;
    const result: UpdateFileResult = { database: o.databaseUrl ? 'PostgreSQL' : 'PGlite', invoices: o.invoices, records: o.records, seconds, recordsPerSecond: Math.round((o.records / Math.max(seconds, 0.001)) * 10) / 10, counts: summary.counts };
    o.log(`  update file: ${summary.counts.accepted} of ${o.records} records accepted in ${seconds.toFixed(1)} s (${result.recordsPerSecond} records/s)`);
    return result;
  } finally {
    await stack.close();
    await rm(root, { recursive: true, force: true });
  }
}
