import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { debtCollectionCollectedAmounts, debtCollectionCases, invoices } from '../db/schema';
import { amountDue } from '../domain/amounts';
import { invoiceStatusAfterCollection } from '../domain/debt-case';
import { appendEvents } from '../services/events';
import { debtCaseClient } from '../workflows/debt-case.client';
import type { InvoicePaidNotice } from '../workflows/debt-case.messages';
import { invoiceClient, refusedAsClosed } from '../workflows/invoice.client';
import type { ActivityDeps } from './deps';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** How long a closing invoice workflow is given to end before the activity tries again. */
const INVOICE_END_WAIT_MS = 20_000;

async function isRunning(handle: WorkflowHandle): Promise<boolean> {
  try {
    return (await handle.describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/**
 * Waits for an invoice workflow that has just closed its invoice to end (it has nothing left to do).
 * Polls rather than awaiting the result, which the time-skipping test client would skip time for.
 */
async function awaitEnd(handle: WorkflowHandle): Promise<void> {
  const deadline = Date.now() + INVOICE_END_WAIT_MS;
  while (await isRunning(handle)) {
    if (Date.now() > deadline) throw new Error('the invoice workflow has not ended yet');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * THE SWITCH POINT between the case and its invoice's final status (`collected` / `written_off`).
 * While the invoice workflow runs it takes the outcome as its `closeByCollection` update; when it
 * does not run (it ended when the collector's payments paid the invoice, or never ran), the answer
 * is 'row' and the caller sets the row with `setInvoiceStatusByCollection` in its transaction.
 */
export async function closeInvoiceByCollection(
  temporal: Client,
  input: { invoiceId: string; caseId: string; status: 'collected' | 'written_off'; reason?: string },
): Promise<'update' | 'row'> {
  const workflow = invoiceClient(temporal, input.invoiceId);
  const { handle } = workflow;
  if (!(await isRunning(handle))) return 'row';
  try {
    await workflow.closeByCollection({ status: input.status, caseId: input.caseId, reason: input.reason }, `collection-${input.caseId}`);
    return 'update';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'row';
    if (!refusedAsClosed(err)) throw err;
    await awaitEnd(handle);
    return 'row';
  }
}

/**
 * Sets a closed case's invoice row to its final status, with the event the invoice workflow's
 * update would have written. Only for an invoice whose workflow is not running.
 */
export async function setInvoiceStatusByCollection(
  tx: Tx,
  input: { invoiceId: string; caseId: string; status: 'collected' | 'written_off'; now: Date },
): Promise<string | null> {
  const [invoice] = await tx.select().from(invoices).where(eq(invoices.id, input.invoiceId)).for('update');
  if (!invoice) return null;
  const next = invoiceStatusAfterCollection(invoice.status, input.status);
  if (!next) return invoice.status;
  await tx
    .update(invoices)
    .set({ status: next, nextActionAt: null, revision: invoice.revision + 1, updatedAt: input.now })
    .where(eq(invoices.id, invoice.id));
  // A written-off invoice is told by the case's own `debt_case.closed` event, on the invoice's timeline too.
  if (next === 'collected' && invoice.status !== 'paid') {
    await appendEvents(tx, [
      {
        type: 'invoice.paid',
        partnerId: invoice.partnerId,
        companyId: invoice.companyId,
        invoiceId: invoice.id,
        data: { invoice_id: invoice.id, status: next, amount_due_cents: amountDue(invoice), debt_collection_case_id: input.caseId, outcome: next },
        dedupeKey: `${invoice.id}:collection:${input.caseId}:${next}`,
      },
    ]);
  }
  return next;
}

export type CollectorPaymentOutcome = 'recorded' | 'invoice_closed' | 'invoice_not_running';

/** The link from a case to its invoice: collected amounts become invoice payments; a paid invoice withdraws its case. */
export function debtCaseInvoiceActivities({ db, temporal }: ActivityDeps) {
  return {
    /**
     * Records a collected amount as a payment on the invoice (source `collector`, external id
     * `collector:<case>:<n>`), through the running invoice workflow's `registerPayment` update: the
     * payment that covers what is due closes the invoice as paid.
     */
    async recordCollectorPaymentOnInvoice(input: { caseId: string; invoiceId: string; sequence: number; amountCents: number; collectedAt: string }): Promise<{ outcome: CollectorPaymentOutcome }> {
      const externalId = `collector:${input.caseId}:${input.sequence}`;
      const workflow = invoiceClient(temporal, input.invoiceId);
      let outcome: CollectorPaymentOutcome = 'invoice_not_running';
      if (await isRunning(workflow.handle)) {
        try {
          await workflow.registerPayment({ amountCents: input.amountCents, externalId, paidAt: input.collectedAt, source: 'collector' }, `payment-${externalId}`);
          outcome = 'recorded';
        } catch (err) {
          if (refusedAsClosed(err)) outcome = 'invoice_closed';
          else if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      await db
        .update(debtCollectionCollectedAmounts)
        .set({ invoicePayment: outcome })
        .where(and(eq(debtCollectionCollectedAmounts.caseId, input.caseId), eq(debtCollectionCollectedAmounts.sequence, input.sequence)));
      return { outcome };
    },

    /**
     * For the invoice workflow to call (as an activity) once a payment has paid an invoice that is in
     * debt collection: the case's `invoicePaid` update withdraws the case, unless the payment was the
     * collector's own. Answers at once; a case already closed, or without a workflow, is left alone.
     */
    async notifyDebtCaseOfInvoicePayment(input: InvoicePaidNotice): Promise<{ notified: boolean }> {
      const [invoice] = await db.select({ caseId: invoices.debtCollectionCaseId }).from(invoices).where(eq(invoices.id, input.invoiceId));
      const caseId = invoice?.caseId;
      if (!caseId) return { notified: false };
      const [row] = await db.select({ state: debtCollectionCases.state }).from(debtCollectionCases).where(eq(debtCollectionCases.id, caseId));
      if (!row || row.state === 'closed') return { notified: false };
      try {
        await debtCaseClient(temporal, caseId).invoicePaid(input, `invoice-paid-${input.paymentExternalId ?? input.invoiceId}`);
        return { notified: true };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { notified: false };
        throw err;
      }
    },
  };
}
