import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { templateLanguages } from '../../files/spreadsheet/columns';
import { spreadsheetLimits } from '../../files/spreadsheet/limits';
import { openSpreadsheet } from '../../files/spreadsheet/read';
import { SpreadsheetRefused } from '../../files/spreadsheet/refusal';
import { csvTemplate, xlsxTemplate } from '../../files/spreadsheet/template';
import { readSpreadsheetInvoices, type SpreadsheetReading } from '../../services/spreadsheet-imports';
import { zipOf } from '../support/zip';

/**
 * The spreadsheet reader on real files: CSV written by hand (both separators, with and without a
 * byte order mark), XLSX written by ExcelJS, and the files it must refuse (another encoding, junk,
 * a zip bomb), each with the message a treasurer would read.
 */
const company = { id: 'cmp_test', partnerId: 'ptn_test', currency: 'EUR', country: 'NL' };
let dir: string;
let n = 0;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'recoup-spreadsheet-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(contents: Buffer | string, ext = 'csv'): string {
  const p = path.join(dir, `upload-${++n}.${ext}`);
  writeFileSync(p, contents);
  return p;
}

async function read(p: string, limits = spreadsheetLimits): Promise<SpreadsheetReading> {
  return readSpreadsheetInvoices(p, company, limits);
}

async function refusal(p: string, limits = spreadsheetLimits): Promise<SpreadsheetRefused> {
  const err = await read(p, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SpreadsheetRefused);
  return err as SpreadsheetRefused;
}

function invoicesOf(r: SpreadsheetReading) {
  if (!r.ok) throw new Error(`expected no errors, got ${JSON.stringify(r.errors)}`);
  return r.invoices;
}

async function xlsxOf(rows: unknown[][], decorate?: (sheet: ExcelJS.Worksheet) => void): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Invoices');
  for (const row of rows) sheet.addRow(row);
  decorate?.(sheet);
  return file(Buffer.from(await workbook.xlsx.writeBuffer()), 'xlsx');
}

