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
