import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { invoices, ledgerEntries, paymentAllocations } from '../db/schema';
import { amountDue } from '../domain/amounts';
import { isFinalStatus } from '../domain/invoice-status';
import { allocatePayment } from '../domain/payment-allocation';
import { WorkflowNotFoundError } from '@temporalio/common';
import { invoiceClient, invoiceRefusal } from '../workflows/invoice.client';
import type { PaymentEvent } from './payment-provider';

type Succeeded = Extract<PaymentEvent, { kind: 'payment_succeeded' }>;
type Allocation = typeof paymentAllocations.$inferSelect;

/** What became of a payment over several invoices, before it is told to the provider. */
export type AccountPaymentResult =
  | { kind: 'delivered'; delivered: number }
  | { kind: 'already_recorded' }
  | { kind: 'unknown_invoice' }
  | { kind: 'currency_mismatch' }
  | { kind: 'invoice_closed' }
  /** A share the invoice workflow refused (it closed meanwhile): `deliver` answers it in its own way. */
  | { kind: 'refused'; error: unknown };

/**
 * A portal payment over several invoices of one debtor (the checkout's `invoiceIds`). The split
 * (oldest due date first, domain/payment-allocation.ts) is written to `payment_allocations` once,
 * under a lock on the provider's payment id, before any share is delivered; then each share not
 * yet on its invoice's ledger goes to that invoice's workflow as `registerPayment` with the
 * external id `<provider payment id>:<invoice id>` and an update id derived from it. A webhook
 * delivered twice, or twice at once, or retried after a crash between two shares, reads the same
 * split and delivers only what is missing: each invoice receives its share exactly once.
 */
export async function applyAccountPayment(db: Db, temporal: Parameters<typeof invoiceClient>[0], event: Succeeded, invoiceIds: string[]): Promise<AccountPaymentResult> {
  const rows = await db.select().from(invoices).where(inArray(invoices.id, invoiceIds));
  const first = rows.find((r) => r.id === event.invoiceId);
  // Only what one checkout of one debtor's account can name: never an invoice of another debtor or company.
  if (!first || rows.length !== new Set(invoiceIds).size) return { kind: 'unknown_invoice' };
  if (rows.some((r) => r.companyId !== first.companyId || r.debtorId === null || r.debtorId !== first.debtorId)) return { kind: 'unknown_invoice' };
  if (rows.some((r) => r.currency !== event.currency)) return { kind: 'currency_mismatch' };

  const allocations = await db.transaction(async (tx) => {
    // One split per payment, whoever comes first: a concurrent delivery waits here, then reads it.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`payment-allocation:${event.providerPaymentId}`}, 0))`);
    const existing = await tx.select().from(paymentAllocations).where(eq(paymentAllocations.providerPaymentId, event.providerPaymentId));
    if (existing.length > 0) return existing;
    const shares = allocatePayment(
      event.amountCents,
      invoiceIds.map((id) => {
        const r = rows.find((row) => row.id === id)!;
        return { invoiceId: r.id, dueDate: r.dueDate, amountDueCents: amountDue(r), open: r.status !== 'draft' && !isFinalStatus(r.status) };
      }),
    );
    if (!shares) return [];
    return tx
      .insert(paymentAllocations)
      .values(shares.map((s) => ({ providerPaymentId: event.providerPaymentId, invoiceId: s.invoiceId, amountCents: s.amountCents, overpaidCents: s.overpaidCents, externalId: `${event.providerPaymentId}:${s.invoiceId}` })))
      .onConflictDoNothing()
      .returning();
  });
  if (allocations.length === 0) return { kind: 'invoice_closed' };

  let delivered = 0;
  let refused: { error: unknown } | null = null;
  for (const allocation of allocations.filter((a) => a.deliveredAt === null)) {
    const result = await deliverShare(db, temporal, allocation, event.paidAt);
    if (result === true) delivered += 1;
    else if (result !== false) refused ??= result;
  }
  if (delivered > 0) return { kind: 'delivered', delivered };
  return refused ? { kind: 'refused', error: refused.error } : { kind: 'already_recorded' };
}

/** True when this call delivered the share, false when it was on the ledger already. */
async function deliverShare(db: Db, temporal: Parameters<typeof invoiceClient>[0], allocation: Allocation, paidAt: string | undefined): Promise<boolean | { error: unknown }> {
  const onLedger = await db
    .select({ id: ledgerEntries.id })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.invoiceId, allocation.invoiceId), eq(ledgerEntries.kind, 'payment'), eq(ledgerEntries.externalId, allocation.externalId)));
  let sent = false;
  if (onLedger.length === 0) {
    try {
      await invoiceClient(temporal, allocation.invoiceId).registerPayment(
        { amountCents: allocation.amountCents, externalId: allocation.externalId, paidAt, source: 'portal' },
        `payment-${allocation.externalId}`,
      );
      sent = true;
    } catch (error) {
      // Temporal unreachable: thrown, so the provider retries and the retry delivers what is missing.
      if (!(error instanceof WorkflowNotFoundError) && !invoiceRefusal(error)) throw error;
      // The invoice closed after the split (paid another way): its share stays undelivered in payment_allocations, for ops.
      return { error };
    }
  }
  await db
    .update(paymentAllocations)
    .set({ deliveredAt: new Date() })
    .where(and(eq(paymentAllocations.providerPaymentId, allocation.providerPaymentId), eq(paymentAllocations.invoiceId, allocation.invoiceId), isNull(paymentAllocations.deliveredAt)));
  return sent;
}
