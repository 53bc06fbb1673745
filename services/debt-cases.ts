import type { Db } from '../db/client';
import { debtCollectionCases } from '../db/schema';
import type { EventType } from '../domain/events';
import { appendEvents } from './events';

export type DebtCaseRow = typeof debtCollectionCases.$inferSelect;
type Tx = Pick<Db, 'insert'>;

/** The case fields every `debt_case.*` event carries (company and invoice included), in the API's words. */
export function debtCaseEventData(row: DebtCaseRow, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    debt_collection_case_id: row.id,
    company_id: row.companyId,
    invoice_id: row.invoiceId,
    external_id: row.externalId,
    environment: row.environment,
    source: row.source,
    state: row.state,
    currency: row.currency,
    amount_cents: row.amountCents,
    collected_amount_cents: row.collectedAmountCents,
    close_reason: row.closeReason,
    ...extra,
  };
}

/**
 * Appends a case's events in the transaction of the change they report; `changeKey` is unique
 * within the case's life, so a retried activity writes them once.
 */
export async function appendDebtCaseEvents(
  tx: Tx,
  row: DebtCaseRow,
  changeKey: string,
  list: Array<{ type: EventType; data?: Record<string, unknown> }>,
): Promise<void> {
  await appendEvents(
    tx,
    list.map((e, i) => ({
      type: e.type,
      partnerId: row.partnerId,
      companyId: row.companyId,
      invoiceId: row.invoiceId,
      data: debtCaseEventData(row, e.data),
      dedupeKey: `debt_case:${row.id}:${changeKey}:${i}`,
    })),
  );
}
