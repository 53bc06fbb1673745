import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PlacementProcessOptions, PlacementProcessResult } from './placement-process';
import { cpuProfileArgs } from './harness';

/** (d) Peak memory of processing a placement file of `records` records. */
export interface PlacementFileResult extends PlacementProcessResult {
  records: number;
  /** Peak RSS − RSS before processing. */
  peakIncreaseBytes: number;
  recordsPerSecond: number;
}

/** Runs bench/placement-process.ts on a fresh database (PGlite, or a new PostgreSQL database from `databaseUrl`). */
export async function runPlacementFile(o: { records: number; databaseUrl?: string; log(line: string): void }): Promise<PlacementFileResult> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'recoup-bench-placement-'));
  try {
    const options: PlacementProcessOptions = { databaseUrl: o.databaseUrl, dataDir: path.join(workDir, 'db'), workDir, records: o.records };
    const child = fork(path.join(__dirname, 'placement-process.ts'), [JSON.stringify(options)], { execArgv: ['--expose-gc', '--import', 'tsx', ...cpuProfileArgs()], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const reply = await new Promise<PlacementProcessResult>((resolve, reject) => {
      child.once('message', (m: PlacementProcessResult) => resolve(m));
      child.once('exit', (code) => reject(new Error(`the placement process exited with code ${code}`)));
    });
    const mb = (b: number) => Math.round(b / 1024 / 1024);
    const result: PlacementFileResult = {
      ...reply,
      records: o.records,
      peakIncreaseBytes: reply.peakRssBytes - reply.baselineRssBytes,
      recordsPerSecond: Math.round(o.records / Math.max(reply.seconds, 0.001)),
    };
    o.log(`  placement file: ${mb(reply.fileBytes)} MB, ${reply.counts.accepted} accepted in ${reply.seconds.toFixed(1)} s; RSS ${mb(reply.baselineRssBytes)} MB before, peak ${mb(reply.peakRssBytes)} MB`);
    return result;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
