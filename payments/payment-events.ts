import { and, eq } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Db } from '../db/client';
import { invoices, ledgerEntries } from '../db/schema';
import { isFinalStatus } from '../domain/invoice-status';
import { reverseInvoicePayment } from '../services/payment-reversal';
import { invoiceClient, invoiceRefusal } from '../workflows/invoice.client';
import { InvoiceFailure } from '../workflows/invoice.messages';
import { applyAccountPayment } from './account-payment';
import type { PaymentEvent } from './payment-provider';

export interface PaymentEventDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

/** What became of a webhook: every outcome but a thrown error is answered 2xx, so the provider stops retrying. */
export type PaymentEventOutcome =
  | 'payment_registered'
  | 'already_recorded'
  | 'payment_reversed'
  | 'payment_failed'
  | 'ignored'
  | 'unknown_invoice'
  | 'unknown_payment'
  | 'currency_mismatch'
  | 'invoice_closed'
  | 'refused';

/**
 * Applies a provider's payment event to its invoice. A payment over several invoices of the
 * debtor's account is split by `applyAccountPayment` (one share per invoice, exactly once). Payments reach the invoice workflow only as
 * the `registerPayment` update, with the provider's payment id as external id and update id, and
 * after a look in the ledger: a webhook delivered twice (or while the first is still running)
 * counts once. Refunds and chargebacks go through `reverseInvoicePayment`, which reopens a paid
 * invoice.
 */
export async function applyPaymentEvent(deps: PaymentEventDeps, event: PaymentEvent): Promise<PaymentEventOutcome> {
  if (event.kind === 'ignored') return 'ignored';
  if (event.kind === 'payment_failed') return 'payment_failed';
  if (!event.invoiceId) return 'unknown_invoice';
  if (event.kind === 'payment_succeeded' && event.invoiceIds && new Set(event.invoiceIds).size > 1) {
    const result = await applyAccountPayment(deps.db, deps.temporal, event, event.invoiceIds);
    if (result.kind === 'delivered') return 'payment_registered';
    if (result.kind === 'refused') return refusal(result.error);
    return result.kind;
  }
  const [invoice] = await deps.db.select().from(invoices).where(eq(invoices.id, event.invoiceId));
  if (!invoice) return 'unknown_invoice';
  const ledger = await deps.db.select().from(ledgerEntries).where(and(eq(ledgerEntries.invoiceId, invoice.id), eq(ledgerEntries.kind, 'payment')));

  if (event.kind === 'payment_succeeded') {
    if (event.currency !== invoice.currency) return 'currency_mismatch';
    if (ledger.some((e) => e.externalId === event.providerPaymentId)) return 'already_recorded';
    if (invoice.status === 'draft' || isFinalStatus(invoice.status)) return 'invoice_closed';
    try {
      await invoiceClient(deps.temporal, invoice.id).registerPayment(
        { amountCents: event.amountCents, externalId: event.providerPaymentId, paidAt: event.paidAt, source: 'portal' },
        `payment-${event.providerPaymentId}`,
      );
      return 'payment_registered';
    } catch (err) {
      return refusal(err);
    }
  }

  // A reversal: how much of this payment is taken back beyond what the ledger already shows.
  const payment = ledger.find((e) => e.externalId === event.providerPaymentId && e.amountCents > 0);
  if (!payment) return 'unknown_payment';
  const reversedBefore = ledger.filter((e) => e.externalId === `${event.providerPaymentId}:${event.reversal}`).reduce((sum, e) => sum - e.amountCents, 0);
  const amountCents = Math.min(event.reversedTotalCents, payment.amountCents) - reversedBefore;
  if (amountCents <= 0) return 'already_recorded';
  try {
    await reverseInvoicePayment(deps, invoice.id, { externalId: event.providerPaymentId, amountCents, kind: event.reversal, reason: event.reason });
    return 'payment_reversed';
  } catch (err) {
    return refusal(err);
  }
}

/** A business refusal by the workflow is an outcome; anything else (Temporal down) is thrown for a retry. */
function refusal(err: unknown): PaymentEventOutcome {
  if (err instanceof WorkflowNotFoundError) return 'invoice_closed';
  const cause = invoiceRefusal(err);
  if (cause) return cause.type === InvoiceFailure.closed ? 'invoice_closed' : 'refused';
  throw err;
}
