import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, stat, type FileHandle } from 'node:fs/promises';
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, desc, eq, inArray, or } from 'drizzle-orm';
import type { Db } from '../db/client';
import { batchFileRecords, batchFiles, companies, imports, invoiceLines, invoices, partners } from '../db/schema';
import { invoiceTotal } from '../domain/amounts';
import {
  batchFileHeaderSchema,
  batchFileLimitDefaults,
  issuesToErrors,
  parseJsonLine,
  placementRecordSchema,
  recordIdOf,
  updateRecordSchema,
  type BatchFileHeader,
  type PlacementRecord,
  type RecordError,
  type RecordResult,
  type UpdateRecord,
} from '../domain/batch-file';
import { isFinalStatus } from '../domain/invoice-status';
import { normalizePhoneNumber } from '../domain/phone';
import { boundedLines } from '../files/bounded-lines';
import { appendEvents } from '../services/events';
import { newId } from '../services/ids';
import { newPaymentReference } from '../services/payment-references';
import { invoiceLineRows } from '../services/invoice-lines';
import { ImportTransmissionRefused, transmitImport } from '../services/import-transmission';
import type { BatchFileCounts, BatchFileInput, BatchFileSummary, BatchTransmission } from '../workflows/batch-file.messages';
import { invoiceClient, invoiceRefusal } from '../workflows/invoice.client';
import type { ActivityDeps } from './deps';

export interface ProcessBatchFileResult {
  batchFileId: string | null;
  outcome: 'processed' | 'failed' | 'duplicate';
  duplicateOf: string | null;
  type: 'placement' | 'update' | null;
  companyId: string | null;
  importId: string | null;
  transmit: boolean;
  counts: BatchFileCounts;
  /** Bytes of record lines in the result file (the summary follows them). */
  resultBytes: number;
}

/** What a heartbeat carries: where to resume after a retry. */
interface Progress {
  line: number;
  resultBytes: number;
  counts: BatchFileCounts;
}

type Company = typeof companies.$inferSelect;
type InvoiceRow = typeof invoices.$inferSelect;
type Pending = { line: number; result: RecordResult } | { line: number; record: unknown };

const PLACEMENT_CHUNK = 500;
const UPDATE_CHUNK = 50;
/** Update records of a chunk in flight at once (each a Temporal Update to a different invoice). */
const UPDATE_CONCURRENCY = 16;

export function partTempPath(resultPath: string): string {
  return `${resultPath}.part`;
}