describe('CSV written by hand', () => {
  test.each([
    ['semicolons, with a byte order mark, decimal commas and day-first dates', '\ufeffFactuurnummer;Factuurdatum;Vervaldatum;Bedrag;Omschrijving;Achternaam\r\nF-1;01-02-2027;28-02-2027;12,50;"Contributie; jeugd";de Vries\r\n'],
    ['commas, without a byte order mark, decimal points and ISO dates', 'Invoice number,Issue date,Due date,Amount,Description,Last name\nF-1,2027-02-01,2027-02-28,12.50,"Contributie; jeugd",de Vries\n'],
    ['commas and a quoted field holding a comma, a quote and a line break', 'invoice_number,issue_date,due_date,amount,description,last_name\nF-1,2027-02-01,2027-02-28,"12,50","Contributie; jeugd",de Vries'],
  ])('%s', async (_name, text) => {
    const [row] = invoicesOf(await read(file(text)));
    expect(row).toEqual({
      row: 2,
      invoice: expect.objectContaining({
        invoice_number: 'F-1',
        issue_date: '2027-02-01',
        due_date: '2027-02-28',
        debtor: expect.objectContaining({ last_name: 'de Vries' }),
        invoice_lines: [expect.objectContaining({ description: 'Contributie; jeugd', amount_cents: 1250 })],
      }),
    });
  });

  test('a quoted field keeps its separator, doubled quotes and line breaks; blank rows are skipped', async () => {
    const text = 'Rechnungsnummer;Rechnungsdatum;Fälligkeitsdatum;Betrag;Beschreibung;Nachname;Straße;PLZ;Ort;Land\n\nR-1;01.02.2027;28.02.2027;1.234,56;"Beitrag ""Senioren"";\nzweite Zeile";Müller;Hauptstraße 1;10115;Berlin;de\n';
    const [row] = invoicesOf(await read(file(text)));
    expect(row!.invoice.invoice_lines[0]).toEqual(expect.objectContaining({ description: 'Beitrag "Senioren";\nzweite Zeile', amount_cents: 123_456 }));
    expect(row!.invoice.debtor.address).toEqual({ street: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' });
    expect(row!.row).toBe(3);
  });

  test('a file in Windows-1252 is refused, naming the encoding and how to save it', async () => {
    const text = 'Numéro de facture;Date de facture;Date d\'échéance;Montant;Description;Nom\nF-1;01/02/2027;28/02/2027;12,50;Cotisation;Hélène\n';
    const err = await refusal(file(Buffer.from(text, 'latin1')));
    expect(err.code).toBe('spreadsheet_not_utf8');
    expect(err.message).toMatch(/not UTF-8 .*Windows-1252.*CSV UTF-8/);
  });

  test('the same text in UTF-8 is read, accents intact', async () => {
    const text = 'Numéro de facture;Date de facture;Date d\'échéance;Montant;Description;Nom\nF-1;01/02/2027;28/02/2027;12,50;Cotisation;Hélène\n';
    expect(invoicesOf(await read(file(Buffer.from(text, 'utf8'))))[0]!.invoice.debtor.last_name).toBe('Hélène');
  });
});

describe('cells starting with =, +, - or @ are text, never evaluated', () => {
  test('in a CSV every such cell arrives as written', async () => {
    const text = 'Invoice number,Issue date,Due date,Amount,Description,First name,Last name,Reference\n=1+1,2027-02-01,2027-02-28,12.50,"=HYPERLINK(""http://evil.example"",""pay here"")",@SUM(A1),-Smith,+cmd|\' /C calc\'!A0\n';
    const [row] = invoicesOf(await read(file(text)));
    expect(row!.invoice.invoice_number).toBe('=1+1');
    expect(row!.invoice.invoice_lines[0]!.description).toBe('=HYPERLINK("http://evil.example","pay here")');
    expect(row!.invoice.debtor).toEqual(expect.objectContaining({ first_name: '@SUM(A1)', last_name: '-Smith' }));
    expect(row!.invoice.reference).toBe("+cmd|' /C calc'!A0");
  });

  test('in an XLSX a formula cell is refused with its row and column, and its cached result is not taken', async () => {
    const p = await xlsxOf([['Invoice number', 'Issue date', 'Due date', 'Amount', 'Description', 'Last name'], ['F-1', '2027-02-01', '2027-02-28', null, 'Membership', 'Smith']], (sheet) => {
      sheet.getCell('D2').value = { formula: '100+20', result: 120 } as ExcelJS.CellFormulaValue;
    });
    const r = await read(p);
    expect(r).toEqual(expect.objectContaining({ ok: false, errors: [{ row: 2, column: 'Amount', message: expect.stringMatching(/formula.*never evaluated/) }] }));
  });

  test('in an XLSX a text cell that starts with = stays text', async () => {
    const p = await xlsxOf([['Invoice number', 'Issue date', 'Due date', 'Amount', 'Description', 'Last name'], ['F-1', '2027-02-01', '2027-02-28', '12,50', '=2+2', '@Smith']]);
    const [row] = invoicesOf(await read(p));
    expect(row!.invoice.invoice_lines[0]!.description).toBe('=2+2');
    expect(row!.invoice.debtor.last_name).toBe('@Smith');
  });
});

describe('XLSX written by ExcelJS', () => {
  test('numbers, dates and text cells become the invoice the API would take', async () => {
    const p = await xlsxOf([
      ['Factuurnummer', 'Factuurdatum', 'Vervaldatum', 'Bedrag', 'Omschrijving', 'Voornaam', 'Achternaam', 'E-mail', 'Telefoon', 'Taal'],
      [2027001, new Date(Date.UTC(2027, 1, 1)), new Date(Date.UTC(2027, 1, 28)), 0.1 + 0.2, 'Contributie', 'Anna', 'de Vries', 'anna@example.nl', '06 1234 5678', 'NL'],
      ['2027-002', '01-02-2027', '28-02-2027', 45, 'Contributie', 'Piet', 'Jansen', '', '', ''],
    ]);
    const rows = invoicesOf(await read(p));
    expect(rows.map((r) => [r.row, r.invoice.invoice_number, r.invoice.issue_date, r.invoice.due_date, r.invoice.invoice_lines[0]!.amount_cents])).toEqual([
      [2, '2027001', '2027-02-01', '2027-02-28', 30],
      [3, '2027-002', '2027-02-01', '2027-02-28', 4500],
    ]);
    expect(rows[0]!.invoice.debtor).toEqual(expect.objectContaining({ email: 'anna@example.nl', phone: '06 1234 5678', locale: 'nl' }));
  });

  test('only the first worksheet is read', async () => {
    const p = await xlsxOf([['Invoice number', 'Issue date', 'Due date', 'Amount', 'Description', 'Last name'], ['F-1', '2027-02-01', '2027-02-28', '10', 'Membership', 'Smith']], (sheet) => {
      sheet.workbook.addWorksheet('Notes').addRow(['not', 'an', 'invoice']);
    });
    expect(invoicesOf(await read(p))).toHaveLength(1);
  });
});

describe('the template of each language', () => {
  test.each(templateLanguages)('%s: its CSV and its XLSX read back as one valid invoice of 120.00', async (language) => {
    for (const p of [file(csvTemplate(language)), file(await xlsxTemplate(language), 'xlsx')]) {
      const rows = invoicesOf(await read(p));
      expect(rows).toHaveLength(1);
      expect(rows[0]!.invoice).toEqual(expect.objectContaining({ invoice_number: '2027-001', issue_date: '2027-01-01', due_date: '2027-01-31', invoice_lines: [expect.objectContaining({ amount_cents: 12_000 })] }));
      expect(rows[0]!.invoice.debtor.locale).toBe(language);
    }
  });
});

describe('errors per row and column, before anything is made', () => {
  test('each wrong cell is reported by its row number and its header as written', async () => {
    const text = [
      'Factuurnummer;Factuurdatum;Vervaldatum;Bedrag;Omschrijving;Achternaam;Organisatie;E-mail;Telefoon',
      'F-1;01-02-2027;28-02-2027;12,50;Contributie;de Vries;;;',
      'F-2;31-02-2027;28-02-2027;1.234;Contributie;Jansen;;;',
      'F-3;01-02-2027;28-02-2027;10;Contributie;;;jan@;',
      'f-1;01-02-2027;28-02-2027;10;Contributie;Bakker;;;',
      'F-5;01-03-2027;28-02-2027;0;;Visser;;;012',
      'F-6;gisteren;28-02-2027;12,5;Contributie;;Hockeyclub;;',
    ].join('\n');
    const r = await read(file(text));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      { row: 3, column: 'Factuurdatum', message: 'must be a real calendar date' },
      { row: 3, column: 'Bedrag', message: expect.stringMatching(/^must be an amount such as 12,50 or 12\.50/) },
      { row: 4, column: 'Achternaam', message: 'is empty: give the last name or the organisation' },
      { row: 4, column: 'E-mail', message: expect.any(String) },
      { row: 5, column: 'Factuurnummer', message: 'is also in row 2' },
      { row: 6, column: 'Omschrijving', message: 'is empty' },
      { row: 6, column: 'Telefoon', message: expect.any(String) },
      { row: 7, column: 'Factuurdatum', message: 'must be a date such as 2027-01-31 or 31-01-2027' },
    ]);
    expect(r.errorCount).toBe(8);
    expect(r.rowCount).toBe(6);
  });

  test('the rules after the schema are the API\'s too: a total of zero, due before issued, a phone that cannot be dialled', async () => {
    const text = 'Invoice number,Issue date,Due date,Amount,Description,Last name,Phone\nF-1,2027-03-01,2027-02-28,0,Membership,Smith,+31 12 34\n';
    const r = await read(file(text));
    expect(r).toEqual(expect.objectContaining({ ok: false }));
    if (r.ok) return;
    expect(r.errors.map((e) => e.column).sort()).toEqual(['Amount', 'Due date', 'Phone']);
  });
});

