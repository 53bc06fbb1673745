import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, desc, eq, inArray, or } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { batchFileRecords, companies, invoices } from '../../db/schema';
import { issuesToErrors, recordIdOf, updateRecordSchema, type RecordResult, type UpdateRecord } from '../../domain/batch-file';
import { isFinalStatus } from '../../domain/invoice-status';
import { normalizePhoneNumber } from '../../domain/phone';
import { tellInvoiceWorkflows } from '../../services/debtors';
import { appendEvents } from '../../services/events';
import { invoiceClient, invoiceRefusal } from '../../workflows/invoice.client';
import { alreadyClaimed, claimedRecords, type Pending, type Tx } from './record-claims';

type Company = typeof companies.$inferSelect;
type InvoiceRow = typeof invoices.$inferSelect;

/** Update records of a chunk in flight at once (each a Temporal Update to a different invoice). */
const UPDATE_CONCURRENCY = 16;

/**
 * Update records of a chunk: each reaches its invoice's workflow as the API's Update would. Records
 * about different invoices run side by side (at most UPDATE_CONCURRENCY at once); records about the
 * same invoice, or repeating a record id, run one after the other in file order (a hold before its
 * resume, a payment before a retraction). Results come back in line order.
 */
export async function applyUpdates(db: Db, temporal: Client, ctx: { fileId: string; company: Company }, pending: Pending[]): Promise<RecordResult[]> {
  const out: RecordResult[] = [];
  const valid: Array<{ line: number; record: UpdateRecord }> = [];
  for (const p of pending) {
    if ('result' in p) {
      out.push(p.result);
      continue;
    }
    const parsed = updateRecordSchema.safeParse(p.record);
    if (parsed.success) valid.push({ line: p.line, record: parsed.data });
    else out.push({ line: p.line, record_id: recordIdOf(p.record), status: 'rejected', errors: issuesToErrors(parsed.error.issues) });
  }
  const lanes = await sameInvoiceLanes(db, ctx.company.id, valid);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(UPDATE_CONCURRENCY, lanes.length) }, async () => {
      while (next < lanes.length) {
        const lane = lanes[next++]!;
        for (const { line, record } of lane) out.push(await applyUpdate(db, temporal, ctx, line, record));
      }
    }),
  );
  return out.sort((x, y) => x.line - y.line);
}

/**
 * The chunk's records in lanes, each lane in file order: one lane per invoice (an external id
 * resolves as `applyUpdate` resolves it, to the newest invoice with it), joined when a record id
 * repeats across lanes. Records naming no invoice of the company get a lane each (they are refused).
 */
async function sameInvoiceLanes(db: Db, companyId: string, records: Array<{ line: number; record: UpdateRecord }>): Promise<Array<Array<{ line: number; record: UpdateRecord }>>> {
  const ids = [...new Set(records.flatMap((r) => (r.record.invoice_id ? [r.record.invoice_id] : [])))];
  const externalIds = [...new Set(records.flatMap((r) => (r.record.invoice_external_id ? [r.record.invoice_external_id] : [])))];
  const found =
    ids.length || externalIds.length
      ? await db
          .select({ id: invoices.id, externalId: invoices.externalId })
          .from(invoices)
          .where(and(eq(invoices.companyId, companyId), or(ids.length ? inArray(invoices.id, ids) : undefined, externalIds.length ? inArray(invoices.externalId, externalIds) : undefined)))
      : [];
  const byExternalId = new Map<string, string>();
  for (const f of found) if (f.externalId !== null && (byExternalId.get(f.externalId) ?? '') < f.id) byExternalId.set(f.externalId, f.id);
  const known = new Set(found.map((f) => f.id));
  const laneOf = new Map<string, number>();
  const lanes: Array<Array<{ line: number; record: UpdateRecord }>> = [];
  for (const r of records) {
    const invoiceId = r.record.invoice_id ?? byExternalId.get(r.record.invoice_external_id!);
    const invoiceKey = invoiceId && known.has(invoiceId) ? `invoice:${invoiceId}` : `line:${r.line}`;
    const recordKey = `record:${r.record.record_id}`;
    let lane = laneOf.get(invoiceKey) ?? laneOf.get(recordKey);
    const other = laneOf.get(recordKey);
    if (lane === undefined) lane = lanes.push([]) - 1;
    else if (other !== undefined && other !== lane) {
      // The record id already ran in another lane: join the two, keeping file order.
      lanes[lane] = [...lanes[lane]!, ...lanes[other]!].sort((x, y) => x.line - y.line);
      lanes[other] = [];
      for (const [k, v] of laneOf) if (v === other) laneOf.set(k, lane);
    }
    lanes[lane]!.push(r);
    laneOf.set(invoiceKey, lane);
    laneOf.set(recordKey, lane);
  }
  return lanes.filter((l) => l.length > 0);
}

