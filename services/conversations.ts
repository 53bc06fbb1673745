import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { conversationEntries, conversations } from '../db/schema';
import { newId } from './ids';

type Tx = Pick<Db, 'insert' | 'select' | 'update'>;

/** One entry on a debtor's thread (see db/schema.ts `conversation_entries`). */
export interface NewConversationEntry {
  debtorId: string;
  partnerId: string;
  companyId: string;
  invoiceId?: string | null;
  direction: 'in' | 'out' | 'internal';
  channel: 'email' | 'sms' | 'portal' | 'note';
  /** `reply`, `bounce`, `note`, or a portal action such as `dispute`. */
  kind: string;
  body: string;
  subject?: string | null;
  sender?: string | null;
  author?: { userId: string; email: string } | null;
  messageId?: string | null;
  /** A redelivered reply with the same key records nothing new. */
  dedupeKey?: string | null;
  /**
   * Whether an agent should answer it (starts the thread's SLA age). Default: anything from the
   * debtor does; the debtor's self-service in the portal (a promise, a plan) need not.
   */
  awaitsAnswer?: boolean;
  at?: Date;
}

/**
 * Records an entry on the debtor's thread and keeps the thread's queue state; call inside the
 * transaction of the change it reports. Returns the entry's id, or null when the dedupe key was
 * recorded before.
 *
 * - Something from the debtor (`in`) opens the thread and starts its SLA age, unless an older
 *   unanswered entry already did; the debtor's self-service (`awaitsAnswer: false`) only joins it.
 * - An agent's answer (`out` with an author) stops the age: nothing waits any more.
 * - Notes and Recoup's own messages change neither.
 */
export async function recordConversationEntry(tx: Tx, entry: NewConversationEntry): Promise<string | null> {
  const at = entry.at ?? new Date();
  const [row] = await tx
    .insert(conversationEntries)
    .values({
      id: newId('cve'),
      debtorId: entry.debtorId,
      partnerId: entry.partnerId,
      companyId: entry.companyId,
      invoiceId: entry.invoiceId ?? null,
      direction: entry.direction,
      channel: entry.channel,
      kind: entry.kind,
      body: entry.body,
      subject: entry.subject ?? null,
      sender: entry.sender ?? null,
      authorUserId: entry.author?.userId ?? null,
      authorEmail: entry.author?.email ?? null,
      messageId: entry.messageId ?? null,
      dedupeKey: entry.dedupeKey ?? null,
      createdAt: at,
    })
    .onConflictDoNothing({ target: conversationEntries.dedupeKey })
    .returning({ id: conversationEntries.id });
  if (!row) return null;

  const awaitsAnswer = entry.awaitsAnswer ?? entry.direction === 'in';
  const answered = entry.direction === 'out' && Boolean(entry.author);
  await tx
    .insert(conversations)
    .values({
      debtorId: entry.debtorId,
      partnerId: entry.partnerId,
      companyId: entry.companyId,
      status: 'open',
      awaitingSince: awaitsAnswer ? at : null,
      lastEntryAt: at,
    })
    .onConflictDoUpdate({
      target: conversations.debtorId,
      set: {
        lastEntryAt: sql`greatest(${conversations.lastEntryAt}, excluded.last_entry_at)`,
        ...(awaitsAnswer
          ? { status: 'open' as const, awaitingSince: sql`coalesce(${conversations.awaitingSince}, excluded.awaiting_since)` }
          : answered
            ? { awaitingSince: null }
            : {}),
        updatedAt: sql`now()`,
      },
    });
  return row.id;
}
