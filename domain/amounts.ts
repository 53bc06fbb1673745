/**
 * The arithmetic of what a debtor owes. Everything is integer minor units.
 * Invariant: paid + credited + due = total + fees (with overpayment kept apart).
 */
export interface InvoiceAmounts {
  amountTotalCents: number;
  amountPaidCents: number;
  amountCreditedCents: number;
  feesCents: number;
}

/**
 * The largest amount the database holds: amount columns are PostgreSQL `integer` (int4). Requests
 * are refused above it (a 400 naming the field) rather than failing at the database.
 */
export const MAX_AMOUNT_CENTS = 2_147_483_647;

/** The largest sum of amounts a record may reach (totals, running sums) and still be stored. */
export function fitsAmountColumn(cents: number): boolean {
  return Number.isSafeInteger(cents) && Math.abs(cents) <= MAX_AMOUNT_CENTS;
}

export function amountDue(a: InvoiceAmounts): number {
  return Math.max(0, a.amountTotalCents + a.feesCents - a.amountPaidCents - a.amountCreditedCents);
}

/** What was paid beyond what was owed; recorded, never negative due. */
export function overpayment(a: InvoiceAmounts): number {
  return Math.max(0, a.amountPaidCents + a.amountCreditedCents - a.amountTotalCents - a.feesCents);
}

export function lineTotal(line: { amountCents: number; quantity: number }): number {
  return Math.round(line.amountCents * line.quantity);
}

export function invoiceTotal(lines: ReadonlyArray<{ amountCents: number; quantity: number }>): number {
  return lines.reduce((sum, l) => sum + lineTotal(l), 0);
}