export function batchFileActivities({ db, temporal, config }: ActivityDeps) {
  return {
    /**
     * Reads the file line by line (never whole), applies each valid record and writes one result
     * line per record to `<result>.part`. Heartbeats the last line done; a retry resumes there.
     */
    async processBatchFileRecords(input: BatchFileInput): Promise<ProcessBatchFileResult> {
      const ctx = Context.current();
      const empty: BatchFileCounts = { records: 0, accepted: 0, rejected: 0, duplicate: 0 };
      const base = { batchFileId: null, duplicateOf: null, type: null, companyId: null, importId: null, transmit: false } as const;

      const [partner] = await db.select({ id: partners.id }).from(partners).where(eq(partners.id, input.partnerId));
      if (!partner) {
        const out = await ResultWriter.open(partTempPath(input.resultPath), undefined);
        await out.write([{ line: 0, record_id: null, status: 'rejected', errors: [{ field: '', message: 'the folder does not belong to a partner' }] }]);
        await out.close();
        return { ...base, outcome: 'failed', counts: empty, resultBytes: out.bytes };
      }
      await db
        .insert(batchFiles)
        .values({ id: newId('bf'), partnerId: input.partnerId, name: input.name, sha256: input.sha256, path: input.path, resultPath: input.resultPath })
        .onConflictDoNothing();
      const [file] = await db.select().from(batchFiles).where(and(eq(batchFiles.partnerId, input.partnerId), eq(batchFiles.sha256, input.sha256)));
      if (file!.path !== input.path) {
        return { ...base, batchFileId: null, outcome: 'duplicate', duplicateOf: file!.name, counts: empty, resultBytes: 0 };
      }

      const progress = (ctx.info.heartbeatDetails as Progress | undefined) ?? { line: 1, resultBytes: 0, counts: { ...empty } };
      const writer = await ResultWriter.open(partTempPath(input.resultPath), progress.resultBytes);
      const counts = { ...progress.counts };
      // Longest line held in memory; a longer one is reported by its number and skipped unread.
      const maxLineBytes = config.RECOUP_MAX_BATCH_LINE_BYTES ?? batchFileLimitDefaults.maxLineBytes;
      const stream = createReadStream(input.path);
      const lines = boundedLines(stream as AsyncIterable<Buffer>, maxLineBytes);
      const tooLong = (line: number): RecordError[] => [{ field: '', message: `line ${line} is longer than ${maxLineBytes} bytes; it was not read` }];
      let header: BatchFileHeader | undefined;
      let company: Company | undefined;
      let importId = file!.importId;
      let pending: Pending[] = [];

      const fail = async (line: number, errors: RecordError[]): Promise<ProcessBatchFileResult> => {
        stream.destroy();
        await writer.write([{ line, record_id: null, status: 'rejected', errors }]);
        await writer.close();
        await db.update(batchFiles).set({ status: 'failed', counts: empty }).where(eq(batchFiles.id, file!.id));
        return { ...base, batchFileId: file!.id, outcome: 'failed', counts: empty, resultBytes: writer.bytes };
      };

      const flush = async (): Promise<void> => {
        if (pending.length === 0) return;
        const results =
          header!.type === 'placement'
            ? await applyPlacements(db, { file: file!, company: company!, header: header!, importId: () => importId, setImportId: (id) => (importId = id) }, pending)
            : await applyUpdates(db, temporal, { fileId: file!.id, company: company! }, pending);
        await writer.write(results);
        for (const r of results) {
          counts.records++;
          counts[r.status]++;
        }
        const last = pending[pending.length - 1]!.line;
        pending = [];
        // A copy: the SDK may send the details later, and `counts` keeps changing.
        ctx.heartbeat({ line: last, resultBytes: writer.bytes, counts: { ...counts } } satisfies Progress);
      };

      for await (const read of lines) {
        const lineNo = read.line;
        if (lineNo === 1) {
          if (!('text' in read)) return fail(1, tooLong(1));
          const json = parseJsonLine(read.text.replace(/^\uFEFF/, ''));
          if (!json.ok) return fail(1, [json.error]);
          const parsed = batchFileHeaderSchema.safeParse(json.value);
          if (!parsed.success) return fail(1, issuesToErrors(parsed.error.issues));
          header = parsed.data;
          [company] = await db.select().from(companies).where(and(eq(companies.id, header.company_id), eq(companies.partnerId, input.partnerId)));
          // Another partner's company reads as unknown: its existence is not theirs to learn.
          if (!company) return fail(1, [{ field: 'company_id', message: 'no such company' }]);
          if (file!.companyId === null) await db.update(batchFiles).set({ companyId: company.id, type: header.type }).where(eq(batchFiles.id, file!.id));
          continue;
        }
        if (lineNo <= progress.line) continue;
        if (!('text' in read)) {
          pending.push({ line: lineNo, result: { line: lineNo, record_id: null, status: 'rejected', errors: tooLong(lineNo) } });
        } else {
          if (read.text.trim() === '') continue;
          const json = parseJsonLine(read.text);
          if (json.ok) pending.push({ line: lineNo, record: json.value });
          else pending.push({ line: lineNo, result: { line: lineNo, record_id: null, status: 'rejected', errors: [json.error] } });
        }
        if (pending.length >= (header!.type === 'placement' ? PLACEMENT_CHUNK : UPDATE_CHUNK)) await flush();
      }
      if (!header) return fail(1, [{ field: '', message: 'the file is empty: it needs a header line' }]);
      await flush();
      await writer.close();
      await db.update(batchFiles).set({ counts, importId }).where(eq(batchFiles.id, file!.id));
      return {
        batchFileId: file!.id,
        outcome: 'processed',
        duplicateOf: null,
        type: header.type,
        companyId: company!.id,
        importId,
        transmit: header.settings.transmit,
        counts,
        resultBytes: writer.bytes,
      };
    },

    /** The same transmission as POST /imports/{id}/transmit. */
    async transmitBatchImport(input: { importId: string }): Promise<BatchTransmission> {
      try {
        await transmitImport(db, temporal, config.TEMPORAL_TASK_QUEUE, input.importId);
        return { status: 'started', import_id: input.importId };
      } catch (err) {
        if (err instanceof ImportTransmissionRefused) return { status: 'refused', import_id: input.importId, reason: err.code };
        throw err;
      }
    },

    /** Appends the summary line and gives the result file its name (temporary name, then rename). */
    async completeBatchFile(input: { input: BatchFileInput; processed: ProcessBatchFileResult; transmission?: BatchTransmission }): Promise<BatchFileSummary> {
      const { processed } = input;
      const summary: BatchFileSummary = {
        summary: true,
        file: input.input.name,
        sha256: input.input.sha256,
        status: processed.outcome,
        type: processed.type,
        company_id: processed.companyId,
        counts: processed.counts,
        ...(processed.duplicateOf ? { duplicate_of: processed.duplicateOf } : {}),
        ...(processed.type === 'placement' ? { import_id: processed.importId } : {}),
        ...(input.transmission ? { transmission: input.transmission } : {}),
        finished_at: new Date().toISOString(),
      };
      const part = partTempPath(input.input.resultPath);
      if (processed.outcome === 'duplicate' || !(await exists(part))) {
        if (processed.outcome !== 'duplicate' && (await exists(input.input.resultPath))) return summary; // done by an earlier attempt
        await writeWhole(part, `${JSON.stringify(summary)}\n`);
      } else {
        const out = await ResultWriter.open(part, processed.resultBytes);
        await out.writeLine(summary);
        await out.close();
      }
      await rename(part, input.input.resultPath);
      if (processed.batchFileId) {
        await db
          .update(batchFiles)
          .set({ status: processed.outcome === 'failed' ? 'failed' : 'processed', finishedAt: new Date(summary.finished_at) })
          .where(eq(batchFiles.id, processed.batchFileId));
      }
      return summary;
    },
  };
}

