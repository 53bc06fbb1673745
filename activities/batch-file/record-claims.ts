import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { batchFileRecords, batchFiles } from '../../db/schema';
import type { RecordResult } from '../../domain/batch-file';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** A record line read from the file: parsed JSON to apply, or already a result (a line that could not be read). */
export type Pending = { line: number; result: RecordResult } | { line: number; record: unknown };

/** Accepted rows of these record ids in the company, with the file each came from. */
export async function claimedRecords(tx: Tx | Db, companyId: string, recordIds: string[]) {
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
export function alreadyClaimed(
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
