/**
 * How one payment over several invoices of a debtor's account is split: oldest due date first,
 * each invoice receiving at most what is due on it; what is left after every chosen invoice is
 * paid in full goes to the last open one as an overpayment (recorded there as on any overpaid
 * invoice: `overpaid_cents`), so no cent of the payment is lost. Invoices no longer open receive
 * nothing.
 */
export interface AllocationTarget {
  invoiceId: string;
  /** YYYY-MM-DD. */
  dueDate: string;
  amountDueCents: number;
  /** Still takes payments (not a draft, not paid, credited, retracted or closed by collection). */
  open: boolean;
}

export interface AllocationShare {
  invoiceId: string;
  amountCents: number;
  /** The part of `amountCents` beyond what was due: only the last open invoice, only when the account is overpaid. */
  overpaidCents: number;
}

/** Oldest due date first; the same due date in the order the invoices were chosen. */
export function allocationOrder<T extends { dueDate: string }>(targets: readonly T[]): T[] {
  return targets.map((t, i) => ({ t, i })).sort((a, b) => (a.t.dueDate < b.t.dueDate ? -1 : a.t.dueDate > b.t.dueDate ? 1 : a.i - b.i)).map(({ t }) => t);
}

/** The share of each open invoice (shares of 0 left out), or null when none of the invoices is open. */
export function allocatePayment(amountCents: number, targets: readonly AllocationTarget[]): AllocationShare[] | null {
  const open = allocationOrder(targets.filter((t) => t.open));
  if (open.length === 0) return null;
  let left = amountCents;
  const shares = open.map((t) => {
    const amount = Math.min(left, Math.max(0, t.amountDueCents));
    left -= amount;
    return { invoiceId: t.invoiceId, amountCents: amount, overpaidCents: 0 };
  });
  if (left > 0) {
    const last = shares[shares.length - 1]!;
    last.amountCents += left;
    last.overpaidCents = left;
  }
  return shares.filter((s) => s.amountCents > 0);
}
