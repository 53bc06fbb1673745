import type { debtCollectionCaseDocuments } from '../db/schema';
import type { DebtCaseRow } from '../services/debt-cases';

export type DebtCollectionCaseDocumentRow = typeof debtCollectionCaseDocuments.$inferSelect;

/**
 * The case as a collector receives it (http body, file batch entry): the create body's fields, the
 * amounts, the documents' metadata and where to send status callbacks.
 */
export function collectorCasePayload(row: DebtCaseRow, documents: DebtCollectionCaseDocumentRow[], publicBaseUrl: string) {
  const d = row.details;
  return {
    id: row.id,
    company_id: row.companyId,
    external_id: row.externalId,
    invoice_id: row.invoiceId,
    environment: row.environment,
    reference: d.reference ?? null,
    currency: row.currency,
    amount_cents: row.amountCents,
    collected_amount_cents: row.collectedAmountCents,
    contract_date: d.contract_date ?? null,
    due_date: d.due_date ?? null,
    language: d.language ?? null,
    billing_address: d.billing_address ?? null,
    line_items: d.line_items ?? [],
    documents: documents.map((doc) => ({ id: doc.id, type: doc.type, name: doc.name, content_type: doc.contentType, size_bytes: doc.sizeBytes })),
    callback_url: `${publicBaseUrl}/webhooks/collectors/${row.id}`,
    created_at: row.createdAt.toISOString(),
  };
}
export type CollectorCasePayload = ReturnType<typeof collectorCasePayload>;
