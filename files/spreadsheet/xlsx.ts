import ExcelJS from 'exceljs';
import type { SpreadsheetLimits } from './limits';
import { SpreadsheetRefused } from './refusal';
import type { SheetRow } from './sheet-row';

type CellValue = ExcelJS.CellValue;

/** Excel keeps 15 significant digits: 0.1 + 0.2 typed in a cell is 0.3 there, and must be here. */
const numberText = (n: number) => String(Number(n.toPrecision(15)));

/** A cell as text; `formula` when it is one (its cached result is never taken: a sheet can lie about it). */
function cellText(value: CellValue): string | { formula: true } {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  // Date cells are read as UTC midnight of the day shown.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 10);
  if ('formula' in value || 'sharedFormula' in value) return { formula: true };
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('error' in value) return String(value.error);
  if ('text' in value) return typeof value.text === 'string' ? value.text : cellText(value.text as CellValue);
  return '';
}

/**
 * The rows of an XLSX file's first worksheet, streamed by ExcelJS's `WorkbookReader` (one row at a
 * time; shared strings are cached, as a sheet refers to them by number). Call only after
 * `checkZip` accepted the file. Styles are read so date cells come as dates.
 */
export async function* readXlsxRows(path: string, limits: SpreadsheetLimits): AsyncGenerator<SheetRow> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(path, { worksheets: 'emit', sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', entries: 'ignore' });
  let read = 0;
  try {
    for await (const worksheet of workbook) {
      for await (const row of worksheet) {
        if (++read > limits.maxRows + 1) throw new SpreadsheetRefused('spreadsheet_too_many_rows', `The file has more than ${limits.maxRows} rows: split it into several imports`);
        const values = row.values as CellValue[];
        if (values.length - 1 > limits.maxCellsPerRow) throw new SpreadsheetRefused('spreadsheet_malformed', `Row ${row.number} has more than ${limits.maxCellsPerRow} columns`);
        const cells: string[] = [];
        const formulas: number[] = [];
        // `values` is 1-based and sparse: index 0 and empty cells are holes.
        for (let col = 1; col < values.length; col++) {
          const text = cellText(values[col]);
          if (typeof text === 'string') cells.push(text);
          else {
            cells.push('');
            formulas.push(col - 1);
          }
        }
        yield formulas.length > 0 ? { number: row.number, cells, formulas } : { number: row.number, cells };
      }
      // Only the first worksheet: an import is one list.
      return;
    }
  } catch (err) {
    if (err instanceof SpreadsheetRefused) throw err;
    throw new SpreadsheetRefused('spreadsheet_malformed', 'The XLSX file cannot be read: open it in your spreadsheet program, save it again and upload it again');
  }
}
