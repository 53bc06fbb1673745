import { eq, max } from 'drizzle-orm';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { imports, invoiceLines, invoices } from '../db/schema';
import { fitsAmountColumn, lineTotal, MAX_AMOUNT_CENTS } from '../domain/amounts';
import { conflict, DomainError, invalidField, unprocessable } from '../domain/errors';
import { isFinalStatus } from '../domain/invoice-status';
import { invoiceClient, type InvoiceClient } from '../workflows/invoice.client';
import { InvoiceFailure, type InvoiceSnapshot } from '../workflows/invoice.messages';
import { appendEvents } from './events';
import { newId } from './ids';
import { invoiceLineRows, type SentInvoiceLine } from './invoice-lines';

type InvoiceRow = typeof invoices.$inferSelect;
type InvoiceLineRow = typeof invoiceLines.$inferSelect;

const failureKind: Record<string, 'conflict' | 'unprocessable'> = {
  [InvoiceFailure.closed]: 'conflict',
  [InvoiceFailure.alreadyOnHold]: 'conflict',
  [InvoiceFailure.notOnHold]: 'conflict',
  [InvoiceFailure.duplicatePayment]: 'conflict',
  [InvoiceFailure.creditExceedsDue]: 'unprocessable',
  [InvoiceFailure.arrangementInPlace]: 'conflict',
  [InvoiceFailure.notAllowedByPolicy]: 'unprocessable',
  [InvoiceFailure.amountOutOfRange]: 'unprocessable',
  [InvoiceFailure.disputeOpen]: 'conflict',
  [InvoiceFailure.notDisputed]: 'conflict',
};

/** Turns a rejected invoice workflow update into a domain error; anything else comes back as it is. */
export function fromWorkflowError(err: unknown): unknown {
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type && failureKind[cause.type]) {
    return new DomainError(failureKind[cause.type]!, cause.type, cause.message);
  }
  if (err instanceof WorkflowNotFoundError) return conflict(InvoiceFailure.closed, 'invoice collection has ended');
  return err;
}

/** Operations on a transmitted invoice go through its workflow, which validates and persists them. */
export async function updateInvoiceWorkflow(
  { temporal }: { temporal: Client },
  invoice: Pick<InvoiceRow, 'id' | 'status'>,
  send: (client: InvoiceClient) => Promise<InvoiceSnapshot>,
): Promise<InvoiceSnapshot> {
  if (isFinalStatus(invoice.status)) throw conflict('invoice_closed', `The invoice is ${invoice.status}`);
  try {
    return await send(invoiceClient(temporal, invoice.id));
  } catch (err) {
    const mapped = fromWorkflowError(err);
    if (invoice.status === 'draft' && mapped === err) throw conflict('invoice_not_transmitted', 'The invoice has not been transmitted yet');
    throw mapped;
  }
}

export function requireTransmitted(invoice: Pick<InvoiceRow, 'status'>): void {
  if (invoice.status === 'draft') throw conflict('invoice_not_transmitted', 'The invoice has not been transmitted yet');
}

async function reload(db: Db, id: string): Promise<InvoiceRow> {
  const [row] = await db.select().from(invoices).where(eq(invoices.id, id));
  return row!;
}

