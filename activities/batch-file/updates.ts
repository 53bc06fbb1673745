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
import { invoiceClient } from '../../workflows/invoice.client';
import { InvoiceFailure, type InvoiceChange, type InvoiceChangeResult, type InvoiceSnapshot } from '../../workflows/invoice.messages';
import { alreadyClaimed, claimedRecords, type Pending, type Tx } from './record-claims';

type Company = typeof companies.$inferSelect;
type InvoiceRow = typeof invoices.$inferSelect;
type Ctx = { fileId: string; company: Company };
type Claims = Awaited<ReturnType<typeof claimedRecords>>;

/**
 * What a chunk reads once for all its records: the claims of its record ids (read again per
 * record for an id the chunk repeats) and the invoices they name, each used until its lane changes
 * that invoice (then read again).
 */
interface ChunkReads {
  claims: Claims;
  repeatedRecordIds: Set<string>;
  invoices: Map<string, InvoiceRow>;
  byExternalId: Map<string, string>;
}

/** Invoices of a chunk whose records are in flight at once (each invoice's records one Temporal Update). */
const UPDATE_CONCURRENCY = 16;

/**
 * Update records of a chunk: the records about one invoice reach its workflow in one Update
 * (`applyInvoiceChanges`), applied there one after the other in file order (a hold before its
 * resume, a payment before a retraction), each validated and answered as the API's Update of its
 * own would be. Different invoices run side by side (at most UPDATE_CONCURRENCY at once); records
 * repeating a record id run one after the other. Results come back in line order.
 */
