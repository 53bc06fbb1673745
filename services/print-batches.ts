import { and, asc, count, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../db/client';
import { letters, messages, printBatches } from '../db/schema';
import { renderLettersPdf } from '../messaging/letter';
import { recordLettersPosted } from './letters';

export interface PrintBatchSummary {
  id: string;
  batchDate: string;
  status: 'open' | 'posted';
  createdAt: Date;
  postedAt: Date | null;
  letterCount: number;
}

export interface PrintBatchLetter {
  messageId: string;
  invoiceId: string;
  companyId: string;
  recipient: string;
  kind: string;
  status: string;
}

const summaryColumns = {
  id: printBatches.id,
  batchDate: printBatches.batchDate,
  status: printBatches.status,
  createdAt: printBatches.createdAt,
  postedAt: printBatches.postedAt,
  letterCount: count(letters.messageId),
};

/** Print batches, newest first; `before` is the id of the last batch of the previous page. */
export async function listPrintBatches(db: Db, options: { limit: number; before?: string }): Promise<PrintBatchSummary[]> {
  return db
    .select(summaryColumns)
    .from(printBatches)
    .leftJoin(letters, eq(letters.batchId, printBatches.id))
    .where(options.before ? lt(printBatches.id, options.before) : undefined)
    .groupBy(printBatches.id)
    .orderBy(desc(printBatches.id))
    .limit(options.limit);
}

export async function getPrintBatch(db: Db, id: string): Promise<(PrintBatchSummary & { letters: PrintBatchLetter[] }) | null> {
  const [batch] = await db.select(summaryColumns).from(printBatches).leftJoin(letters, eq(letters.batchId, printBatches.id)).where(eq(printBatches.id, id)).groupBy(printBatches.id);
  if (!batch) return null;
  const rows = await db
    .select({ messageId: messages.id, invoiceId: messages.invoiceId, companyId: messages.companyId, recipient: messages.recipient, kind: messages.kind, status: messages.status })
    .from(letters)
    .innerJoin(messages, eq(messages.id, letters.messageId))
    .where(eq(letters.batchId, id))
    .orderBy(asc(letters.createdAt), asc(letters.messageId));
  return { ...batch, letters: rows };
}

/** The whole batch as one PDF to print: every letter in the order queued, each starting on a new page. Null when unknown. */
export async function renderPrintBatchPdf(db: Db, id: string): Promise<Buffer | null> {
  const [batch] = await db.select({ id: printBatches.id }).from(printBatches).where(eq(printBatches.id, id));
  if (!batch) return null;
  const rows = await db.select({ content: letters.content }).from(letters).where(eq(letters.batchId, id)).orderBy(asc(letters.createdAt), asc(letters.messageId));
  return renderLettersPdf(rows.map((r) => r.content));
}

/**
 * Ops printed the batch and handed it to the post: the batch becomes `posted` and so does each of
 * its letters (`sent_at` now, `message.sent` with `delivery: posted`). Letters queued later go to a
 * new batch. Marking a posted batch again changes nothing (`changed: false`). Null when unknown.
 */
export async function markPrintBatchPosted(db: Db, id: string, now: Date): Promise<{ changed: boolean; postedLetters: number } | null> {
  return db.transaction(async (tx) => {
    // Taking the row lock waits for a letter being queued into this batch right now.
    const [posted] = await tx
      .update(printBatches)
      .set({ status: 'posted', postedAt: now })
      .where(and(eq(printBatches.id, id), eq(printBatches.status, 'open')))
      .returning({ id: printBatches.id });
    if (!posted) {
      const [known] = await tx.select({ id: printBatches.id }).from(printBatches).where(eq(printBatches.id, id));
      return known ? { changed: false, postedLetters: 0 } : null;
    }
    const inBatch = await tx.select({ messageId: letters.messageId }).from(letters).where(eq(letters.batchId, id));
    const postedIds = await recordLettersPosted(
      tx,
      inBatch.map((l) => l.messageId),
      now,
    );
    return { changed: true, postedLetters: postedIds.length };
  });
}
