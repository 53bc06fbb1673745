/** A bank statement as read from an MT940 or camt.053 file, in one shape for reconciliation. */

export type BankStatementFormat = 'mt940' | 'camt053';

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
  if (/(^|\n)\s*:20:/.test(text) || start.startsWith('{1:')) return 'mt940';
  return null;
}
