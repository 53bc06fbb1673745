import { and, eq } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { conversationEntries, disputes, invoices } from '../db/schema';
import { conflict, DomainError, notFound } from '../domain/errors';
import type { DisputeOutcome, DisputeVia } from '../domain/dispute';
import { isFinalStatus } from '../domain/invoice-status';
import { recordConversationEntry } from './conversations';
import { newId } from './ids';
import { requireTransmitted, updateInvoiceWorkflow } from './invoice-updates';

export type DisputeRow = typeof disputes.$inferSelect;
type InvoiceRow = typeof invoices.$inferSelect;

export interface OpenDisputeInput {
  reason: string;
  details?: string | null;
  via: DisputeVia;
  /** The console user opening it for the debtor (`via: 'agent'`): recorded on the dispute and the thread. */
  userId?: string;
  userEmail?: string;
}

/** The refusal a status gives before anything is written (the workflow checks again, for races). */
function refuseDispute(invoice: Pick<InvoiceRow, 'status'>): void {
  requireTransmitted(invoice);
  if (isFinalStatus(invoice.status)) throw conflict('invoice_closed', `The invoice is ${invoice.status}`);
  if (invoice.status === 'disputed') throw conflict('dispute_open', 'The invoice already has an open dispute');
  if (invoice.status === 'on_hold') throw conflict('invoice_on_hold', 'The invoice is on hold');
  if (invoice.status === 'promise_to_pay' || invoice.status === 'payment_plan') throw conflict('arrangement_in_place', 'A promise to pay or payment plan is in place');
  if (invoice.status === 'in_debt_collection') throw conflict('invoice_in_debt_collection', 'The invoice is with a debt collector');
}

/** A dispute the unique index refused: another one is open on the invoice. */
function isOneOpenViolation(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string; cause?: { code?: string } };
  return e.code === '23505' || e.cause?.code === '23505';
}

/**
 * The debtor contests an invoice (from the API, the portal, or an agent on a reply): the dispute
 * is stored, a portal or agent dispute is put on the debtor's thread in the same transaction, and
 * the invoice's workflow pauses every reminder, fee and escalation of this invoice (status
 * `disputed`, event `invoice.disputed`). The caller has checked the invoice is the caller's to see.
 * Refused with 409 when the invoice is closed, not transmitted, or already disputed.
 */
export async function openDispute(
  { db, temporal }: { db: Db; temporal: Client },
  invoice: InvoiceRow,
  input: OpenDisputeInput,
  retried = false,
): Promise<{ dispute: DisputeRow; invoice: InvoiceRow }> {
  refuseDispute(invoice);
  const id = newId('dsp');
  let entryId: string | null = null;
  const dispute = await db
    .transaction(async (tx) => {
      const [row] = await tx
        .insert(disputes)
        .values({
          id,
          invoiceId: invoice.id,
          partnerId: invoice.partnerId,
          companyId: invoice.companyId,
          debtorId: invoice.debtorId,
          reason: input.reason,
          details: input.details ?? null,
          via: input.via,
          openedByUserId: input.userId ?? null,
        })
        .returning();
      if (invoice.debtorId && input.via !== 'api') {
        const body = input.details ? `${input.reason}\n\n${input.details}` : input.reason;
        entryId = await recordConversationEntry(tx, {
          debtorId: invoice.debtorId,
          partnerId: invoice.partnerId,
          companyId: invoice.companyId,
          invoiceId: invoice.id,
          // The debtor disputing in the portal waits for an answer; an agent's record of a reply's dispute is a note.
          ...(input.via === 'portal'
            ? { direction: 'in' as const, channel: 'portal' as const }
            : { direction: 'internal' as const, channel: 'note' as const, author: input.userId ? { userId: input.userId, email: input.userEmail ?? '' } : null }),
          kind: 'dispute',
          body,
        });
      }
      return row!;
    })
    .catch(async (err: unknown) => {
      if (!isOneOpenViolation(err)) throw err;
      if (!retried && (await deliverOpenDispute({ db, temporal }, invoice.id)) === 'removed') return null;
      throw conflict('dispute_open', 'The invoice already has an open dispute');
    });
  // A stale dispute the workflow refused is gone: this one is tried once more.
  if (!dispute) return openDispute({ db, temporal }, await reloadInvoice(db, invoice.id), input, true);
  try {
    await updateInvoiceWorkflow({ temporal }, invoice, (c) => c.dispute({ disputeId: id, reason: input.reason, details: input.details ?? null, via: input.via }));
  } catch (err) {
    // Temporal unreachable, or no answer in time: the dispute stays open and the next dispute
    // request delivers it (deliverOpenDispute), as after a process that died here.
    if (!(err instanceof DomainError)) throw err;
    // The workflow refused (a race with a payment or another change): nothing of the dispute stays.
    await db.transaction(async (tx) => {
      if (entryId) await tx.delete(conversationEntries).where(eq(conversationEntries.id, entryId));
      await tx.delete(disputes).where(eq(disputes.id, id));
    });
    throw err;
  }
  return { dispute, invoice: await reloadInvoice(db, invoice.id) };
}

