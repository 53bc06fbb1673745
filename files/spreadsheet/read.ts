import { open, stat } from 'node:fs/promises';
import { readCsvRows } from './csv';
import { spreadsheetLimits, type SpreadsheetLimits } from './limits';
import { SpreadsheetRefused } from './refusal';
import type { SheetRow } from './sheet-row';
import { readXlsxRows } from './xlsx';
import { checkZip } from './zip-guard';

export type SpreadsheetFormat = 'csv' | 'xlsx';

const ZIP = Buffer.from('PK\x03\x04', 'latin1');
/** The compound file of Excel 97–2003 (.xls). */
const OLE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const UTF16_LE = Buffer.from([0xff, 0xfe]);
const UTF16_BE = Buffer.from([0xfe, 0xff]);

/** What the file is, from its first bytes (never from its name, which the uploader chose). */
async function formatOf(path: string): Promise<SpreadsheetFormat> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    const start = head.subarray(0, bytesRead);
    if (start.subarray(0, 4).equals(ZIP)) return 'xlsx';
    if (start.equals(OLE)) throw new SpreadsheetRefused('spreadsheet_unknown_format', 'The file is in the old Excel 97–2003 format (.xls): save it as .xlsx or as CSV (UTF-8) and upload it again');
    if (start.subarray(0, 2).equals(UTF16_LE) || start.subarray(0, 2).equals(UTF16_BE)) {
      throw new SpreadsheetRefused('spreadsheet_not_utf8', 'The file is UTF-16 text ("Unicode text"), not UTF-8: save it as "CSV UTF-8" and upload it again');
    }
    return 'csv';
  } finally {
    await fh.close();
  }
}

/**
 * Reads an uploaded spreadsheet row by row: CSV (`;` or `,`, UTF-8) or XLSX (its first worksheet).
 * The size is checked before reading and an XLSX's zip before unpacking (files/spreadsheet/zip-guard.ts);
 * anything else is refused with a `SpreadsheetRefused` that says what to do. Cells are text as
 * written: nothing is evaluated, whatever its first character.
 */
export async function openSpreadsheet(path: string, limits: SpreadsheetLimits = spreadsheetLimits): Promise<{ format: SpreadsheetFormat; rows: AsyncGenerator<SheetRow> }> {
  const { size } = await stat(path);
  if (size > limits.maxFileBytes) {
    throw new SpreadsheetRefused('spreadsheet_too_large', `The file is ${(size / 1024 / 1024).toFixed(1)} MB; at most ${Math.round(limits.maxFileBytes / 1024 / 1024)} MB is accepted: split it into several imports`);
  }
  if (size === 0) throw new SpreadsheetRefused('spreadsheet_empty', 'The file is empty');
  const format = await formatOf(path);
  if (format === 'xlsx') {
    await checkZip(path, size, limits);
    return { format, rows: readXlsxRows(path, limits) };
  }
  return { format, rows: readCsvRows(path, limits) };
}
