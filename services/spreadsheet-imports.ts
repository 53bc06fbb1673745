import type { z } from 'zod';
import type { Db } from '../db/client';
import type { companies, imports } from '../db/schema';
import { invoiceCreateSchema } from '../domain/schemas';
import { readAmountCents, readDate } from '../files/spreadsheet/cell-values';
import { columnLayout, columnName, type ColumnLayout, type ImportColumn } from '../files/spreadsheet/columns';
import { spreadsheetLimits, type SpreadsheetLimits } from '../files/spreadsheet/limits';
import { openSpreadsheet, type SpreadsheetFormat } from '../files/spreadsheet/read';
import { SpreadsheetRefused } from '../files/spreadsheet/refusal';
import type { SheetRow } from '../files/spreadsheet/sheet-row';
import { createImport } from './imports';
import { checkDraftInvoice, createDraftInvoices, type DraftInvoiceCompany, type DraftInvoiceInput, type DraftInvoiceProblem } from './invoices';
import { withFreshPaymentReference } from './payment-references';

/** A row's problem, by the row's number in the file and its column's header as written there. */
export interface SpreadsheetRowError {
  row: number;
  column: string;
  message: string;
}

/** A row read into an invoice, by its number in the file. */
export interface SpreadsheetInvoice {
  row: number;
  invoice: DraftInvoiceInput;
}

export type SpreadsheetReading =
  | { ok: true; format: SpreadsheetFormat; invoices: SpreadsheetInvoice[] }
  /** `errors` holds the first `MAX_REPORTED_ERRORS`; `errorCount` all of them. */
  | { ok: false; format: SpreadsheetFormat; errors: SpreadsheetRowError[]; errorCount: number; rowCount: number };

/** Enough to fix a file by; a file of 10,000 wrong rows needs no 10,000 lines of errors. */
export const MAX_REPORTED_ERRORS = 1000;

/**
 * The partner API's own rule for `POST /invoices`, less the import (the spreadsheet makes its own):
 * a row passes exactly when the same invoice sent by API would.
 */
const rowInvoiceSchema = invoiceCreateSchema.omit({ import_id: true });

/** Which column an error of the partner schema (by its path) or of `prepareDraftInvoice` is about. */
function columnOfPath(path: ReadonlyArray<PropertyKey>): ImportColumn {
  const [head, second, third] = path.map(String);
  if (head === 'debtor') {
    if (second === 'external_id') return 'debtor_number';
    if (second === 'locale') return 'language';
    if (second === 'address') return (third as ImportColumn | undefined) ?? 'street';
    if (second === 'first_name' || second === 'organization_name' || second === 'email' || second === 'phone') return second;
    return 'last_name';
  }
  if (head === 'invoice_lines') return third === 'description' ? 'description' : 'amount';
  if (head === 'issue_date' || head === 'due_date' || head === 'reference') return head;
  return 'invoice_number';
}

const draftProblemColumn: Record<DraftInvoiceProblem['code'], ImportColumn> = {
  invoice_total_not_positive: 'amount',
  due_date_before_issue_date: 'due_date',
  invalid_phone: 'phone',
};

/** One row into the invoice the partner API would take, or its errors; nothing is stored. */
function readInvoiceRow(
  row: SheetRow,
  layout: ColumnLayout,
  company: DraftInvoiceCompany,
): { ok: true; invoice: DraftInvoiceInput } | { ok: false; errors: SpreadsheetRowError[] } {
  const errors: SpreadsheetRowError[] = [];
  const fail = (column: ImportColumn, message: string) => errors.push({ row: row.number, column: columnName(layout, column), message });
  const cell = (column: ImportColumn): string | undefined => {
    const i = layout.index.get(column);
    const text = i === undefined ? '' : (row.cells[i] ?? '').trim();
    return text === '' ? undefined : text;
  };
  for (const i of row.formulas ?? []) {
    const column = [...layout.index].find(([, at]) => at === i)?.[0];
    if (column) fail(column, 'is a formula: formulas are never evaluated, type the value itself');
  }
  const amountText = cell('amount');
  const amount = amountText === undefined ? undefined : readAmountCents(amountText);
  if (amount && !amount.ok) fail('amount', amount.message);
  const date = (column: 'issue_date' | 'due_date') => {
    const text = cell(column);
    if (text === undefined) return undefined;
    const read = readDate(text);
    if (read.ok) return read.value;
    fail(column, read.message);
    return undefined;
  };
  const issueDate = date('issue_date');
  const dueDate = date('due_date');
  const address = ['street', 'postal_code', 'city', 'country'].some((c) => cell(c as ImportColumn) !== undefined)
    ? { street: cell('street'), postal_code: cell('postal_code'), city: cell('city'), country: cell('country')?.toUpperCase() }
    : undefined;
  const candidate = {
    invoice_number: cell('invoice_number'),
    issue_date: issueDate,
    due_date: dueDate,
    reference: cell('reference'),
    debtor: {
      external_id: cell('debtor_number'),
      first_name: cell('first_name'),
      last_name: cell('last_name'),
      organization_name: cell('organization_name'),
      email: cell('email'),
      phone: cell('phone'),
      address,
      locale: cell('language')?.toLowerCase(),
    },
    invoice_lines: [{ description: cell('description'), amount_cents: amount?.ok ? amount.value : undefined }],
  };
  const parsed = rowInvoiceSchema.safeParse(candidate);
  if (!parsed.success) {
    const said = new Set(errors.map((e) => e.column));
    for (const issue of parsed.error.issues) {
      const column = columnOfPath(issue.path);
      // A cell already refused (unreadable amount or date) is not refused twice.
      if (said.has(columnName(layout, column))) continue;
      said.add(columnName(layout, column));
      fail(column, cell(column) === undefined ? emptyMessage(column, issue) : issue.message);
    }
  }
  if (errors.length > 0 || !parsed.success) return { ok: false, errors };
  // Cells left empty are keys holding undefined: the same invoice as one that leaves them out.
  const invoice: DraftInvoiceInput = parsed.data;
  // The rules the API applies after its schema (total above zero, due after issue, a dialable phone).
  const checked = checkDraftInvoice(company, invoice);
  if (!checked.ok) {
    for (const p of checked.problems) fail(draftProblemColumn[p.code], p.message);
    return { ok: false, errors };
  }
  return { ok: true, invoice };
}