async function applyUpdate(db: Db, temporal: Client, ctx: { fileId: string; company: Company }, line: number, record: UpdateRecord): Promise<RecordResult> {
  const rid = record.record_id;
  const claim = (await claimedRecords(db, ctx.company.id, [rid])).get(rid);
  if (claim) return alreadyClaimed(ctx.fileId, line, rid, claim);
  const rejected = (field: string, message: string): RecordResult => ({ line, record_id: rid, status: 'rejected', errors: [{ field, message }] });

  const [invoice]: InvoiceRow[] = record.invoice_id
    ? await db.select().from(invoices).where(and(eq(invoices.id, record.invoice_id), eq(invoices.companyId, ctx.company.id)))
    : await db
        .select()
        .from(invoices)
        .where(and(eq(invoices.companyId, ctx.company.id), eq(invoices.externalId, record.invoice_external_id!)))
        .orderBy(desc(invoices.id))
        .limit(1);
  if (!invoice) return rejected(record.invoice_id ? 'invoice_id' : 'invoice_external_id', 'the company has no such invoice');

  const claimRow = { companyId: ctx.company.id, recordId: rid, batchFileId: ctx.fileId, line, invoiceId: invoice.id };
  const accepted: RecordResult = { line, record_id: rid, status: 'accepted', invoice_id: invoice.id };
  /** Changes made in the database only (no workflow runs): with the record's claim, in one transaction. */
  const inTransaction = async (change: (tx: Tx) => Promise<void>): Promise<RecordResult> => {
    const won = await db.transaction(async (tx) => {
      const claimed = await tx.insert(batchFileRecords).values(claimRow).onConflictDoNothing().returning({ recordId: batchFileRecords.recordId });
      if (claimed.length === 0) return false;
      await change(tx);
      return true;
    });
    if (won) return accepted;
    const again = (await claimedRecords(db, ctx.company.id, [rid])).get(rid);
    return again ? alreadyClaimed(ctx.fileId, line, rid, again) : accepted;
  };

  if (record.action === 'contact') {
    const debtor = { ...invoice.debtor, ...record.debtor };
    if (record.debtor.phone !== undefined) {
      const country = debtor.address?.country ?? ctx.company.country;
      const phone = normalizePhoneNumber(record.debtor.phone, country);
      if (!phone) return rejected('debtor.phone', `must be a valid phone number (international, or national for ${country})`);
      debtor.phone = phone;
    }
    const result = await inTransaction(async (tx) => {
      await tx.update(invoices).set({ debtor, updatedAt: new Date() }).where(eq(invoices.id, invoice.id));
      await appendEvents(tx, [
        { type: 'invoice.contact_updated', partnerId: invoice.partnerId, companyId: invoice.companyId, invoiceId: invoice.id, data: { invoice_id: invoice.id, changed: Object.keys(record.debtor) } },
      ]);
    });
    // The running workflow reads later times in the new zone, as after PATCH /invoices/{id}/debtor; the record id keys the change.
    if (record.debtor.timezone && invoice.status !== 'draft') await tellInvoiceWorkflows(temporal, [invoice.id], { timezone: record.debtor.timezone }, `record-${rid}`);
    return result;
  }
  if (isFinalStatus(invoice.status)) return rejected('action', `the invoice is ${invoice.status}`);
  if (invoice.status === 'draft') {
    if (record.action !== 'retract') return rejected('action', 'the invoice has not been transmitted yet');
    // Never transmitted: nothing runs, so the record is closed here (as the API does).
    return inTransaction(async (tx) => {
      await tx.update(invoices).set({ status: 'retracted', updatedAt: new Date() }).where(eq(invoices.id, invoice.id));
      await appendEvents(tx, [{ type: 'invoice.retracted', partnerId: invoice.partnerId, companyId: invoice.companyId, invoiceId: invoice.id, data: { invoice_id: invoice.id, status: 'retracted', reason: record.reason ?? null } }]);
    });
  }

  // The update id comes from the record, so a retried activity applies it once.
  const recordKey = createHash('sha256').update(`${ctx.company.id}\u0000${rid}`).digest('hex').slice(0, 24);
  const workflow = invoiceClient(temporal, invoice.id);
  try {
    switch (record.action) {
      case 'payment': {
        const externalId = record.external_id ?? `batch-${rid}`;
        // Same update id as POST /invoices/{id}/payments: one payment, however it arrives.
        await workflow.registerPayment({ amountCents: record.amount_cents, externalId, paidAt: record.paid_at, source: 'partner' }, `payment-${externalId}`);
        break;
      }
      case 'credit':
        await workflow.credit({ amountCents: record.amount_cents, reason: record.reason, creditId: `crd_b${recordKey}` }, `batch-${recordKey}`);
        break;
      case 'retract':
        await workflow.retract({ reason: record.reason }, `batch-${recordKey}`);
        break;
      case 'hold':
        await workflow.hold({ reason: record.reason }, `batch-${recordKey}`);
        break;
      case 'resume':
        await workflow.resume(`batch-${recordKey}`);
        break;
    }
  } catch (err) {
    const cause = invoiceRefusal(err);
    if (cause) return rejected(fieldOf(record.action, cause.type), `${cause.type ? `${cause.type}: ` : ''}${cause.message}`);
    if (err instanceof WorkflowNotFoundError) return rejected('action', 'invoice_closed: the invoice\'s collection has ended');
    throw err;
  }
  const [row] = await db.insert(batchFileRecords).values(claimRow).onConflictDoNothing().returning({ recordId: batchFileRecords.recordId });
  if (row) return accepted;
  const again = (await claimedRecords(db, ctx.company.id, [rid])).get(rid);
  return again ? alreadyClaimed(ctx.fileId, line, rid, again) : accepted;
}

/** The field a refused update is about, for the result line. */
function fieldOf(action: UpdateRecord['action'], failureType: string | undefined | null): string {
  if ((action === 'credit' || action === 'payment') && failureType === 'credit_exceeds_amount_due') return 'amount_cents';
  if (action === 'payment' && failureType === 'duplicate_payment') return 'external_id';
  return 'action';
}
