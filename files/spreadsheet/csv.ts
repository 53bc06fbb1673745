import { createReadStream } from 'node:fs';
import type { SpreadsheetLimits } from './limits';
import { SpreadsheetRefused } from './refusal';
import type { SheetRow } from './sheet-row';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function notUtf8(row: number): SpreadsheetRefused {
  return new SpreadsheetRefused(
    'spreadsheet_not_utf8',
    `The file is not UTF-8 text (at row ${row}): it was probably saved in another encoding, such as Windows-1252 ("ANSI"). ` +
      'Save it as "CSV UTF-8" (in Excel: Save as → CSV UTF-8 (comma delimited)) and upload it again.',
  );
}

/**
 * Splits CSV text into records (RFC 4180: quoted fields may hold the separator, `""` and line
 * breaks). Text arrives in chunks and each completed record is handed out at once, so only the
 * record being read is held. The separator is chosen from the header line: whichever of `;` and
 * `,` it holds more of outside quotes (Excel writes `;` where the decimal comma is usual).
 */
export class CsvRecords {
  private separator: string | undefined;
  private pending = '';
  private field = '';
  private fields: string[] = [];
  private quoted = false;
  /** Just after a closing quote: a second quote is an escaped one. */
  private afterQuote = false;
  private recordChars = 0;
  private recordCount = 0;

  constructor(private readonly limits: Pick<SpreadsheetLimits, 'maxCellsPerRow' | 'maxRecordChars'>) {}

  /** The separator, once the header line was seen. */
  get detectedSeparator(): string | undefined {
    return this.separator;
  }

  /** The number of the record being read (1 = the header). */
  get currentRow(): number {
    return this.recordCount + 1;
  }

  push(text: string, final = false): string[][] {
    if (this.separator === undefined) {
      this.pending += text;
      const line = firstLineOutsideQuotes(this.pending);
      if (line === undefined && !final) {
        if (this.pending.length > this.limits.maxRecordChars) throw this.tooLong();
        return [];
      }
      this.separator = chooseSeparator(line ?? this.pending);
      text = this.pending;
      this.pending = '';
    }
    const out: string[][] = [];
    const sep = this.separator;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (++this.recordChars > this.limits.maxRecordChars) throw this.tooLong();
      if (this.quoted) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            this.field += '"';
            i++;
          } else if (i + 1 === text.length && !final) {
            // A quote at the chunk's end: the next chunk tells whether it closes or escapes.
            this.quoted = false;
            this.afterQuote = true;
          } else this.quoted = false;
        } else this.field += ch;
        continue;
      }
      if (this.afterQuote) {
        this.afterQuote = false;
        if (ch === '"') {
          this.field += '"';
          this.quoted = true;
          continue;
        }
      }
      if (ch === '"' && this.field === '') this.quoted = true;
      else if (ch === sep) this.endField();
      else if (ch === '\n' || ch === '\r') {
        if (ch === '\r' && text[i + 1] === '\n') i++;
        out.push(this.endRecord());
      } else this.field += ch;
    }
    if (final && (this.field !== '' || this.fields.length > 0)) out.push(this.endRecord());
    return out;
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    if (this.fields.length > this.limits.maxCellsPerRow) {
      throw new SpreadsheetRefused('spreadsheet_malformed', `Row ${this.currentRow} has more than ${this.limits.maxCellsPerRow} columns`);
    }
  }

  private endRecord(): string[] {
    this.endField();
    const record = this.fields;
    this.fields = [];
    this.recordChars = 0;
    this.recordCount++;
    return record;
  }

  private tooLong(): SpreadsheetRefused {
    return new SpreadsheetRefused('spreadsheet_malformed', `Row ${this.currentRow} is longer than ${this.limits.maxRecordChars} characters: is this a CSV file?`);
  }
}

function firstLineOutsideQuotes(text: string): string | undefined {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) return text.slice(0, i);
  }
  return undefined;
}

function chooseSeparator(headerLine: string): string {
  let semicolons = 0;
  let commas = 0;
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ';') semicolons++;
    else if (!quoted && ch === ',') commas++;
  }
  return semicolons > commas ? ';' : ',';
}

/**
 * The rows of a CSV file, read as a stream. UTF-8 only, with or without a byte order mark: a file
 * in another encoding is refused rather than guessed at, since the same bytes are different
 * letters in Windows-1252, Latin-9 or Mac Roman, and a debtor's misspelled name would go out in
 * every notice. Row numbers count records, the header being row 1, as a spreadsheet shows them.
 */
export async function* readCsvRows(path: string, limits: SpreadsheetLimits): AsyncGenerator<SheetRow> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const records = new CsvRecords(limits);
  let first = true;
  let row = 0;
  const decode = (bytes: Buffer, final: boolean): string => {
    try {
      return decoder.decode(bytes, { stream: !final });
    } catch {
      throw notUtf8(records.currentRow);
    }
  };
  function* emit(list: string[][]): Generator<SheetRow> {
    for (const cells of list) {
      row++;
      if (row > limits.maxRows + 1) throw new SpreadsheetRefused('spreadsheet_too_many_rows', `The file has more than ${limits.maxRows} rows: split it into several imports`);
      yield { number: row, cells };
    }
  }
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
    let bytes = chunk;
    if (first) {
      first = false;
      if (bytes.subarray(0, 3).equals(UTF8_BOM)) bytes = bytes.subarray(3);
    }
    // A NUL is never in a text file: this is a binary file of some other kind.
    if (bytes.includes(0)) {
      throw new SpreadsheetRefused('spreadsheet_unknown_format', 'The file is neither a CSV nor an XLSX file: upload the spreadsheet as .xlsx or as CSV (UTF-8)');
    }
    yield* emit(records.push(decode(bytes, false)));
  }
  yield* emit(records.push(decode(Buffer.alloc(0), true), true));
}
