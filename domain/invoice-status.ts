/** Invoice statuses from the contract, and which of them end collection. */
export const invoiceStatuses = [
  'draft',
  'open',
  'overdue',
  'promise_to_pay',
  'payment_plan',
  'on_hold',
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
