import { and, eq } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { invoices, portalContactChanges } from '../db/schema';
import { appendEvents } from './events';
import { newId } from './ids';
import { startContactChangeConfirmation } from '../workflows/contact-change.client';

/**
 * What a debtor does in the portal that Recoup keeps: new contact details (and their undo from the
 * previous address), an income and expenditure statement (opt-outs: services/debtor-opt-outs.ts). The portal's pages
 * (api/portal/) check the form, call these and show the outcome.
 */

type InvoiceRow = typeof invoices.$inferSelect;

export interface ContactChangeDeps {
  db: Db;
  temporal: Client;
  /** Where the contact-change confirmation workflow runs. */
  taskQueue: string;
}

/**
 * Stores the debtor's new email and/or phone (already validated), with an `invoice.contact_updated`
 * event, and starts the confirmation to the previous address, which can undo it.
 */
export async function changeDebtorContact(deps: ContactChangeDeps, invoice: InvoiceRow, changes: { email?: string; phone?: string }): Promise<void> {
  const changed = Object.keys(changes);
  await deps.db.transaction(async (tx) => {
    const [current] = await tx.select({ debtor: invoices.debtor }).from(invoices).where(eq(invoices.id, invoice.id)).for('update');
    const before = current?.debtor ?? invoice.debtor;
    const changeId = newId('cch');
    const previous: { email?: string | null; phone?: string | null } = {};
    if (changes.email !== undefined) previous.email = before.email ?? null;
    if (changes.phone !== undefined) previous.phone = before.phone ?? null;
    await tx.insert(portalContactChanges).values({ id: changeId, invoiceId: invoice.id, previous, changed: changes });
    await tx.update(invoices).set({ debtor: { ...before, ...changes }, updatedAt: new Date() }).where(eq(invoices.id, invoice.id));
    await appendEvents(tx, [{ type: 'invoice.contact_updated', partnerId: invoice.partnerId, companyId: invoice.companyId, invoiceId: invoice.id, data: { invoice_id: invoice.id, changed, via: 'portal' } }]);
    // Started before the commit: if Temporal cannot take it, the change is rolled back rather than
    // made without telling the previous address (the activity waits for the commit).
    await startContactChangeConfirmation(deps.temporal, deps.taskQueue, changeId);
  });
}

/**
 * Undoes a portal contact change from the link sent to the previous address: the previous values
 * come back whatever was set since (the owner of the old address says it is theirs). False when
 * the change is not this invoice's.
 */
export async function undoContactChange(db: Db, invoiceId: string, changeId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [invoice] = await tx.select().from(invoices).where(eq(invoices.id, invoiceId)).for('update');
    const [change] = await tx
      .select()
      .from(portalContactChanges)
      .where(and(eq(portalContactChanges.id, changeId), eq(portalContactChanges.invoiceId, invoiceId)));
    if (!invoice || !change) return false;
    if (change.undoneAt) return true;
    const debtor = { ...invoice.debtor };
    for (const field of ['email', 'phone'] as const) {
      if (!(field in change.previous)) continue;
      const value = change.previous[field];
      if (value) debtor[field] = value;
      else delete debtor[field];
    }
    await tx.update(invoices).set({ debtor, updatedAt: new Date() }).where(eq(invoices.id, invoiceId));
    await tx.update(portalContactChanges).set({ undoneAt: new Date() }).where(eq(portalContactChanges.id, changeId));
    const changed = Object.keys(change.previous);
    await appendEvents(tx, [{ type: 'invoice.contact_updated', partnerId: invoice.partnerId, companyId: invoice.companyId, invoiceId, data: { invoice_id: invoiceId, changed, via: 'portal_undo' } }]);
    return true;
  });
}

/** Keeps the debtor's income and expenditure on the timeline, with the plan proposed for it (or none). */
export async function recordIncomeAndExpenditure(
  db: Db,
  invoice: InvoiceRow,
  statement: { incomeCents: number; expensesCents: number; proposal: { installmentCount: number; installmentCents: number } | null },
): Promise<void> {
  const { proposal } = statement;
  await appendEvents(db, [
    {
      type: 'message.received',
      partnerId: invoice.partnerId,
      companyId: invoice.companyId,
      invoiceId: invoice.id,
      data: {
        invoice_id: invoice.id,
        channel: 'portal',
        via: 'portal',
        kind: 'income_expenditure',
        monthly_income_cents: statement.incomeCents,
        monthly_expenses_cents: statement.expensesCents,
        proposal: proposal ? { installment_count: proposal.installmentCount, installment_cents: proposal.installmentCents } : null,
      },
    },
  ]);
}
