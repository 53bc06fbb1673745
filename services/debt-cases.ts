import { and, eq } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { debtCollectionCases, invoices, type companies } from '../db/schema';
import type { DebtCaseCreate } from '../domain/debt-case-schemas';
import { conflict, unprocessable } from '../domain/errors';
import type { EventType } from '../domain/events';
import { startDebtCaseWorkflow } from '../workflows/debt-case.client';
import { appendEvents } from './events';
import { newId } from './ids';

export type DebtCaseRow = typeof debtCollectionCases.$inferSelect;
type Tx = Pick<Db, 'insert' | 'select'>;

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

/**
 * Creates a case by hand, idempotent on the company's `external_id`: the same case again (a retry,
 * or a concurrent request) answers the existing one, `created: false`, and makes sure its workflow
 * runs. A case about an invoice is marked on the invoice. Tenancy is the caller's business.
 */
export async function createDebtCase(
  { db, temporal, taskQueue }: { db: Db; temporal: Client; taskQueue: string },
  company: Pick<typeof companies.$inferSelect, 'id' | 'partnerId' | 'status'>,
  invoice: Pick<typeof invoices.$inferSelect, 'id' | 'companyId' | 'debtCollectionCaseId'> | null,
  input: DebtCaseCreate,
): Promise<{ row: DebtCaseRow; created: boolean }> {
  if (invoice && invoice.companyId !== company.id) throw unprocessable('invoice_company_mismatch', 'The invoice belongs to another company');

  const existing = (await db.select().from(debtCollectionCases).where(and(eq(debtCollectionCases.companyId, company.id), eq(debtCollectionCases.externalId, input.external_id))))[0];
  if (existing) {
    // The same case again (a retry): answer it, and make sure its workflow runs.
    if (existing.state !== 'closed') await startDebtCaseWorkflow(temporal, taskQueue, existing, existing.source !== 'manual');
    return { row: existing, created: false };
  }
  if (input.environment === 'production' && company.status !== 'verified') {
    throw conflict('company_not_verified', 'Production cases of a company that is not verified cannot be created; use environment test to try the integration');
  }
  const amountCents = input.line_items.reduce((sum, l) => sum + l.amount_including_tax_cents, 0);
  if (amountCents <= 0) throw unprocessable('case_amount_not_positive', 'The line items must add up to more than zero');
  if (invoice?.debtCollectionCaseId) throw conflict('invoice_has_debt_case', `The invoice is already in debt collection case ${invoice.debtCollectionCaseId}`);

  const { row, created } = await db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(debtCollectionCases)
      .values({
        id: newId('dcc'),
        partnerId: company.partnerId,
        companyId: company.id,
        invoiceId: invoice?.id ?? null,
        externalId: input.external_id,
        source: 'manual',
        environment: input.environment,
        currency: input.currency,
        amountCents,
        details: {
          billing_address: input.billing_address,
          contract_date: input.contract_date,
          due_date: input.due_date,
          language: input.language,
          line_items: input.line_items,
          reference: input.reference,
        },
      })
      .onConflictDoNothing()
      .returning();
    if (!inserted) {
      // Created by a concurrent request with the same external id.
      const [other] = await tx.select().from(debtCollectionCases).where(and(eq(debtCollectionCases.companyId, company.id), eq(debtCollectionCases.externalId, input.external_id)));
      return { row: other!, created: false };
    }
    if (invoice) await tx.update(invoices).set({ debtCollectionCaseId: inserted.id, updatedAt: new Date() }).where(eq(invoices.id, invoice.id));
    await appendDebtCaseEvents(tx, inserted, 'created', [{ type: 'debt_case.created' }]);
    return { row: inserted, created: true };
  });
  await startDebtCaseWorkflow(temporal, taskQueue, row, false);
  return { row, created };
}
