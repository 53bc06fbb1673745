import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { batchFileRecords, batchFiles, companies, imports, invoiceLines, invoices } from '../../db/schema';
import { invoiceTotal } from '../../domain/amounts';
import { issuesToErrors, placementRecordSchema, recordIdOf, type BatchFileHeader, type PlacementRecord, type RecordError, type RecordResult } from '../../domain/batch-file';
import { normalizePhoneNumber } from '../../domain/phone';
import { newId } from '../../services/ids';
import { invoiceLineRows } from '../../services/invoice-lines';
import { newPaymentReference } from '../../services/payment-references';
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
