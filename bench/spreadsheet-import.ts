import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { importColumns, templateHeader } from '../files/spreadsheet/columns';
import { readSpreadsheetInvoices } from '../services/spreadsheet-imports';

/** (g) One format's run: validating every row of a spreadsheet, memory sampled while it streams. */
export interface SpreadsheetRun {
  format: 'csv' | 'xlsx';
  fileBytes: number;
  seconds: number;
  rowsPerSecond: number;
  valid: number;
  baselineRssBytes: number;
  peakRssBytes: number;
  baselineHeapBytes: number;
  peakHeapBytes: number;
  samples: number;
}

export interface SpreadsheetImportResult {
  rows: number;
  limitSeconds: number;
  runs: SpreadsheetRun[];
}

const LIMIT_SECONDS = 10;

/** Row `i` of the bench file: every column filled, as a club's full export would be. */
function rowOf(i: number): string[] {
  const n = String(i + 1).padStart(5, '0');
  return [`2027-${n}`, '01-01-2027', '31-01-2027', `${(i % 200) + 10},${String(i % 100).padStart(2, '0')}`, `Contributie 2027 lid ${n}`, `K-${n}`, `L-${n}`, 'Anna', `de Vries ${n}`, '',
    `lid${n}@example.nl`, `06${String(10_000_000 + i).slice(-8)}`, `Dorpsstraat ${(i % 300) + 1}`, '1234 AB', 'Utrecht', 'NL', 'nl'];
}

async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write(`\ufeff${importColumns.map((c) => templateHeader(c, 'nl')).join(';')}\r\n`);
  for (let i = 0; i < rows; i++) if (!out.write(`${rowOf(i).join(';')}\r\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

async function writeXlsx(file: string, rows: number): Promise<void> {
  // The streaming writer, so making the file costs no more memory than reading it.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true });
  const sheet = workbook.addWorksheet('Import');
  sheet.addRow(importColumns.map((c) => templateHeader(c, 'nl'))).commit();
  for (let i = 0; i < rows; i++) sheet.addRow(rowOf(i)).commit();
  sheet.commit();
  await workbook.commit();
}

async function measure(format: 'csv' | 'xlsx', file: string, rows: number): Promise<SpreadsheetRun> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  let samples = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    samples++;
  };
  const timer = setInterval(sample, 10);
  const began = process.hrtime.bigint();
  const reading = await readSpreadsheetInvoices(file, { id: 'cmp_bench', partnerId: 'ptn_bench', currency: 'EUR', country: 'NL' });
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  clearInterval(timer);
  sample();
  if (!reading.ok) throw new Error(`the bench file has errors: ${JSON.stringify(reading.errors.slice(0, 3))}`);
  return {
    format,
    fileBytes: statSync(file).size,
    seconds,
    rowsPerSecond: Math.round(rows / Math.max(seconds, 0.001)),
    valid: reading.invoices.length,
    baselineRssBytes: base.rss,
    peakRssBytes: peakRss,
    baselineHeapBytes: base.heapUsed,
    peakHeapBytes: peakHeap,
    samples,
  };
}

/**
 * (g) Reading and checking a spreadsheet of `rows` invoices, CSV and XLSX, as an upload is (no
 * database: nothing is created until every row passed). Memory is sampled every 10 ms while the
 * file streams; the invoices read are kept, as the import needs them, so the heap grows by those.
 */
export async function runSpreadsheetImport(o: { rows: number; log(line: string): void }): Promise<SpreadsheetImportResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'recoup-bench-spreadsheet-'));
  try {
    const runs: SpreadsheetRun[] = [];
    for (const format of ['csv', 'xlsx'] as const) {
      const file = path.join(dir, `import.${format}`);
      await (format === 'csv' ? writeCsv(file, o.rows) : writeXlsx(file, o.rows));
      const run = await measure(format, file, o.rows);
      const mb = (b: number) => Math.round(b / 1024 / 1024);
      o.log(`  ${format}: ${mb(run.fileBytes)} MB, ${run.valid} rows valid in ${run.seconds.toFixed(2)} s; RSS ${mb(run.baselineRssBytes)} → peak ${mb(run.peakRssBytes)} MB, heap ${mb(run.baselineHeapBytes)} → peak ${mb(run.peakHeapBytes)} MB`);
      runs.push(run);
    }
    return { rows: o.rows, limitSeconds: LIMIT_SECONDS, runs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
