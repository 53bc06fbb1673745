import { and, eq, lt } from 'drizzle-orm';
import { invoices, ledgerEntries } from '../db/schema';
import type { EventType } from '../domain/events';
import { appendEvents } from '../services/events';
import { newId } from '../services/ids';
import { portalArrangementActivity, recordPortalActivity } from '../services/portal-activity';
import type { NextActionNote } from '../domain/next-action';
import type { InvoiceSnapshot } from '../workflows/invoice.messages';
import type { ActivityDeps } from './deps';
import type { Db } from '../db/client';
import { requestContactOfDebtor, type DebtorContactRequest } from './debtor-contact';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface InvoiceChange {
  invoiceId: string;
  partnerId: string;
  companyId: string;
  /** Increases with every change the workflow makes; stale writes are ignored. */
  revision: number;
  /** Unique within the invoice's life, so a retried activity writes its ledger entry and events once. */
  changeKey: string;
  snapshot: InvoiceSnapshot;
  policyVersion?: number;
  ledgerEntry?: {
    kind: 'payment' | 'credit' | 'fee';
    amountCents: number;
    externalId?: string;
    reason?: string;
    occurredAt?: string;
  };
  events: Array<{ type: EventType; data: Record<string, unknown> }>;
  /** What `snapshot.nextActionAt` waits for and why; undefined leaves the stored one (shown only while its `at` matches). */
  nextAction?: NextActionNote | null;
  /**
   * Once the change is committed, ask the debtor's workflow for this contact (what
   * `requestDebtorContact` does): the transmission and its notice's request in one activity.
   */
  contactRequest?: DebtorContactRequest;
}

/** The invoice fields every invoice event carries, in the API's words. */
export function invoiceEventData(invoiceId: string, s: InvoiceSnapshot): Record<string, unknown> {
  return {
    invoice_id: invoiceId,
    status: s.status,
    amount_total_cents: s.amountTotalCents,
    amount_paid_cents: s.amountPaidCents,
    amount_credited_cents: s.amountCreditedCents,
    fees_cents: s.feesCents,
    amount_due_cents: s.amountDueCents,
    dunning_level: s.dunningLevel,
  };
}

/** Where a payment came from (`api`, `portal`, `collector`, …); a reversed one counts as `reversal`. */
function paymentSource(change: InvoiceChange): string {
  if ((change.ledgerEntry?.amountCents ?? 0) < 0) return 'reversal';
  const source = change.events.find((e) => e.type === 'invoice.payment_received')?.data.source;
  return typeof source === 'string' && /^[a-z_]{1,32}$/.test(source) ? source : 'unknown';
}

/**
 * Writes one change of the workflow in `tx`. Answers whether it recorded a new payment, and the
 * invoice's debtor as the update returned it (none when a retry or a newer revision wrote it already).
 */
async function writeInvoiceChange(tx: Tx, change: InvoiceChange, now: Date): Promise<{ newPayment: boolean; updated?: { debtorId: string } }> {
  const s = change.snapshot;
  const [updated] = await tx
    .update(invoices)
    .set({
      status: s.status,
      amountTotalCents: s.amountTotalCents,
      amountPaidCents: s.amountPaidCents,
      amountCreditedCents: s.amountCreditedCents,
      feesCents: s.feesCents,
      overpaidCents: s.overpaidCents,
      dunningLevel: s.dunningLevel,
      nextActionAt: s.nextActionAt ? new Date(s.nextActionAt) : null,
      ...(change.nextAction !== undefined ? { nextAction: change.nextAction } : {}),
      revision: change.revision,
      ...(change.policyVersion !== undefined ? { policyVersion: change.policyVersion } : {}),
      updatedAt: now,
    })
    .where(and(eq(invoices.id, change.invoiceId), lt(invoices.revision, change.revision)))
    .returning({ debtorId: invoices.debtorId });
  let newPayment = false;
  const entry = change.ledgerEntry;
  if (entry) {
    const inserted = await tx
      .insert(ledgerEntries)
      .values({
        id: newId('led'),
        invoiceId: change.invoiceId,
        kind: entry.kind,
        amountCents: entry.amountCents,
        key: change.changeKey,
        externalId: entry.externalId ?? null,
        reason: entry.reason ?? null,
        occurredAt: entry.occurredAt ? new Date(entry.occurredAt) : now,
      })
      .onConflictDoNothing()
      .returning({ id: ledgerEntries.id });
    newPayment = entry.kind === 'payment' && inserted.length > 0;
  }
  await appendEvents(
    tx,
    change.events.map((e, i) => ({
      type: e.type,
      partnerId: change.partnerId,
      companyId: change.companyId,
      invoiceId: change.invoiceId,
      // The debtor as the update read it: appendEvents need not read it again.
      data: { ...invoiceEventData(change.invoiceId, s), ...(updated?.debtorId ? { debtor_id: updated.debtorId } : {}), ...e.data },
      dedupeKey: `${change.invoiceId}:${change.changeKey}:${i}`,
    })),
  );
  for (const [i, e] of change.events.entries()) {
    const activity = portalArrangementActivity(e);
    if (!activity) continue;
    const invoice = updated ?? (await tx.select({ debtorId: invoices.debtorId }).from(invoices).where(eq(invoices.id, change.invoiceId)))[0];
    if (invoice) await recordPortalActivity(tx, { id: change.invoiceId, partnerId: change.partnerId, companyId: change.companyId, debtorId: invoice.debtorId }, activity, `${change.invoiceId}:${change.changeKey}:${i}`);
  }
  return { newPayment, updated };
}

export function invoiceStateActivities(deps: ActivityDeps) {
  const { db, metrics, clock = () => new Date() } = deps;
  /** The changes in order, in one transaction; new payments counted once it committed. Answers each change's update. */
  const persist = async (changes: InvoiceChange[]): Promise<Array<{ debtorId: string } | undefined>> => {
    const written: Array<{ newPayment: boolean; updated?: { debtorId: string } }> = [];
    await db.transaction(async (tx) => {
      written.length = 0; // a transaction retried from the start writes every change again
      for (const change of changes) written.push(await writeInvoiceChange(tx, change, clock()));
    });
    // Counted once the ledger entry is committed, and only by the attempt that wrote it.
    changes.forEach((change, i) => {
      if (written[i]!.newPayment) metrics?.paymentRecorded(paymentSource(change));
    });
    return written.map((w) => w.updated);
  };
  return {
    /**
     * Writes the workflow's new state, its ledger entry and its events in one transaction; a promise
     * or plan the debtor made in the portal joins their thread in it (never one without the other).
     * With `contactRequest`, then asks the debtor's workflow for that contact; a retry writes
     * nothing twice and asks once more, which the debtor's workflow counts as the same request.
     */
    async persistInvoiceChange(change: InvoiceChange): Promise<{ contactRequested: boolean }> {
      const [updated] = await persist([change]);
      if (!change.contactRequest) return { contactRequested: false };
      return { contactRequested: await requestContactOfDebtor(deps, change.contactRequest, updated) };
    },
    /** Several changes of one invoice (a batch of updates), as persistInvoiceChange writes each, in one transaction. */
    async persistInvoiceChanges(changes: InvoiceChange[]): Promise<void> {
      await persist(changes);
    },
  };
}