/** Adds a line to a draft invoice of a draft import and raises its total; answers the stored line. */
export async function addDraftInvoiceLine({ db }: { db: Db }, invoice: Pick<InvoiceRow, 'id' | 'status' | 'importId'>, line: SentInvoiceLine): Promise<InvoiceLineRow> {
  if (invoice.status !== 'draft') throw conflict('invoice_not_draft', 'Lines can only be added to a draft invoice');
  const [imp] = await db.select().from(imports).where(eq(imports.id, invoice.importId));
  if (imp!.status !== 'draft') throw conflict('import_not_draft', 'The invoice has been transmitted');
  return db.transaction(async (tx) => {
    // The total is read under a row lock and written in the same transaction: lines added at
    // the same moment wait for each other instead of each adding to the same stale total.
    const [locked] = await tx.select({ status: invoices.status, amountTotalCents: invoices.amountTotalCents }).from(invoices).where(eq(invoices.id, invoice.id)).for('update');
    if (locked!.status !== 'draft') throw conflict('invoice_not_draft', 'Lines can only be added to a draft invoice');
    const newTotal = locked!.amountTotalCents + lineTotal({ amountCents: line.amount_cents, quantity: line.quantity });
    if (newTotal <= 0) throw unprocessable('invoice_total_not_positive', 'The invoice lines must add up to more than zero');
    if (!fitsAmountColumn(newTotal)) {
      const message = `with this line the invoice would total more than ${MAX_AMOUNT_CENTS} cents`;
      throw invalidField('amount_cents', message);
    }
    // After the lines already there; the invoice's row lock keeps two additions from taking one position.
    const [{ last } = { last: 0 }] = await tx.select({ last: max(invoiceLines.position) }).from(invoiceLines).where(eq(invoiceLines.invoiceId, invoice.id));
    const [l] = await tx
      .insert(invoiceLines)
      .values(invoiceLineRows(invoice.id, [line], (last ?? 0) + 1))
      .returning();
    await tx.update(invoices).set({ amountTotalCents: newTotal, updatedAt: new Date() }).where(eq(invoices.id, invoice.id));
    return l!;
  });
}

/** Stops collection of an invoice at once (`retracted`); answers the invoice after it. */
export async function retractInvoice({ db, temporal }: { db: Db; temporal: Client }, invoice: InvoiceRow, reason: string | undefined): Promise<InvoiceRow> {
  if (invoice.status === 'draft') {
    // Never transmitted: nothing runs, so the record is closed here.
    await db.transaction(async (tx) => {
      await tx.update(invoices).set({ status: 'retracted', updatedAt: new Date() }).where(eq(invoices.id, invoice.id));
      await appendEvents(tx, [
        { type: 'invoice.retracted', partnerId: invoice.partnerId, companyId: invoice.companyId, invoiceId: invoice.id, data: { invoice_id: invoice.id, status: 'retracted', reason: reason ?? null } },
      ]);
    });
  } else {
    await updateInvoiceWorkflow({ temporal }, invoice, (c) => c.retract({ reason }));
  }
  return reload(db, invoice.id);
}

/**
 * A credit note on a transmitted invoice (a full credit closes it as `credited`); answers the
 * credit note's id and the invoice after it. The partner API and the company dashboard both credit here.
 */
export async function creditInvoice(
  { db, temporal }: { db: Db; temporal: Client },
  invoice: InvoiceRow,
  credit: { amountCents: number; reason: string | undefined },
): Promise<{ creditId: string; invoice: InvoiceRow }> {
  requireTransmitted(invoice);
  const creditId = newId('crd');
  await updateInvoiceWorkflow({ temporal }, invoice, (c) => c.credit({ amountCents: credit.amountCents, reason: credit.reason, creditId }, creditId));
  return { creditId, invoice: await reload(db, invoice.id) };
}

/** Pauses every reminder, fee and escalation of a transmitted invoice (`on_hold`); answers the invoice after it. */
export async function holdInvoice({ db, temporal }: { db: Db; temporal: Client }, invoice: InvoiceRow, reason: string | undefined): Promise<InvoiceRow> {
  requireTransmitted(invoice);
  await updateInvoiceWorkflow({ temporal }, invoice, (c) => c.hold({ reason }));
  return reload(db, invoice.id);
}

/** Resumes an invoice on hold; answers the invoice after it. */
export async function resumeInvoice({ db, temporal }: { db: Db; temporal: Client }, invoice: InvoiceRow): Promise<InvoiceRow> {
  requireTransmitted(invoice);
  await updateInvoiceWorkflow({ temporal }, invoice, (c) => c.resume());
  return reload(db, invoice.id);
}

/** Credits what is outstanding of a transmitted invoice and retracts it; answers the invoice after it. */
export async function creditAndRetractInvoice({ db, temporal }: { db: Db; temporal: Client }, invoice: InvoiceRow, reason: string | undefined): Promise<InvoiceRow> {
  requireTransmitted(invoice);
  const creditId = newId('crd');
  await updateInvoiceWorkflow({ temporal }, invoice, (c) => c.creditAndRetract({ reason, creditId, amountCents: 0 }, creditId));
  return reload(db, invoice.id);
}
