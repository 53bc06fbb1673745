/** A bank statement as read from an MT940 or camt.053 file, in one shape for reconciliation. */

/** `mt942` is an interim (intraday) report: entries, no opening balance. */
export type BankStatementFormat = 'mt940' | 'mt942' | 'camt053';

/** ISO 4217 "no currency": a statement snippet that names none. Such lines never match an invoice. */
export const UNKNOWN_CURRENCY = 'XXX';

export interface ParsedBankTransaction {
  /** YYYY-MM-DD. */
  bookingDate: string;
  valueDate: string;
  direction: 'credit' | 'debit';
  /** Always positive; `direction` says which way. */
  amountCents: number;
  /** The bank's own id of the entry (camt.053 AcctSvcrRef / NtryRef, MT940 :61: bank reference), when given. */
  bankReference: string | null;
  /** What the payer gave as reference (MT940 :61: customer reference, camt.053 EndToEndId). */
  customerReference: string | null;
  /** Who paid (or was paid), when the statement says. */
  counterpartyName: string | null;
  /** Everything the payer wrote and the bank passed on: the text invoices are found in. */
  remittance: string;
}

export interface ParsedBankStatement {
  format: BankStatementFormat;
  /** MT940 :20: / camt.053 Stmt/Id. */
  reference: string;
  /** The account (IBAN or the bank's account id). */
  account: string;
  currency: string;
  openingBalanceCents: number | null;
  closingBalanceCents: number | null;
  transactions: ParsedBankTransaction[];
}

/** A statement file that cannot be read; `path` names where (line or element). */
export class StatementParseError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

export function detectFormat(text: string): BankStatementFormat | null {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('<')) return 'camt053';
  // A statement, an MT942 report or a snippet of either: some line starts with one of their tags.
  // eslint-disable-next-line no-control-regex -- control characters (SOH) may precede the first tag
  if (start.startsWith('{1:') || /(^|\n)[\x00-\x1f ]*:(20|25|28C?|34F|13D?|60[FM]?|61|62[FM]?|86|90[CD]):/.test(text)) return 'mt940';
  return null;
}

/**
 * The text of a statement file as uploaded. Banks write UTF-8, Latin-1/Windows-1252 (older German
 * and Dutch MT940) or, rarely, UTF-16 with a byte-order mark: a declared charset is honoured, else
 * bytes that are not valid UTF-8 are read as Windows-1252. A NUL left after decoding means the file
 * is binary (a PDF, a spreadsheet), which no statement is.
 */
export function decodeStatementFile(bytes: Uint8Array, declaredCharset?: string): string {
  let text: string | null = null;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder('utf-16le').decode(bytes);
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = new TextDecoder('utf-16be').decode(bytes);
  else if (declaredCharset && !/^utf-?8$/i.test(declaredCharset)) {
    try {
      text = new TextDecoder(declaredCharset).decode(bytes);
    } catch {
      text = null; // An unknown label: fall back to detection.
    }
  }
  if (text === null) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      text = new TextDecoder('windows-1252').decode(bytes);
    }
  }
  text = text.replace(/^\uFEFF/, '');
  const nul = text.indexOf('\0');
  if (nul >= 0) throw new StatementParseError('the file is binary (it contains NUL bytes), not a statement', `line ${text.slice(0, nul).split('\n').length}`);
  return text;
}
