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

/** Writes one change of the workflow in `tx`; true when it recorded a new payment. */
async function writeInvoiceChange(tx: Tx, change: InvoiceChange, now: Date): Promise<boolean> {
  const s = change.snapshot;
  await tx
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
    .where(and(eq(invoices.id, change.invoiceId), lt(invoices.revision, change.revision)));
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
      data: { ...invoiceEventData(change.invoiceId, s), ...e.data },
      dedupeKey: `${change.invoiceId}:${change.changeKey}:${i}`,
    })),
  );
  for (const [i, e] of change.events.entries()) {
    const activity = portalArrangementActivity(e);
    if (!activity) continue;
    const [invoice] = await tx.select({ debtorId: invoices.debtorId }).from(invoices).where(eq(invoices.id, change.invoiceId));
    if (invoice) await recordPortalActivity(tx, { id: change.invoiceId, partnerId: change.partnerId, companyId: change.companyId, debtorId: invoice.debtorId }, activity, `${change.invoiceId}:${change.changeKey}:${i}:thread`);
  }
  return newPayment;
}

export function invoiceStateActivities({ db, metrics, clock = () => new Date() }: ActivityDeps) {
  /** The changes in order, in one transaction; new payments counted once it committed. */
  const persist = async (changes: InvoiceChange[]): Promise<void> => {
    const paid: InvoiceChange[] = [];
    await db.transaction(async (tx) => {
      for (const change of changes) if (await writeInvoiceChange(tx, change, clock())) paid.push(change);
    });
    // Counted once the ledger entry is committed, and only by the attempt that wrote it.
    for (const change of paid) metrics?.paymentRecorded(paymentSource(change));
  };
  return {
    /**
     * Writes the workflow's new state, its ledger entry and its events in one transaction; a promise
     * or plan the debtor made in the portal joins their thread in it (never one without the other).
     */
    async persistInvoiceChange(change: InvoiceChange): Promise<void> {
      await persist([change]);
    },
    /** Several changes of one invoice (a batch of updates), as persistInvoiceChange writes each, in one transaction. */
    async persistInvoiceChanges(changes: InvoiceChange[]): Promise<void> {
      await persist(changes);
    },
  };
}
