import type { DisputeRow } from '../services/disputes';

/** A dispute → the partner API's dispute resource. */
export function disputeResource(d: DisputeRow) {
  return {
    id: d.id,
    invoice_id: d.invoiceId,
    company_id: d.companyId,
    debtor_id: d.debtorId,
    reason: d.reason,
    details: d.details,
    via: d.via,
    status: d.status,
    opened_at: d.openedAt.toISOString(),
    resolved_at: d.resolvedAt?.toISOString() ?? null,
    resolution_reason: d.resolutionReason,
    credit_cents: d.creditCents,
  };
}
