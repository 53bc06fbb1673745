import type { debtCollectionCaseDocuments, debtCollectionCollectedAmounts } from '../../db/schema';
import { fallbackCollector, outstandingCents } from '../../domain/debt-case';
import type { DebtCaseRow } from '../../services/debt-cases';
import type { DebtCaseParts } from '../../services/debt-case-access';
import { eventResource } from '../../resources/serializers';

/** Database rows → the case API's snake_case resources. */
type Row<T extends { $inferSelect: unknown }> = T['$inferSelect'];

export function debtCaseDocumentResource(d: Row<typeof debtCollectionCaseDocuments>) {
  return {
    id: d.id,
    debt_collection_case_id: d.caseId,
    type: d.type,
    name: d.name,
    content_type: d.contentType,
    size_bytes: d.sizeBytes,
    /** Attached by Recoup (a dunning case's invoice, lines and timeline), not uploaded. */
    automatic: d.dedupeKey !== null,
    created_at: d.createdAt.toISOString(),
  };
}

export function collectedAmountResource(a: Row<typeof debtCollectionCollectedAmounts>) {
  return {
    id: a.id,
    sequence: a.sequence,
    amount_cents: a.amountCents,
    collected_at: a.collectedAt.toISOString(),
    source: a.source,
    recorded_by: a.recordedBy,
    collector_reference: a.collectorReference,
    /** What became of it on the invoice: `recorded` as a payment, `invoice_closed`, `invoice_not_running`; null without invoice or not yet. */
    invoice_payment: a.invoicePayment,
    created_at: a.createdAt.toISOString(),
  };
}

export function debtCaseResource(c: DebtCaseRow, parts?: DebtCaseParts) {
  const d = c.details;
  return {
    id: c.id,
    company_id: c.companyId,
    invoice_id: c.invoiceId,
    external_id: c.externalId,
    source: c.source,
    environment: c.environment,
    state: c.state,
    currency: c.currency,
    amount_cents: c.amountCents,
    collected_amount_cents: c.collectedAmountCents,
    outstanding_amount_cents: outstandingCents(c),
    close_reason: c.closeReason,
    close_note: c.closeNote,
    closed_by: c.closedBy,
    review_required: c.reviewRequired,
    review: c.reviewDecision
      ? { decision: c.reviewDecision, reason: c.reviewReason, reviewed_by: c.reviewedBy, reviewed_at: c.reviewedAt?.toISOString() ?? null }
      : null,
    /** The configuration chosen at mark-prepared (a copy: later edits of the list do not change it). */
    collector: c.preparedAt
      ? {
          name: c.collector?.name ?? null,
          kind: c.collector?.collector ?? fallbackCollector,
          matched_configuration: c.collector !== null,
          configuration_version: c.collectorConfigurationVersion,
        }
      : null,
    hand_off: c.handOff
      ? {
          delivery: c.handOff.delivery,
          reference: c.handOff.reference ?? null,
          destination: c.handOff.destination ?? null,
          error: c.handOff.error ?? null,
          handed_off_at: c.handedOffAt?.toISOString() ?? null,
        }
      : null,
    reference: d.reference ?? null,
    contract_date: d.contract_date ?? null,
    due_date: d.due_date ?? null,
    language: d.language ?? null,
    billing_address: d.billing_address ?? null,
    line_items: d.line_items ?? [],
    prepared_at: c.preparedAt?.toISOString() ?? null,
    closed_at: c.closedAt?.toISOString() ?? null,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
    ...(parts
      ? {
          documents: parts.documents.map(debtCaseDocumentResource),
          collected_amounts: parts.collectedAmounts.map(collectedAmountResource),
          timeline: parts.timeline.map(eventResource),
        }
      : {}),
  };
}
