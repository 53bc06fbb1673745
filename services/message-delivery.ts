import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { messages } from '../db/schema';
import { appendEvents } from './events';

export type DeliveryOutcome = 'delivered' | 'failed';

export interface DeliveryReport {
  /** The provider's id of the message (Twilio's `MessageSid`). */
  providerMessageId: string;
  transport: string;
  outcome: DeliveryOutcome;
  /** Why it failed, in the provider's words (status and error code). */
  reason?: string;
}

/**
 * Records what the provider reports about a message we sent: `delivered` or `failed`, with its
 * event. Only a message still `sending` or `sent` changes, so a repeated or late report (Twilio
 * retries, reports out of order) changes nothing and writes no second event.
 */
export async function recordDeliveryReport(db: Db, report: DeliveryReport): Promise<'recorded' | 'unchanged' | 'unknown_message'> {
  return db.transaction(async (tx) => {
    const [message] = await tx
      .select()
      .from(messages)
      .where(and(eq(messages.providerMessageId, report.providerMessageId), eq(messages.transport, report.transport)));
    if (!message) return 'unknown_message';
    const [changed] = await tx
      .update(messages)
      .set(report.outcome === 'failed' ? { status: 'failed', error: report.reason ?? 'failed' } : { status: 'delivered' })
      .where(and(eq(messages.id, message.id), inArray(messages.status, ['sending', 'sent'])))
      .returning();
    if (!changed) return 'unchanged';
    await appendEvents(tx, [
      {
        type: report.outcome === 'delivered' ? 'message.delivered' : 'message.failed',
        partnerId: changed.partnerId,
        companyId: changed.companyId,
        invoiceId: changed.invoiceId,
        data: {
          message_id: changed.id,
          invoice_id: changed.invoiceId,
          channel: changed.channel,
          kind: changed.kind,
          transport: changed.transport,
          ...(report.outcome === 'failed' ? { reason: report.reason ?? 'failed' } : {}),
        },
        // The same key the sending activity uses for a refused message: a message fails once.
        dedupeKey: `message.${report.outcome}:${changed.id}`,
      },
    ]);
    return 'recorded';
  });
}
