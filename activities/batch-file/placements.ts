import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { batchFileRecords, batchFiles, companies, imports, invoices } from '../../db/schema';
import { issuesToErrors, placementRecordSchema, recordIdOf, type BatchFileHeader, type PlacementRecord, type RecordError, type RecordResult } from '../../domain/batch-file';
import { newId } from '../../services/ids';
import { insertDraftInvoices, prepareDraftInvoice, type PreparedDraftInvoice } from '../../services/invoices';
import { alreadyClaimed, claimedRecords, type Pending } from './record-claims';

export interface PlacementContext {
  file: typeof batchFiles.$inferSelect;
  company: typeof companies.$inferSelect;
  header: BatchFileHeader;
  importId(): string | null;
  setImportId(id: string): void;
}

/** A chunk of placement records, in one transaction: their record ids, invoices and lines together. */
export async function applyPlacements(db: Db, ctx: PlacementContext, pending: Pending[]): Promise<RecordResult[]> {
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
    const fresh: Array<{ line: number; record: PlacementRecord; draft: PreparedDraftInvoice }> = [];
    for (const { line, record } of valid) {
      const rid = record.record_id;
      const claim = claims.get(rid) ?? (seenRecords.has(rid) ? { batchFileId: ctx.file.id, line: seenRecords.get(rid)!, invoiceId: null, fileName: ctx.file.name } : undefined);
      if (claim) {
        results.set(line, alreadyClaimed(ctx.file.id, line, rid, claim));
        continue;
      }
      seenRecords.set(rid, line);
      const inv = record.invoice;
      const errors: RecordError[] = [];
      if (knownExternalIds.has(inv.external_id)) errors.push({ field: 'invoice.external_id', message: 'the company already has an invoice with this external_id' });
      const prepared = prepareDraftInvoice(ctx.company, inv);
      if (!prepared.ok) errors.push(...prepared.problems.map((p) => ({ field: `invoice.${p.path}`, message: p.message })));
      if (errors.length > 0 || !prepared.ok) {
        results.set(line, { line, record_id: rid, status: 'rejected', errors });
        continue;
      }
      knownExternalIds.add(inv.external_id);
      fresh.push({ line, record, draft: prepared.draft });
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
      .values(fresh.map((f) => ({ companyId: ctx.company.id, recordId: f.record.record_id, batchFileId: ctx.file.id, line: f.line, invoiceId: f.draft.invoice.id! })))
      .onConflictDoNothing()
      .returning({ recordId: batchFileRecords.recordId });
    const won = new Set(claimed.map((c) => c.recordId));
    const inserted = fresh.filter((f) => won.has(f.record.record_id));
    if (inserted.length > 0) await insertDraftInvoices(tx, importId, inserted.map((f) => f.draft));
    for (const f of fresh) {
      results.set(
        f.line,
        won.has(f.record.record_id)
          ? { line: f.line, record_id: f.record.record_id, status: 'accepted', invoice_id: f.draft.invoice.id! }
          : { line: f.line, record_id: f.record.record_id, status: 'duplicate', errors: [{ field: 'record_id', message: 'record_id was claimed by another file at the same time; nothing was changed' }] },
      );
    }
    // Set only once the transaction commits (a rolled-back import must not be reused).
    ctx.setImportId(importId);
  });
  return [...results.values()].sort((a, b) => a.line - b.line);
}