describe('files refused as a whole', () => {
  test('50 MB of junk is refused by its size before it is read', async () => {
    const err = await refusal(file(randomBytes(50 * 1024 * 1024), 'xlsx'));
    expect(err.code).toBe('spreadsheet_too_large');
    expect(err.message).toMatch(/50\.0 MB; at most 20 MB/);
  });

  test.each([
    ['binary junk', Buffer.concat([Buffer.from('junk'), randomBytes(4096)]), 'spreadsheet_unknown_format', /neither a CSV nor an XLSX/],
    ['an Excel 97–2003 .xls', Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512)]), 'spreadsheet_unknown_format', /Excel 97–2003/],
    ['UTF-16 text', Buffer.from('\ufeffInvoice number\tAmount\n', 'utf16le'), 'spreadsheet_not_utf8', /UTF-16/],
    ['a zip that is not a workbook', zipOf([{ name: 'readme.txt', data: Buffer.from('hello') }]), 'spreadsheet_unknown_format', /not an XLSX workbook/],
    ['an empty file', Buffer.alloc(0), 'spreadsheet_empty', /empty/],
    ['a header without rows', Buffer.from('Invoice number,Issue date,Due date,Amount,Description,Last name\n'), 'spreadsheet_empty', /no invoices/],
    ['an unknown column', Buffer.from('Invoice number,Issue date,Due date,Amount,Description,Last name,Shoe size\n'), 'spreadsheet_columns', /Unknown column "Shoe size"/],
    ['a missing column', Buffer.from('Factuurnummer;Factuurdatum;Bedrag;Omschrijving;Achternaam\n'), 'spreadsheet_columns', /Missing column "Vervaldatum"/],
    ['the same column twice', Buffer.from('Invoice number;Factuurnummer\n'), 'spreadsheet_columns', /same column/],
  ])('%s', async (_name, bytes, code, message) => {
    const err = await refusal(file(bytes, 'upload'));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  test('more rows than the limit', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => `F-${i},2027-02-01,2027-02-28,10,Membership,Smith`);
    const err = await refusal(file(['Invoice number,Issue date,Due date,Amount,Description,Last name', ...rows].join('\n')), { ...spreadsheetLimits, maxRows: 3 });
    expect(err.code).toBe('spreadsheet_too_many_rows');
  });
});

