import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { companies, consoleUsers, conversations, debtors } from '../db/schema';
import { DomainError, invalidField } from '../domain/errors';
import { inScope, isInScope, type ConsoleScope, type ConsoleUser } from './console-users';

/**
 * The agents' queue of conversations (one thread per debtor, services/conversations.ts), read and
 * worked within a console user's scope: a thread of another partner is as absent as an unknown one.
 */

export type QueueFilter = 'all' | 'mine' | 'unassigned';

export interface QueueRow {
  debtorId: string;
  debtorName: string;
  companyName: string;
  /** Since when the debtor's oldest unanswered entry waits (the SLA age); null: nothing waits. */
  awaitingSince: Date | null;
  lastEntryAt: Date;
  assignedUserId: string | null;
  assignedEmail: string | null;
}

/**
 * The open threads in scope: those with something waiting first, the longest waiting at the top
 * (the SLA), then the rest by their last activity, newest first.
 */
export async function listConversationQueue(db: Db, scope: ConsoleScope, options: { filter: QueueFilter; userId: string; limit?: number }): Promise<QueueRow[]> {
  return db
    .select({
      debtorId: conversations.debtorId,
      debtorName: debtors.name,
      companyName: companies.name,
      awaitingSince: conversations.awaitingSince,
      lastEntryAt: conversations.lastEntryAt,
      assignedUserId: conversations.assignedUserId,
      assignedEmail: consoleUsers.email,
    })
    .from(conversations)
    .innerJoin(debtors, eq(debtors.id, conversations.debtorId))
    .innerJoin(companies, eq(companies.id, conversations.companyId))
    .leftJoin(consoleUsers, eq(consoleUsers.id, conversations.assignedUserId))
    .where(
      and(
        eq(conversations.status, 'open'),
        inScope(scope, conversations.partnerId),
        options.filter === 'mine' ? eq(conversations.assignedUserId, options.userId) : undefined,
        // A thread assigned to a user since revoked is unassigned too.
        options.filter === 'unassigned' ? isNull(consoleUsers.id) : undefined,
      ),
    )
    .orderBy(sql`${conversations.awaitingSince} is null`, asc(conversations.awaitingSince), desc(conversations.lastEntryAt), asc(conversations.debtorId))
    .limit(options.limit ?? 500);
}

export type ConversationRow = typeof conversations.$inferSelect;

/** The thread of a debtor in scope, or a not-found error (another partner's debtor included). */
export async function findConversation(db: Pick<Db, 'select'>, scope: ConsoleScope, debtorId: string): Promise<ConversationRow> {
  const [row] = await db.select().from(conversations).where(eq(conversations.debtorId, debtorId));
  if (!row || !isInScope(scope, row.partnerId)) throw new DomainError('not_found', 'not_found', `No conversation with debtor ${debtorId}`);
  return row;
}

/** The people a thread may be given to: agents of its partner, and ops. */
export async function assignableUsers(db: Db, partnerId: string): Promise<Array<Pick<ConsoleUser, 'id' | 'email' | 'role'>>> {
  return db
    .select({ id: consoleUsers.id, email: consoleUsers.email, role: consoleUsers.role })
    .from(consoleUsers)
    .where(and(eq(consoleUsers.role, 'agent'), eq(consoleUsers.partnerId, partnerId)))
    .orderBy(asc(consoleUsers.email));
}

/**
 * Gives the thread to an agent of its partner (or to the acting user, `me`), or takes it back
 * (`null`). Someone of another partner is refused with the field named.
 */
export async function assignConversation(db: Db, scope: ConsoleScope, by: ConsoleUser, debtorId: string, assignee: 'me' | string | null): Promise<ConversationRow> {
  const thread = await findConversation(db, scope, debtorId);
  let userId: string | null = null;
  if (assignee === 'me') userId = by.id;
  else if (assignee) {
    const [user] = await db
      .select({ id: consoleUsers.id })
      .from(consoleUsers)
      .where(and(eq(consoleUsers.id, assignee), eq(consoleUsers.role, 'agent'), eq(consoleUsers.partnerId, thread.partnerId)));
    if (!user) throw invalidField('assignee', 'Choose an agent of this thread’s partner.');
    userId = user.id;
  }
  const [row] = await db.update(conversations).set({ assignedUserId: userId, updatedAt: new Date() }).where(eq(conversations.debtorId, thread.debtorId)).returning();
  return row!;
}

/** Closes the thread: it leaves the queue until the debtor writes again (which opens it). */
export async function closeConversation(db: Db, scope: ConsoleScope, debtorId: string): Promise<void> {
  const thread = await findConversation(db, scope, debtorId);
  await db.update(conversations).set({ status: 'closed', updatedAt: new Date() }).where(eq(conversations.debtorId, thread.debtorId));
}

/** The emails of console users by id (authors of entries keep their email; this is for the assignee). */
export async function consoleUserEmails(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await db.select({ id: consoleUsers.id, email: consoleUsers.email }).from(consoleUsers).where(inArray(consoleUsers.id, ids));
  return new Map(rows.map((r) => [r.id, r.email]));
}
