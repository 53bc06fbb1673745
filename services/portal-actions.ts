import { and, eq } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { invoices, portalContactChanges } from '../db/schema';
import { changeDebtorDetails, lockDebtor, type DebtorContactChange } from './debtors';
import { optIn, optOut, type OptOutChannel } from './debtor-opt-outs';
import { appendEvents } from './events';
import { newId } from './ids';
import { portalActivities, recordPortalActivity } from './portal-activity';
import { startContactChangeConfirmation } from '../workflows/contact-change.client';

/**
 * What a debtor does in the portal that Recoup keeps: new contact details (and their undo from the
 * previous address), an income and expenditure statement, the messages switches (the opt-outs
 * themselves: services/debtor-opt-outs.ts). Each commits with its entry on the debtor's thread
 * (services/portal-activity.ts). The portal's pages (api/portal/) check the form, call these and
 * show the outcome.
 */

type InvoiceRow = typeof invoices.$inferSelect;

export interface ContactChangeDeps {
  db: Db;
  temporal: Client;
  /** Where the contact-change confirmation workflow runs. */
  taskQueue: string;
}

/**
 * Stores the debtor's new email and/or phone (already validated; a phone in E.164) on the debtor
 * and every open invoice of theirs (changeDebtorDetails: `debtor.updated`, and
 * `invoice.contact_updated` per invoice, `via: 'portal'`), and starts the confirmation to the
 * previous address of the invoice whose portal made it, which can undo it. A new email or phone
 * that is how another debtor of the company is known is refused (`debtor_contact_taken`).
 */
export async function changeDebtorContact(deps: ContactChangeDeps, invoice: InvoiceRow, changes: { email?: string; phone?: string }): Promise<void> {
  await deps.db.transaction(async (tx) => {
    // The debtor first, then its invoices: the order every contact change takes, so none deadlock.
    const debtor = await lockDebtor(tx, undefined, invoice.debtorId);
    const [current] = await tx.select({ debtor: invoices.debtor }).from(invoices).where(eq(invoices.id, invoice.id));
    const before = current?.debtor ?? invoice.debtor;
    const changeId = newId('cch');
    const previous: { email?: string | null; phone?: string | null } = {};
    if (changes.email !== undefined) previous.email = before.email ?? null;
    if (changes.phone !== undefined) previous.phone = before.phone ?? null;
    await tx.insert(portalContactChanges).values({ id: changeId, invoiceId: invoice.id, previous, changed: changes });
    await changeDebtorDetails(tx, debtor, changes, 'portal');
    await recordPortalActivity(tx, invoice, portalActivities.contact());
    // Started before the commit: if Temporal cannot take it, the change is rolled back rather than
    // made without telling the previous address (the activity waits for the commit).
    await startContactChangeConfirmation(deps.temporal, deps.taskQueue, changeId);
  });
}

/**
 * Undoes a portal contact change from the link sent to the previous address: the previous values
 * come back, on the debtor and every open invoice of theirs, whatever was set since (the owner of
 * the old address says it is theirs). False when the change is not this invoice's.
 */
export async function undoContactChange(db: Db, invoiceId: string, changeId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [invoice] = await tx.select({ debtorId: invoices.debtorId }).from(invoices).where(eq(invoices.id, invoiceId));
    if (!invoice) return false;
    // Locked before the change is read: a second undo waits, then finds it undone.
    const debtor = await lockDebtor(tx, undefined, invoice.debtorId);
    const [change] = await tx
      .select()
      .from(portalContactChanges)
      .where(and(eq(portalContactChanges.id, changeId), eq(portalContactChanges.invoiceId, invoiceId)));
    if (!change) return false;
    if (change.undoneAt) return true;
    const restore: DebtorContactChange = {};
    for (const field of ['email', 'phone'] as const) {
      if (field in change.previous) restore[field] = change.previous[field] || null;
    }
    await changeDebtorDetails(tx, debtor, restore, 'portal_undo');
    await tx.update(portalContactChanges).set({ undoneAt: new Date() }).where(eq(portalContactChanges.id, changeId));
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
  await db.transaction(async (tx) => {
    await appendEvents(tx, [
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
    await recordPortalActivity(tx, invoice, portalActivities.incomeExpenditure(statement.incomeCents, statement.expensesCents, invoice.currency));
  });
}

/**
 * The portal's messages switch: the debtor's opt-out (or opt-in) of `channel` and its entry on the
 * thread, one commit. Switching to the state it is in records neither.
 */
export async function switchChannelFromPortal(db: Db, invoice: InvoiceRow, channel: OptOutChannel, optedOut: boolean): Promise<void> {
  await db.transaction(async (tx) => {
    const changed = optedOut ? await optOut(tx, invoice.debtorId, channel, 'portal') : await optIn(tx, invoice.debtorId, channel, 'portal');
    if (changed) await recordPortalActivity(tx, invoice, optedOut ? portalActivities.optOut(channel) : portalActivities.optIn(channel));
  });
}
