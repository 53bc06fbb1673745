import type { DebtorAccount } from '../services/debtors';

/** A debtor account → the contract's debtor resource. */
export function debtorResource({ debtor: d, openInvoiceCount, amountDueCents }: DebtorAccount) {
  return {
    id: d.id,
    company_id: d.companyId,
    external_id: d.externalId,
    name: d.name,
    email: d.email,
    phone: d.phone,
    locale: d.locale,
    timezone: d.timezone,
    opt_outs: d.optOuts,
    open_invoice_count: openInvoiceCount,
    amount_due_cents: amountDueCents,
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
  };
}