/** A result file being written: appends lines, knows its length, flushes before a heartbeat. */
class ResultWriter {
  private constructor(
    private readonly handle: FileHandle,
    public bytes: number,
  ) {}

  /** Opens for writing; `truncateTo` keeps that many bytes of an earlier attempt (none: start empty). */
  static async open(file: string, truncateTo: number | undefined): Promise<ResultWriter> {
    const handle = await open(file, truncateTo === undefined || !(await exists(file)) ? 'w' : 'r+');
    const keep = truncateTo ?? 0;
    await handle.truncate(keep);
    return new ResultWriter(handle, keep);
  }

  async write(results: RecordResult[]): Promise<void> {
    if (results.length === 0) return;
    const text = results.map((r) => JSON.stringify(r)).join('\n') + '\n';
    await this.append(text);
  }

  async writeLine(value: unknown): Promise<void> {
    await this.append(`${JSON.stringify(value)}\n`);
  }

  private async append(text: string): Promise<void> {
    const buf = Buffer.from(text, 'utf8');
    await this.handle.write(buf, 0, buf.length, this.bytes);
    this.bytes += buf.length;
  }

  async close(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function writeWhole(file: string, text: string): Promise<void> {
  const h = await open(file, 'w');
  await h.writeFile(text);
  await h.sync();
  await h.close();
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Accepted rows of these record ids in the company, with the file each came from. */
async function claimedRecords(tx: Tx | Db, companyId: string, recordIds: string[]) {
  if (recordIds.length === 0) return new Map<string, { batchFileId: string; line: number; invoiceId: string | null; fileName: string }>();
  const rows = await tx
    .select({ recordId: batchFileRecords.recordId, batchFileId: batchFileRecords.batchFileId, line: batchFileRecords.line, invoiceId: batchFileRecords.invoiceId, fileName: batchFiles.name })
    .from(batchFileRecords)
    .innerJoin(batchFiles, eq(batchFiles.id, batchFileRecords.batchFileId))
    .where(and(eq(batchFileRecords.companyId, companyId), inArray(batchFileRecords.recordId, recordIds)));
  return new Map(rows.map((r) => [r.recordId, r]));
}

/**
 * A record id met before: accepted when it is this very record (an earlier attempt of this file
 * applied it), a duplicate otherwise.
 */
function alreadyClaimed(
  fileId: string,
  line: number,
  recordId: string,
  claim: { batchFileId: string; line: number; invoiceId: string | null; fileName: string },
): RecordResult {
  if (claim.batchFileId === fileId && claim.line === line) {
    return { line, record_id: recordId, status: 'accepted', ...(claim.invoiceId ? { invoice_id: claim.invoiceId } : {}) };
  }
  const where = claim.batchFileId === fileId ? `line ${claim.line} of this file` : `line ${claim.line} of ${claim.fileName}`;
  return { line, record_id: recordId, status: 'duplicate', errors: [{ field: 'record_id', message: `record_id was already used on ${where}; nothing was changed` }] };
}

interface PlacementContext {
  file: typeof batchFiles.$inferSelect;
  company: Company;
  header: BatchFileHeader;
  importId(): string | null;
  setImportId(id: string): void;
}

/** A chunk of placement records, in one transaction: their record ids, invoices and lines together. */
async function applyPlacements(db: Db, ctx: PlacementContext, pending: Pending[]): Promise<RecordResult[]> {
  const results = new Map<number, RecordResult>();
  const valid: Array<{ line: number; record: PlacementRecord }> = [];
  for (const p of pending) {
    if ('result' in p) {
      results.set(p.line, p.result);
      continue;
    }
    const parsed = placementRecordSchema.safeParse(p.record);
    if (parsed.success) valid.push({ line: p.line, record: parsed.data });
    else results.set(p.line, { line: p.line, record_id: recordIdOf(p.record), status: 'rejected', errors: issuesToErrors(parsed.error.issues) });
  }
  await db.transaction(async (tx) => {
    const claims = await claimedRecords(tx, ctx.company.id, valid.map((v) => v.record.record_id));
    const knownExternalIds = new Set<string>();
    const externalIds = valid.map((v) => v.record.invoice.external_id);
    if (externalIds.length > 0) {
      const rows = await tx
        .select({ externalId: invoices.externalId })
        .from(invoices)
        .where(and(eq(invoices.companyId, ctx.company.id), inArray(invoices.externalId, externalIds)));
      for (const r of rows) knownExternalIds.add(r.externalId!);
    }
    const seenRecords = new Map<string, number>();
    const fresh: Array<{ line: number; record: PlacementRecord; invoice: typeof invoices.$inferInsert; lines: Array<typeof invoiceLines.$inferInsert> }> = [];
    for (const { line, record } of valid) {
      const rid = record.record_id;
      const claim = claims.get(rid) ?? (seenRecords.has(rid) ? { batchFileId: ctx.file.id, line: seenRecords.get(rid)!, invoiceId: null, fileName: ctx.file.name } : undefined);
      if (claim) {
        results.set(line, alreadyClaimed(ctx.file.id, line, rid, claim));
        continue;
      }
      seenRecords.set(rid, line);
      const reject = (errors: RecordError[]) => results.set(line, { line, record_id: rid, status: 'rejected', errors });
      const inv = record.invoice;
      const errors: RecordError[] = [];
      if (knownExternalIds.has(inv.external_id)) errors.push({ field: 'invoice.external_id', message: 'the company already has an invoice with this external_id' });
      const total = invoiceTotal(inv.invoice_lines.map((l) => ({ amountCents: l.amount_cents, quantity: l.quantity })));
      if (total <= 0) errors.push({ field: 'invoice.invoice_lines', message: 'the invoice lines must add up to more than zero' });
      if (inv.due_date < inv.issue_date) errors.push({ field: 'invoice.due_date', message: 'due_date is before issue_date' });
      let debtor = inv.debtor;
      if (debtor.phone !== undefined) {
        const country = debtor.address?.country ?? ctx.company.country;
        const phone = normalizePhoneNumber(debtor.phone, country);
        if (phone) debtor = { ...debtor, phone };
        else errors.push({ field: 'invoice.debtor.phone', message: `must be a valid phone number (international, or national for ${country})` });
      }
      if (errors.length > 0) {
        reject(errors);
        continue;
      }
      knownExternalIds.add(inv.external_id);
      const id = newId('inv');
      fresh.push({
        line,
        record,
        invoice: {
          id,
          partnerId: ctx.company.partnerId,
          companyId: ctx.company.id,
          importId: '',
          invoiceNumber: inv.invoice_number,
          externalId: inv.external_id,
          issueDate: inv.issue_date,
          dueDate: inv.due_date,
          currency: inv.currency ?? ctx.company.currency,
          reference: inv.reference ?? null,
          paymentReference: newPaymentReference(),
          debtor,
          amountTotalCents: total,
        },
        lines: invoiceLineRows(id, inv.invoice_lines),
      });
    }
    if (fresh.length === 0) return;
    let importId = ctx.importId();
    if (!importId) {
      importId = newId('imp');
      await tx.insert(imports).values({ id: importId, partnerId: ctx.company.partnerId, companyId: ctx.company.id, title: ctx.header.settings.import_title ?? ctx.file.name });
      await tx.update(batchFiles).set({ importId }).where(eq(batchFiles.id, ctx.file.id));
    }
    const claimed = await tx
      .insert(batchFileRecords)
      .values(fresh.map((f) => ({ companyId: ctx.company.id, recordId: f.record.record_id, batchFileId: ctx.file.id, line: f.line, invoiceId: f.invoice.id! })))
      .onConflictDoNothing()
      .returning({ recordId: batchFileRecords.recordId });
    const won = new Set(claimed.map((c) => c.recordId));
    const inserted = fresh.filter((f) => won.has(f.record.record_id));
    if (inserted.length > 0) {
      await tx.insert(invoices).values(inserted.map((f) => ({ ...f.invoice, importId })));
      await tx.insert(invoiceLines).values(inserted.flatMap((f) => f.lines));
    }
    for (const f of fresh) {
      results.set(
        f.line,
        won.has(f.record.record_id)
          ? { line: f.line, record_id: f.record.record_id, status: 'accepted', invoice_id: f.invoice.id! }
          : { line: f.line, record_id: f.record.record_id, status: 'duplicate', errors: [{ field: 'record_id', message: 'record_id was claimed by another file at the same time; nothing was changed' }] },
      );
    }
    // Set only once the transaction commits (a rolled-back import must not be reused).
    ctx.setImportId(importId);
  });
  return [...results.values()].sort((a, b) => a.line - b.line);
}

/**
 * Update records of a chunk: each reaches its invoice's workflow as the API's Update would. Records
 * about different invoices run side by side (at most UPDATE_CONCURRENCY at once); records about the
 * same invoice, or repeating a record id, run one after the other in file order (a hold before its
 * resume, a payment before a retraction). Results come back in line order.
 */
async function applyUpdates(db: Db, temporal: Client, ctx: { fileId: string; company: Company }, pending: Pending[]): Promise<RecordResult[]> {
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
    return inTransaction(async (tx) => {
      await tx.update(invoices).set({ debtor, updatedAt: new Date() }).where(eq(invoices.id, invoice.id));
      await appendEvents(tx, [
        { type: 'invoice.contact_updated', partnerId: invoice.partnerId, companyId: invoice.companyId, invoiceId: invoice.id, data: { invoice_id: invoice.id, changed: Object.keys(record.debtor) } },
      ]);
    });
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