/** A row's errors left to right, as the treasurer reads the row. */
function inFileOrder(list: SpreadsheetRowError[], layout: ColumnLayout): SpreadsheetRowError[] {
  const at = (e: SpreadsheetRowError) => {
    for (const [column, header] of layout.written) if (header === e.column) return layout.index.get(column)!;
    return Number.MAX_SAFE_INTEGER;
  };
  return [...list].sort((a, b) => at(a) - at(b));
}

function emptyMessage(column: ImportColumn, issue: z.core.$ZodIssue): string {
  if (column === 'last_name' && issue.code === 'custom') return 'is empty: give the last name or the organisation';
  return 'is empty';
}

/**
 * Reads and checks every row of an uploaded spreadsheet for a company, streaming (one row held at
 * a time besides the invoices read so far), before anything is created: each row must pass the
 * partner API's rule for `POST /invoices`, and no invoice number may come twice in the file. A
 * file refused as a whole throws `SpreadsheetRefused`.
 */
export async function readSpreadsheetInvoices(
  path: string,
  company: DraftInvoiceCompany,
  limits: SpreadsheetLimits = spreadsheetLimits,
): Promise<SpreadsheetReading> {
  const { format, rows } = await openSpreadsheet(path, limits);
  let layout: ColumnLayout | undefined;
  const invoices: SpreadsheetInvoice[] = [];
  const errors: SpreadsheetRowError[] = [];
  let errorCount = 0;
  let rowCount = 0;
  // Upper case: the database looks invoice numbers up so (invoices_number_upper).
  const rowOfNumber = new Map<string, number>();
  const report = (list: SpreadsheetRowError[]) => {
    errorCount += list.length;
    for (const e of list) if (errors.length < MAX_REPORTED_ERRORS) errors.push(e);
  };
  for await (const row of rows) {
    if (row.cells.every((c) => c.trim() === '')) continue;
    if (!layout) {
      layout = columnLayout(row);
      continue;
    }
    rowCount++;
    const read = readInvoiceRow(row, layout, company);
    const rowErrors = read.ok ? [] : read.errors;
    const number = read.ok ? read.invoice.invoice_number : undefined;
    if (number !== undefined) {
      const earlier = rowOfNumber.get(number.toUpperCase());
      if (earlier !== undefined) rowErrors.push({ row: row.number, column: columnName(layout, 'invoice_number'), message: `is also in row ${earlier}` });
      else rowOfNumber.set(number.toUpperCase(), row.number);
    }
    if (rowErrors.length > 0) report(inFileOrder(rowErrors, layout));
    else if (read.ok && errorCount === 0) invoices.push({ row: row.number, invoice: read.invoice });
  }
  if (!layout) throw new SpreadsheetRefused('spreadsheet_empty', 'The file has no rows: it needs a header row and one row per invoice');
  if (rowCount === 0) throw new SpreadsheetRefused('spreadsheet_empty', 'The file has a header row but no invoices');
  if (errorCount > 0) return { ok: false, format, errors, errorCount, rowCount };
  return { ok: true, format, invoices };
}

type Company = DraftInvoiceCompany & Pick<typeof companies.$inferSelect, 'partnerId'>;

/**
 * One draft import holding one invoice per row, created in one transaction: all rows or none.
 * Invoices are made by `createDraftInvoices`, as those of the API, batch files and pull are.
 */
export async function createSpreadsheetImport(
  { db }: { db: Db },
  company: Company,
  invoices: ReadonlyArray<SpreadsheetInvoice>,
  options: { title?: string } = {},
): Promise<typeof imports.$inferSelect> {
  return withFreshPaymentReference(() =>
    db.transaction(async (tx) => {
      const imp = await createImport({ db: tx }, company, { title: options.title });
      await createDraftInvoices(tx, company, imp.id, invoices.map((i) => i.invoice));
      return imp;
    }),
  );
}

/**
 * Reads a spreadsheet and, when every row is right, makes its draft import; when any row is wrong,
 * answers the errors and creates nothing.
 */
export async function importSpreadsheet(
  deps: { db: Db },
  company: Company,
  path: string,
  options: { title?: string; limits?: SpreadsheetLimits } = {},
): Promise<{ ok: true; import: typeof imports.$inferSelect; invoiceCount: number } | Extract<SpreadsheetReading, { ok: false }>> {
  const reading = await readSpreadsheetInvoices(path, company, options.limits);
  if (!reading.ok) return reading;
  const imp = await createSpreadsheetImport(deps, company, reading.invoices, { title: options.title });
  return { ok: true, import: imp, invoiceCount: reading.invoices.length };
}
