/**
 * (d) A process of its own that processes one placement file with the worker's activity
 * (`processBatchFileRecords`, run outside a worker by MockActivityEnvironment) and reports its
 * memory over IPC: the peak RSS is reset (`/proc/self/clear_refs`) after setup, so it is the
 * processing's own.
 */
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { batchFileActivities, type ProcessBatchFileResult } from '../activities/batch-file';
import { createDb } from '../db/client';
import { companies } from '../db/schema';
import { sha256Of } from '../files/intake';
import { generatePlacementFile } from '../files/placement-generator';
import { createPartner } from '../services/api-keys';
import { newId } from '../services/ids';
import { kernelMemory, resetPeakMemory } from './kernel-memory';

export interface PlacementProcessOptions {
  databaseUrl?: string;
  dataDir: string;
  workDir: string;
  records: number;
}

export interface PlacementProcessResult {
  fileBytes: number;
  /** RSS after setup (database open, file written), after a GC. */
  baselineRssBytes: number;
  /** Peak RSS while processing (VmHWM, reset after setup). */
  peakRssBytes: number;
  seconds: number;
  counts: { records: number; accepted: number; rejected: number; duplicate: number };
  outcome: string;
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]!) as PlacementProcessOptions;
  const database = createDb({ databaseUrl: o.databaseUrl, dataDir: o.dataDir });
  await database.migrate();
  const db = database.db;
  const partner = await createPartner(db, { name: 'Benchmark Partner' });
  const companyId = newId('cmp');
  await db.insert(companies).values({ id: companyId, partnerId: partner.id, name: 'Benchmark Club', country: 'NL', currency: 'EUR', locale: 'nl', timezone: 'Europe/Amsterdam', status: 'verified' });
  const file = path.join(o.workDir, 'placement.jsonl');
  const { bytes } = await generatePlacementFile({ companyId, records: o.records, out: file, transmit: false, prefix: 'bench' });
  const input = { partnerId: partner.id, name: 'placement.jsonl', path: file, resultPath: `${file}.result.jsonl`, sha256: await sha256Of(file) };
  const activities = batchFileActivities({
    db,
    // Placement records never reach a workflow: nothing to call.
    temporal: undefined as unknown as Client,
    config: { publicBaseUrl: 'http://localhost', portalSecret: 'bench-portal-secret-0123456789', TEMPORAL_TASK_QUEUE: 'unused' },
    logger: pino({ level: 'warn' }),
    mailer: undefined as never,
    sms: undefined as never,
  });
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const baseline = kernelMemory();
  resetPeakMemory();
  const started = Date.now();
  const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 6 * 3_600_000 }, { logger: new DefaultLogger('ERROR') });
  const result: ProcessBatchFileResult = await env.run(activities.processBatchFileRecords, input);
  const seconds = (Date.now() - started) / 1000;
  const peak = kernelMemory().hwm;
  await database.close();
  const reply: PlacementProcessResult = { fileBytes: bytes, baselineRssBytes: baseline.rss, peakRssBytes: peak, seconds, counts: result.counts, outcome: result.outcome };
  process.send!(reply, () => process.exit(0));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
