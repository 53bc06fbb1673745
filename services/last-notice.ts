import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { messages } from '../db/schema';
import { preparedPerDb } from '../db/prepared';
import { deliveryStatus, reachedDebtor, reachedDebtorAt, type DeliveryStatus } from '../domain/message-delivery';
import type { LastNotice } from '../resources/serializers';

/** The messages that may be an invoice's last notice (prepared: every GET /invoices/{id} reads them). */
const noticeCandidates = preparedPerDb((db) =>
  db
    .select({ id: messages.id, channel: messages.channel, status: messages.status, sentAt: messages.sentAt, deliveredAt: messages.deliveredAt })
    .from(messages)
    .where(and(eq(messages.invoiceId, sql.placeholder('invoiceId')), ne(messages.kind, 'contact_change_confirmation'), inArray(messages.status, ['sent', 'delivered', 'outbox', 'posted'])))
    .prepare('invoice_notice_candidates'),
);

/**
 * The invoice's last notice that reached the debtor (see `reachedDebtor`): its channel, when, and
 * which message. Confirmations of a contact change are not notices about the invoice.
 */
export async function lastNoticeOf(db: Db, invoiceId: string): Promise<LastNotice | null> {
  const rows = await noticeCandidates(db).execute({ invoiceId });
  let last: { id: string; channel: string; at: Date } | null = null;
  for (const m of rows) {
    const at = reachedDebtorAt(m);
    if (!reachedDebtor(m.channel, m.status) || !at) continue;
    if (!last || at > last.at) last = { id: m.id, channel: m.channel, at };
  }
  return last && { channel: last.channel, delivered_at: last.at.toISOString(), message_id: last.id };
}

export interface MessageDelivery {
  channel: string;
  delivery_status: DeliveryStatus;
  /** When it reached the debtor's side (see `reachedDebtorAt`), once it did. */
  delivered_at: string | null;
}

/** The current delivery of each of these messages, by message id (for a timeline of their events). */
export async function messageDeliveries(db: Db, messageIds: string[]): Promise<Map<string, MessageDelivery>> {
  if (messageIds.length === 0) return new Map();
  const rows = await db
    .select({ id: messages.id, channel: messages.channel, status: messages.status, sentAt: messages.sentAt, deliveredAt: messages.deliveredAt })
    .from(messages)
    .where(inArray(messages.id, [...new Set(messageIds)]));
  return new Map(
    rows.map((m) => [
      m.id,
      { channel: m.channel, delivery_status: deliveryStatus(m.status), delivered_at: reachedDebtor(m.channel, m.status) ? (reachedDebtorAt(m)?.toISOString() ?? null) : null },
    ]),
  );
}

/** The message id an event is about, if it is about one of our messages. */
export function messageIdOfEvent(event: { type: string; data: Record<string, unknown> }): string | undefined {
  return event.type.startsWith('message.') && typeof event.data.message_id === 'string' ? event.data.message_id : undefined;
}
