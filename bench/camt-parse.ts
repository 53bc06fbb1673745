/**
 * (i) Parsing a camt.053 statement of `entries` entries: made by Recoup's own camt.053 writer (one
 * Stmt, one booked credit Ntry per payment), parsed by `parseCamt053` in a process of its own
 * (this module, forked) whose peak RSS is reset once the file is made, so the peak is the parse's.
 */
import { fork } from 'node:child_process';
import { writeCamt053 } from '../domain/statements/camt053-writer';
import { parseCamt053 } from '../domain/statements/camt053-parser';
import type { CollectionStatement, StatementEntry } from '../domain/statements/statement';
import { kernelMemory, resetPeakMemory } from './kernel-memory';

export interface CamtParseResult {
  entries: number;
  fileBytes: number;
  seconds: number;
  /** RSS once the file is made, after a GC (the peak is reset to it). */
  baselineRssBytes: number;
  /** Peak RSS while parsing (VmHWM, reset before). */
  peakRssBytes: number;
}

function statementOf(entries: number): CollectionStatement {
  const payments: StatementEntry[] = Array.from({ length: entries }, (_, i) => ({
    id: `led_bench${String(i).padStart(8, '0')}`,
    date: '2026-11-02',
    amountCents: 1_000 + i,
    invoiceId: `inv_bench${String(i).padStart(8, '0')}`,
    invoiceNumber: `F-${i}`,
    invoiceReference: `Membership ${i}`,
    creditorReference: 'RF18539007547034',
    debtorName: `Debtor ${i} & Co`,
    paymentExternalId: `pay-${i}`,
  }));
  return {
    reference: 'BENCH-1',
    sequenceNumber: 1,
    account: { iban: 'NL91ABNA0417164300', bic: 'ABNANL2A', name: 'Recoup collections' },
    companyName: 'Benchmark Club',
    currency: 'EUR',
    from: '2026-11-01',
    to: '2026-11-30',
    createdAt: '2026-12-01T06:00:00Z',
    openingBalanceCents: 0,
    entries: payments,
  };
}

/** In the forked process: make the file, parse it, answer over IPC. */
function measure(entries: number): CamtParseResult {
  const xml = writeCamt053([statementOf(entries)], 'BENCH-1', '2026-12-01T06:00:00Z');
  const fileBytes = Buffer.byteLength(xml);
  (globalThis as { gc?: () => void }).gc?.();
  resetPeakMemory();
  const baseline = kernelMemory();
  const started = process.hrtime.bigint();
  const parsed = parseCamt053(xml);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const read = parsed.reduce((n, s) => n + s.transactions.length, 0);
  if (read !== entries) throw new Error(`parsed ${read} of ${entries} entries`);
  return { entries, fileBytes, seconds, baselineRssBytes: baseline.rss, peakRssBytes: kernelMemory().hwm };
}

export async function runCamtParse(o: { entries: number; log(line: string): void }): Promise<CamtParseResult> {
  const child = fork(__filename, ['--camt-entries', String(o.entries)], { execArgv: ['--expose-gc', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const result = await new Promise<CamtParseResult>((resolve, reject) => {
    child.once('message', (m: CamtParseResult) => resolve(m));
    child.once('exit', (code) => reject(new Error(`the camt.053 process exited with code ${code}`)));
  });
  const mb = (b: number) => Math.round(b / 1024 / 1024);
  o.log(`  camt.053: ${mb(result.fileBytes)} MB parsed in ${result.seconds.toFixed(2)} s; RSS ${mb(result.baselineRssBytes)} MB before, peak ${mb(result.peakRssBytes)} MB`);
  return result;
}

if (require.main === module && process.send) {
  const reply = measure(Number(process.argv[process.argv.indexOf('--camt-entries') + 1]));
  process.send(reply, () => process.exit(0));
}