describe('zip bombs are refused before they are unpacked', () => {
  const workbookXml = Buffer.from('<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="a" sheetId="1"/></sheets></workbook>');

  test('a part that states a size far beyond any sheet', async () => {
    const p = file(zipOf([{ name: 'xl/workbook.xml', data: workbookXml }, { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(1000), statedSize: 4_000_000_000 }]), 'xlsx');
    const err = await refusal(p);
    expect(err.code).toBe('spreadsheet_zip_bomb');
    expect(err.message).toMatch(/unpacks to \d+ MB/);
  });

  test('a part that packs 50 MB of zeros into a few kilobytes', async () => {
    const p = file(zipOf([{ name: 'xl/workbook.xml', data: workbookXml }, { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(50 * 1024 * 1024) }]), 'xlsx');
    const err = await refusal(p);
    expect(err.code).toBe('spreadsheet_zip_bomb');
    expect(err.message).toMatch(/more than 200 times its packed size/);
  });

  test('a part whose stated size is a lie is cut off at that size', async () => {
    const p = file(zipOf([{ name: 'xl/workbook.xml', data: workbookXml }, { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(20 * 1024 * 1024, 0x61), statedSize: 100_000 }]), 'xlsx');
    const err = await refusal(p);
    expect(err.code).toBe('spreadsheet_zip_bomb');
    expect(err.message).toMatch(/unpacks to more than its stated size/);
  });

  test('a real workbook passes the same checks', async () => {
    const { format, rows } = await openSpreadsheet(file(await xlsxTemplate('en'), 'xlsx'));
    expect(format).toBe('xlsx');
    let count = 0;
    for await (const _ of rows) count++;
    expect(count).toBe(2);
  });
});
