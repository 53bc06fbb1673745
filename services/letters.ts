import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { letters, messages, printBatches } from '../db/schema';
import type { LetterContent } from '../messaging/letter';
import { appendEvents } from './events';
import { newId } from './ids';

type Tx = Pick<Db, 'insert' | 'select' | 'update'>;

/**
 * The print batch that collects letters queued on `day` (UTC, YYYY-MM-DD): the day's `open` batch,
 * created by the first letter. Its row stays locked until the caller's transaction ends, so a
 * batch being marked posted at that moment waits for the letter and posts it too.
 */
export async function openPrintBatchOf(tx: Pick<Db, 'insert'>, day: string): Promise<string> {
  const [batch] = await tx
    .insert(printBatches)
    .values({ id: newId('pb'), batchDate: day, status: 'open' })
    .onConflictDoUpdate({ target: printBatches.batchDate, targetWhere: sql`status = 'open'`, set: { batchDate: day } })
    .returning({ id: printBatches.id });
  return batch!.id;
}

/** Puts a letter message in the print queue, in the caller's transaction with the message row. */
export async function queueLetter(tx: Pick<Db, 'insert'>, letter: { messageId: string; batchId: string | null; content: LetterContent }): Promise<void> {
  await tx.insert(letters).values({ messageId: letter.messageId, batchId: letter.batchId, content: letter.content });
}

/**
 * The letters went to the post: each message still `queued` becomes `posted`, `sent_at` = `at`,
 * with its `message.sent` event (`delivery: posted`). A letter already posted is left as it is,
 * so posting twice changes nothing and writes no second event. Answers the messages it posted.
 */
export async function recordLettersPosted(tx: Tx, messageIds: readonly string[], at: Date): Promise<string[]> {
  if (messageIds.length === 0) return [];
  const posted = await tx
    .update(messages)
    .set({ status: 'posted', sentAt: at })
    .where(and(inArray(messages.id, [...messageIds]), eq(messages.channel, 'letter'), eq(messages.status, 'queued')))
    .returning();
  await appendEvents(
    tx,
    posted.map((m) => ({
      type: 'message.sent' as const,
      partnerId: m.partnerId,
      companyId: m.companyId,
      invoiceId: m.invoiceId,
      data: { message_id: m.id, invoice_id: m.invoiceId, channel: 'letter', kind: m.kind, transport: m.transport, delivery: 'posted' },
      dedupeKey: `message.sent:${m.id}`,
    })),
  );
  return posted.map((m) => m.id);
}