export async function applyUpdates(db: Db, temporal: Client, ctx: Ctx, pending: Pending[]): Promise<RecordResult[]> {
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
  const { lanes, invoices: found, byExternalId } = await sameInvoiceLanes(db, ctx.company.id, valid);
  const seen = new Set<string>();
  const repeatedRecordIds = new Set<string>();
  for (const v of valid) (seen.has(v.record.record_id) ? repeatedRecordIds : seen).add(v.record.record_id);
  const reads: ChunkReads = { claims: await claimedRecords(db, ctx.company.id, [...seen]), repeatedRecordIds, invoices: found, byExternalId };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(UPDATE_CONCURRENCY, lanes.length) }, async () => {
      while (next < lanes.length) {
        out.push(...(await applyLane(db, temporal, ctx, reads, lanes[next++]!)));
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
async function sameInvoiceLanes(
  db: Db,
  companyId: string,
  records: Array<{ line: number; record: UpdateRecord }>,
): Promise<{ lanes: Array<Array<{ line: number; record: UpdateRecord }>>; invoices: Map<string, InvoiceRow>; byExternalId: Map<string, string> }> {
  const ids = [...new Set(records.flatMap((r) => (r.record.invoice_id ? [r.record.invoice_id] : [])))];
  const externalIds = [...new Set(records.flatMap((r) => (r.record.invoice_external_id ? [r.record.invoice_external_id] : [])))];
  const found: InvoiceRow[] =
    ids.length || externalIds.length
      ? await db
          .select()
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
  return { lanes: lanes.filter((l) => l.length > 0), invoices: new Map(found.map((f) => [f.id, f])), byExternalId };
}

/**
 * A record's change of the invoice's workflow, not sent yet; or the record's result when it needs
 * no workflow (a contact change or a draft's retraction, applied here) or is refused before one.
 */
async function prepareUpdate(db: Db, temporal: Client, ctx: Ctx, reads: ChunkReads, line: number, record: UpdateRecord): Promise<RecordResult | WorkflowChange> {
  const rid = record.record_id;
  const claim = reads.repeatedRecordIds.has(rid) ? (await claimedRecords(db, ctx.company.id, [rid])).get(rid) : reads.claims.get(rid);
  if (claim) return alreadyClaimed(ctx.fileId, line, rid, claim);
  const rejected = (field: string, message: string): RecordResult => ({ line, record_id: rid, status: 'rejected', errors: [{ field, message }] });

  const read = reads.invoices.get(record.invoice_id ?? reads.byExternalId.get(record.invoice_external_id!) ?? '');
  // A change made here, in the database only, starts from the invoice as it is now.
  const fresh = !read || record.action === 'contact' || read.status === 'draft';
  const [invoice]: InvoiceRow[] = !fresh
    ? [read]
    : record.invoice_id
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
  const change = ((): InvoiceChange => {
    switch (record.action) {
      case 'payment': {
        const externalId = record.external_id ?? `batch-${rid}`;
        // Same key as POST /invoices/{id}/payments' update id: one payment, however it arrives.
        return { kind: 'payment', key: `payment-${externalId}`, request: { amountCents: record.amount_cents, externalId, paidAt: record.paid_at, source: 'partner' } };
      }
      case 'credit':
        return { kind: 'credit', key: `batch-${recordKey}`, request: { amountCents: record.amount_cents, reason: record.reason, creditId: `crd_b${recordKey}` } };
      case 'retract':
        return { kind: 'retract', key: `batch-${recordKey}`, request: { reason: record.reason } };
      case 'hold':
        return { kind: 'hold', key: `batch-${recordKey}`, request: { reason: record.reason } };
      case 'resume':
        return { kind: 'resume', key: `batch-${recordKey}` };
    }
  })();
  return { line, record, invoiceId: invoice.id, change, claimRow };
}

/** A record bound for its invoice's workflow: the change it makes and the claim written once it applied. */
interface WorkflowChange {
  line: number;
  record: UpdateRecord;
  invoiceId: string;
  change: InvoiceChange;
  claimRow: typeof batchFileRecords.$inferInsert;
}

/**
 * One lane in file order: consecutive records bound for the same invoice's workflow go in one
 * Update; a contact record, another invoice or a record id already in the batch sends it first.
 */
async function applyLane(db: Db, temporal: Client, ctx: Ctx, reads: ChunkReads, lane: Array<{ line: number; record: UpdateRecord }>): Promise<RecordResult[]> {
  const out: RecordResult[] = [];
  let batch: WorkflowChange[] = [];
  const send = async () => {
    if (batch.length) {
      // The workflow changes the invoice: later records of the lane read it again.
      reads.invoices.delete(batch[0]!.invoiceId);
      out.push(...(await applyBatch(db, temporal, ctx, batch)));
    }
    batch = [];
  };
  for (const { line, record } of lane) {
    if (record.action === 'contact' || batch.some((b) => b.record.record_id === record.record_id)) await send();
    const prepared = await prepareUpdate(db, temporal, ctx, reads, line, record);
    if ('status' in prepared) {
      // Applied here (a contact change, a draft's retraction) or refused: read again by the next record.
      if (prepared.invoice_id) reads.invoices.delete(prepared.invoice_id);
      out.push(prepared);
      continue;
    }
    if (batch.length && batch[0]!.invoiceId !== prepared.invoiceId) await send();
    batch.push(prepared);
  }
  await send();
  return out;
}

/** Sends one invoice's changes in one Update, then claims the record ids of those that applied. */
async function applyBatch(db: Db, temporal: Client, ctx: Ctx, batch: WorkflowChange[]): Promise<RecordResult[]> {
  const rejected = (c: WorkflowChange, field: string, message: string): RecordResult => ({ line: c.line, record_id: c.record.record_id, status: 'rejected', errors: [{ field, message }] });
  // The same records send the same update id: a retried activity gets the first answer.
  const updateId = `batch-${createHash('sha256').update(batch.map((c) => c.change.key).join('\u0000')).digest('hex').slice(0, 24)}`;
  let results: InvoiceChangeResult[];
  try {
    results = await invoiceClient(temporal, batch[0]!.invoiceId).applyChanges(batch.map((c) => c.change), updateId);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return batch.map((c) => rejected(c, 'action', "invoice_closed: the invoice's collection has ended"));
    throw err;
  }
  const out: RecordResult[] = [];
  const applied: WorkflowChange[] = [];
  let last: InvoiceSnapshot | undefined;
  batch.forEach((c, i) => {
    const result = results[i]!;
    if (result.status === 'applied') {
      last = result.snapshot;
      applied.push(c);
    } else if (result.type === InvoiceFailure.closed && last && isFinalStatus(last.status)) {
      // Closed by an earlier record of the batch: refused as a record read after it is.
      out.push(rejected(c, 'action', `the invoice is ${last.status}`));
    } else {
      out.push(rejected(c, fieldOf(c.record.action, result.type), `${result.type ? `${result.type}: ` : ''}${result.message}`));
    }
  });
  if (!applied.length) return out;
  const claimed = await db.insert(batchFileRecords).values(applied.map((c) => c.claimRow)).onConflictDoNothing().returning({ recordId: batchFileRecords.recordId });
  const won = new Set(claimed.map((r) => r.recordId));
  const lost = applied.filter((c) => !won.has(c.record.record_id));
  const others = await claimedRecords(db, ctx.company.id, lost.map((c) => c.record.record_id));
  for (const c of applied) {
    const again = won.has(c.record.record_id) ? undefined : others.get(c.record.record_id);
    out.push(again ? alreadyClaimed(ctx.fileId, c.line, c.record.record_id, again) : { line: c.line, record_id: c.record.record_id, status: 'accepted', invoice_id: c.invoiceId });
  }
  return out;
}

/** The field a refused update is about, for the result line. */
function fieldOf(action: UpdateRecord['action'], failureType: string | null): string {
  if ((action === 'credit' || action === 'payment') && failureType === 'credit_exceeds_amount_due') return 'amount_cents';
  if (action === 'payment' && failureType === 'duplicate_payment') return 'external_id';
  return 'action';
}
