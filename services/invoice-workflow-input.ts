import type { invoices } from '../db/schema';
import type { DunningPolicy } from '../domain/dunning-policy';
import type { InvoiceWorkflowInput } from '../workflows/invoice.messages';

/**
 * What an invoice's workflow starts with: the stored invoice and the policy version it runs under;
 * `vulnerable` when its debtor is flagged vulnerable (the invoice starts paused).
 */
export function invoiceWorkflowInput(inv: typeof invoices.$inferSelect, policy: DunningPolicy, policyVersion: number, vulnerable = false): InvoiceWorkflowInput {
  return {
    invoiceId: inv.id,
    partnerId: inv.partnerId,
    companyId: inv.companyId,
    currency: inv.currency,
    dueDate: inv.dueDate,
    timezone: inv.debtor.timezone ?? 'Europe/Amsterdam',
    amountTotalCents: inv.amountTotalCents,
    policy,
    policyVersion,
    consumer: !inv.debtor.organization_name,
    ...(vulnerable ? { vulnerable } : {}),
  };
}