/**
 * The open dispute of an invoice, told to its workflow again. A dispute is stored before the
 * workflow hears of it; a process that died in between left it open while the invoice goes on
 * being collected, and its one-open-dispute index would refuse every later dispute. The update
 * carries the dispute's id, so a workflow that heard of it already takes it once.
 */
async function deliverOpenDispute({ db, temporal }: { db: Db; temporal: Client }, invoiceId: string): Promise<'delivered' | 'removed'> {
  const [open] = await db.select().from(disputes).where(and(eq(disputes.invoiceId, invoiceId), eq(disputes.status, 'open')));
  const invoice = await reloadInvoice(db, invoiceId);
  if (!open || invoice.status === 'disputed') return 'delivered';
  try {
    await updateInvoiceWorkflow({ temporal }, invoice, (c) => c.dispute({ disputeId: open.id, reason: open.reason, details: open.details, via: open.via }));
    return 'delivered';
  } catch (err) {
    // Unreachable now: it stays, for the next try.
    if (!(err instanceof DomainError)) throw err;
    // The workflow refuses it now (paid, on hold, an arrangement): as when refused at once, it goes.
    await db.delete(disputes).where(and(eq(disputes.id, open.id), eq(disputes.status, 'open')));
    return 'removed';
  }
}

export interface ResolveDisputeInput {
  outcome: DisputeOutcome;
  reason: string;
  /** Upheld only: what is credited; default everything due. More than is due is refused (422). */
  creditCents?: number;
  /** Who resolved it: `partner:<key id>`, `ops:<key id>`, or a console user's email. */
  by: string;
}

/**
 * Resolves an open dispute through the invoice's workflow: `upheld` credits (closing the invoice
 * as `credited` when nothing is left, else collection resumes on the rest); `rejected` resumes
 * collection where it paused, every later step moved by the paused time. Event
 * `invoice.dispute_resolved`. `partnerId`: the caller's partner (null: ops, every partner); a
 * dispute of another partner is not found.
 */
export async function resolveDispute(
  { db, temporal }: { db: Db; temporal: Client },
  where: { disputeId: string; invoiceId?: string; partnerId: string | null },
  input: ResolveDisputeInput,
): Promise<{ dispute: DisputeRow; invoice: InvoiceRow }> {
  const dispute = await findDispute(db, where);
  if (dispute.status !== 'open') throw conflict('dispute_not_open', `The dispute is ${dispute.status} already`);
  const before = await reloadInvoice(db, dispute.invoiceId);
  await updateInvoiceWorkflow({ temporal }, before, (c) =>
    c.resolveDispute({ disputeId: dispute.id, outcome: input.outcome, reason: input.reason, ...(input.outcome === 'upheld' && input.creditCents !== undefined ? { creditCents: input.creditCents } : {}) }),
  );
  const after = await reloadInvoice(db, dispute.invoiceId);
  const [resolved] = await db
    .update(disputes)
    .set({
      status: input.outcome,
      resolvedAt: new Date(),
      resolvedBy: input.by,
      resolutionReason: input.reason,
      creditCents: after.amountCreditedCents - before.amountCreditedCents,
    })
    .where(and(eq(disputes.id, dispute.id), eq(disputes.status, 'open')))
    .returning();
  return { dispute: resolved ?? (await findDispute(db, where)), invoice: after };
}

/** One dispute the caller may see (`partnerId` null: any partner's), else not found. */
export async function findDispute(db: Db, where: { disputeId: string; invoiceId?: string; partnerId: string | null }): Promise<DisputeRow> {
  const [row] = await db
    .select()
    .from(disputes)
    .where(
      and(
        eq(disputes.id, where.disputeId),
        where.invoiceId ? eq(disputes.invoiceId, where.invoiceId) : undefined,
        where.partnerId === null ? undefined : eq(disputes.partnerId, where.partnerId),
      ),
    );
  if (!row) throw notFound('dispute');
  return row;
}

async function reloadInvoice(db: Db, id: string): Promise<InvoiceRow> {
  const [row] = await db.select().from(invoices).where(eq(invoices.id, id));
  return row!;
}
