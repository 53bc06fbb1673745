/** Invoice statuses from the contract, and which of them end collection. */
export const invoiceStatuses = [
  'draft',
  'open',
  'overdue',
  'promise_to_pay',
  'payment_plan',
  'on_hold',
  'disputed',
  'in_debt_collection',
  'paid',
  'credited',
  'retracted',
  'collected',
  'written_off',
] as const;

export type InvoiceStatus = (typeof invoiceStatuses)[number];

export const finalInvoiceStatuses: readonly InvoiceStatus[] = ['paid', 'credited', 'retracted', 'collected', 'written_off'];

export function isFinalStatus(status: InvoiceStatus): boolean {
  return finalInvoiceStatuses.includes(status);
}

/** What a debtor still owes on: transmitted (no longer a draft) and not final. */
export const openInvoiceStatuses: readonly InvoiceStatus[] = invoiceStatuses.filter((s) => s !== 'draft' && !finalInvoiceStatuses.includes(s));
