import { and, eq, inArray, ne, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client';
import { messages } from '../db/schema';
import { deliveryStatus, reachedDebtor, reachedDebtorAt, type DeliveryStatus } from '../domain/message-delivery';
import type { LastNotice } from '../resources/serializers';

/** A message that may be an invoice's last notice, as `noticeCandidatesOf` gives it. */
export interface NoticeCandidate {
  id: string;
  channel: string;
  status: string;
  sentAt: Date | null;
  deliveredAt: Date | null;
}

/**
 * The messages that may be the last notice of the invoice whose id is `invoiceId` (a column of the
 * query around it), as one JSON array: a query that reads the invoice reads them in the same round
 * trip (GET /invoices/{id}, the API's hottest read). Read it back with `noticeCandidatesFromJson`.
 * Confirmations of a contact change are not notices about the invoice.
 */
export function noticeCandidatesOf(invoiceId: AnyPgColumn): SQL<unknown> {
  const fields = sql`json_build_object('id', ${messages.id}, 'channel', ${messages.channel}, 'status', ${messages.status}, 'sentAt', ${messages.sentAt}, 'deliveredAt', ${messages.deliveredAt})`;
  const candidate = and(eq(messages.invoiceId, invoiceId), ne(messages.kind, 'contact_change_confirmation'), inArray(messages.status, ['sent', 'delivered', 'outbox', 'posted']));
  return sql`(select coalesce(json_agg(${fields}), '[]'::json) from ${messages} where ${candidate})`;
}

/** The candidates of `noticeCandidatesOf` as read from the database (JSON: times are strings). */
export function noticeCandidatesFromJson(value: unknown): NoticeCandidate[] {
  const rows = (typeof value === 'string' ? JSON.parse(value) : value) as Array<{ id: string; channel: string; status: string; sentAt: string | null; deliveredAt: string | null }>;
  return rows.map((m) => ({ ...m, sentAt: m.sentAt === null ? null : new Date(m.sentAt), deliveredAt: m.deliveredAt === null ? null : new Date(m.deliveredAt) }));
}

/**
 * The invoice's last notice that reached the debtor (see `reachedDebtor`), among its candidates:
 * its channel, when, and which message.
 */
export function lastNoticeAmong(candidates: readonly NoticeCandidate[]): LastNotice | null {
  let last: { id: string; channel: string; at: Date } | null = null;
  for (const m of candidates) {
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
