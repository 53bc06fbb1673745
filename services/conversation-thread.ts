import { and, desc, eq, gte, inArray, notInArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { companies, conversationEntries, conversations, debtors, dunningPolicies, invoices, messages } from '../db/schema';
import { amountDue } from '../domain/amounts';
import { defaultDunningPolicy, type DunningPolicy } from '../domain/dunning-policy';
import { DomainError, invalidField, unprocessable } from '../domain/errors';
import { applyQuietHours } from '../domain/guardrails';
import { finalInvoiceStatuses } from '../domain/invoice-status';
import { reachedDebtor } from '../domain/message-delivery';
import { isInScope, type ConsoleScope, type ConsoleUser } from './console-users';
import type { ConversationRow } from './conversation-queue';
import type { AgentReplySend } from '../workflows/agent-reply.messages';
import { recordConversationEntry } from './conversations';
import { newId } from './ids';

/**
 * One debtor's thread as an agent reads and answers it: what Recoup sent (`messages` on the
 * debtor's invoices) merged with everything else (`conversation_entries`), beside the debtor's
 * open invoices; notes; and the checks an agent's reply passes before it is sent.
 */

export type { AgentReplySend };
export type DebtorRow = typeof debtors.$inferSelect;
type MessageRow = typeof messages.$inferSelect;
type EntryRow = typeof conversationEntries.$inferSelect;

export type ThreadItem = { at: Date; source: 'message'; message: MessageRow; invoiceNumber: string } | { at: Date; source: 'entry'; entry: EntryRow; invoiceNumber: string | null };

export interface OpenInvoice {
  id: string;
  invoiceNumber: string;
  status: string;
  dueDate: string;
  currency: string;
  amountDueCents: number;
}

export interface Thread {
  debtor: DebtorRow;
  companyName: string;
  conversation: ConversationRow | null;
  items: ThreadItem[];
  openInvoices: OpenInvoice[];
}

/** The debtor when the scope holds them, else not found (another partner's debtor is as unknown as none). */
export async function findDebtorInScope(db: Pick<Db, 'select'>, scope: ConsoleScope, debtorId: string): Promise<DebtorRow> {
  const [debtor] = await db.select().from(debtors).where(eq(debtors.id, debtorId));
  if (!debtor || !isInScope(scope, debtor.partnerId)) throw new DomainError('not_found', 'not_found', `No debtor ${debtorId}`);
  return debtor;
}

/** The debtor's thread, oldest first (the last 500 messages and 500 entries). */
export async function loadThread(db: Db, scope: ConsoleScope, debtorId: string): Promise<Thread> {
  const debtor = await findDebtorInScope(db, scope, debtorId);
  const [company] = await db.select({ name: companies.name }).from(companies).where(eq(companies.id, debtor.companyId));
  const theirInvoices = await db.select().from(invoices).where(eq(invoices.debtorId, debtor.id));
  const numbers = new Map(theirInvoices.map((i) => [i.id, i.invoiceNumber]));
  const ids = theirInvoices.map((i) => i.id);
  const [sent, entries, conversation] = await Promise.all([
    ids.length ? db.select().from(messages).where(inArray(messages.invoiceId, ids)).orderBy(desc(messages.createdAt)).limit(500) : [],
    db.select().from(conversationEntries).where(eq(conversationEntries.debtorId, debtor.id)).orderBy(desc(conversationEntries.createdAt)).limit(500),
    db.select().from(conversations).where(eq(conversations.debtorId, debtor.id)),
  ]);
  const items: ThreadItem[] = [
    ...sent.map((m) => ({ at: m.sentAt ?? m.createdAt, source: 'message' as const, message: m, invoiceNumber: numbers.get(m.invoiceId) ?? m.invoiceId })),
    ...entries.map((e) => ({ at: e.createdAt, source: 'entry' as const, entry: e, invoiceNumber: e.invoiceId ? (numbers.get(e.invoiceId) ?? e.invoiceId) : null })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  const openInvoices = theirInvoices
    .filter((i) => !finalInvoiceStatuses.includes(i.status))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id))
    .map((i) => ({ id: i.id, invoiceNumber: i.invoiceNumber, status: i.status, dueDate: i.dueDate, currency: i.currency, amountDueCents: amountDue(i) }));
  return { debtor, companyName: company?.name ?? '', conversation: conversation[0] ?? null, items, openInvoices };
}

/** An internal note on the thread: never sent, shown to agents only. */
export async function addNote(db: Db, scope: ConsoleScope, debtorId: string, author: ConsoleUser, body: string): Promise<void> {
  const text = body.trim();
  if (!text) throw invalidField('body', 'Write the note.');
  if (text.length > 5000) throw invalidField('body', 'A note has at most 5000 characters.');
  const debtor = await findDebtorInScope(db, scope, debtorId);
  await db.transaction(async (tx) => {
    await recordConversationEntry(tx, {
      debtorId: debtor.id,
      partnerId: debtor.partnerId,
      companyId: debtor.companyId,
      direction: 'internal',
      channel: 'note',
      kind: 'note',
      body: text,
      author: { userId: author.id, email: author.email },
    });
  });
}

/** What an agent asks to send. */
export interface AgentReplyRequest {
  channel: string;
  subject?: string;
  body: string;
}

const DAY_MS = 86_400_000;

/**
 * The checks an agent's reply passes before anything is sent; the guardrails hold for agents too:
 *
 * - the body is required (and the channel one of email, SMS);
 * - the debtor has a contact detail for the channel and did not opt out of it;
 * - not in the debtor's quiet hours (the policy's, in the debtor's timezone): refused, with the
 *   moment they end, rather than queued — the agent may be gone by then and the words may no
 *   longer fit;
 * - an answer to the debtor (the thread waits for one) is allowed whatever the contact limit says
 *   (the limit's exception for answers); a message the agent starts counts against the limit like
 *   an automated one (messages that reached the debtor in the last 7 days).
 *
 * The reply goes on the invoice the thread's last entry from the debtor is about, else the debtor's
 * most recent open invoice.
 */
export async function checkAgentReply(db: Db, scope: ConsoleScope, debtorId: string, author: ConsoleUser, request: AgentReplyRequest, now: Date): Promise<AgentReplySend> {
  const body = request.body.trim();
  if (request.channel !== 'email' && request.channel !== 'sms') throw invalidField('channel', 'Choose email or SMS.');
  if (!body) throw invalidField('body', 'Write the reply: an empty message is not sent.');
  const limit = request.channel === 'sms' ? 1600 : 20_000;
  if (body.length > limit) throw invalidField('body', `A reply by ${request.channel === 'sms' ? 'SMS' : 'email'} has at most ${limit} characters.`);
  const subject = request.channel === 'email' ? (request.subject ?? '').trim().slice(0, 300) : '';
  const channel = request.channel;

  const debtor = await findDebtorInScope(db, scope, debtorId);
  const recipient = channel === 'email' ? debtor.email : debtor.phone;
  if (!recipient) throw unprocessable(channel === 'email' ? 'no_email' : 'no_phone', `The debtor has no ${channel === 'email' ? 'email address' : 'phone number'}: nothing was sent.`, [{ path: 'channel', message: 'no contact detail' }]);
  if (debtor.optOuts.includes(channel)) {
    throw unprocessable('opted_out', `The debtor opted out of ${channel === 'email' ? 'email' : 'SMS'}: nothing was sent. Answer on another channel.`, [{ path: 'channel', message: 'opted out' }]);
  }

  const open = await db
    .select({ id: invoices.id, companyId: invoices.companyId, policyVersion: invoices.policyVersion, policy: dunningPolicies.policy })
    .from(invoices)
    .leftJoin(dunningPolicies, and(eq(dunningPolicies.companyId, invoices.companyId), eq(dunningPolicies.version, invoices.policyVersion)))
    .where(and(eq(invoices.debtorId, debtor.id), notInArray(invoices.status, [...finalInvoiceStatuses, 'draft'])))
    .orderBy(desc(invoices.createdAt), desc(invoices.id));
  if (!open.length) throw unprocessable('no_open_invoice', 'The debtor has no open invoice to answer about: nothing was sent.');
  const [lastIn] = await db
    .select({ invoiceId: conversationEntries.invoiceId })
    .from(conversationEntries)
    .where(and(eq(conversationEntries.debtorId, debtor.id), eq(conversationEntries.direction, 'in')))
    .orderBy(desc(conversationEntries.createdAt))
    .limit(1);
  const target = open.find((i) => i.id === lastIn?.invoiceId) ?? open[0]!;
  const policy: DunningPolicy = target.policy ?? defaultDunningPolicy;
  const g = policy.guardrails;

  const quiet = applyQuietHours(now.getTime(), debtor.timezone, g.quiet_hours_start, g.quiet_hours_end);
  if (quiet.check.result === 'waited') {
    const until = new Date(quiet.at);
    throw unprocessable(
      'quiet_hours',
      `It is the debtor’s quiet time (${g.quiet_hours_start}–${g.quiet_hours_end}, ${debtor.timezone}): nothing was sent. Reply after ${until.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    );
  }

  const [conversation] = await db.select().from(conversations).where(eq(conversations.debtorId, debtor.id));
  const answersInbound = Boolean(conversation?.awaitingSince);
  if (!answersInbound) {
    const ids = open.map((i) => i.id);
    const recent = await db
      .select({ channel: messages.channel, status: messages.status })
      .from(messages)
      .where(and(inArray(messages.invoiceId, ids), gte(messages.createdAt, new Date(now.getTime() - 7 * DAY_MS))));
    const contacts = recent.filter((m) => reachedDebtor(m.channel, m.status)).length;
    if (contacts >= g.max_contacts_per_7_days) {
      throw unprocessable('contact_limit', `The debtor was contacted ${contacts} times in the last 7 days (the limit is ${g.max_contacts_per_7_days}) and nothing waits for an answer: nothing was sent.`);
    }
  }

  return {
    replyId: newId('rpl'),
    debtorId: debtor.id,
    invoiceId: target.id,
    channel,
    subject: channel === 'email' ? subject || null : null,
    body,
    author: { userId: author.id, email: author.email },
    answersInbound,
  };
}
