import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { debtors, invoices, messages } from '../db/schema';
import { recordConversationEntry } from './conversations';
import { appendEvents } from './events';

/** The email a reply address names, with what the inbound server checks a sender against. */
export interface RepliedMessage {
  id: string;
  invoiceId: string;
  partnerId: string;
  companyId: string;
  debtorId: string;
  /** The address the message went to (a contact-change confirmation: the previous one). */
  recipient: string;
  /** The debtor's email now. */
  debtorEmail: string | null;
}

/** The email a verified reply address names; null when there is none (or it was no email). */
export async function findRepliedMessage(db: Db, messageId: string): Promise<RepliedMessage | null> {
  const [row] = await db
    .select({
      id: messages.id,
      invoiceId: messages.invoiceId,
      partnerId: messages.partnerId,
      companyId: messages.companyId,
      channel: messages.channel,
      recipient: messages.recipient,
      debtorId: invoices.debtorId,
      debtorEmail: debtors.email,
    })
    .from(messages)
    .innerJoin(invoices, eq(invoices.id, messages.invoiceId))
    .innerJoin(debtors, eq(debtors.id, invoices.debtorId))
    .where(eq(messages.id, messageId));
  if (!row || row.channel !== 'email') return null;
  const { channel: _channel, ...message } = row;
  return message;
}

/** Whether a (non-null) envelope sender may write about this message: the debtor, or whom it was sent to. */
export function mayReplyTo(message: RepliedMessage, sender: string): boolean {
  const from = sender.trim().toLowerCase();
  return from === message.recipient.trim().toLowerCase() || (message.debtorEmail !== null && from === message.debtorEmail.trim().toLowerCase());
}

/** An incoming email entry on the thread of the message's debtor, about the message's invoice. */
function fromDebtorAbout(message: RepliedMessage) {
  return { debtorId: message.debtorId, partnerId: message.partnerId, companyId: message.companyId, invoiceId: message.invoiceId, direction: 'in' as const, channel: 'email' as const, messageId: message.id };
}

export interface EmailReply {
  /** The envelope sender, else the From header's address. */
  from: string;
  subject: string | null;
  /** What the debtor wrote, quoted text stripped. */
  text: string;
  /** Their Message-ID (or a digest of the raw message when it has none): a redelivery records nothing new. */
  providerMessageId: string;
}

/**
 * A debtor's email reply, in one transaction: `message.received` on the invoice of the message it
 * answers (channel `email`) and an `in` entry on the debtor's thread. A redelivered reply (the
 * same Message-ID to the same message) records nothing new. Answers whether it was new.
 */
export async function recordEmailReply(db: Db, message: RepliedMessage, reply: EmailReply): Promise<boolean> {
  const key = `email-reply:${message.id}:${reply.providerMessageId}`;
  return db.transaction(async (tx) => {
    const entry = await recordConversationEntry(tx, { ...fromDebtorAbout(message), kind: 'reply', body: reply.text, subject: reply.subject, sender: reply.from, dedupeKey: key });
    if (!entry) return false;
    await appendEvents(tx, [
      {
        type: 'message.received',
        partnerId: message.partnerId,
        companyId: message.companyId,
        invoiceId: message.invoiceId,
        data: { invoice_id: message.invoiceId, channel: 'email', from: reply.from, subject: reply.subject, text: reply.text, message_id: message.id, provider_message_id: reply.providerMessageId },
        dedupeKey: `message.received:${key}`,
      },
    ]);
    return true;
  });
}

export interface EmailBounce {
  /** The address that failed; the message's recipient when the bounce does not name it. */
  recipient: string;
  status: string | null;
  diagnostic: string | null;
  hard: boolean;
  providerMessageId: string;
}

/**
 * A bounce of one of our emails, in one transaction: `message.bounced` on its invoice. A hard
 * bounce (5.x.x) also marks the message `bounced` (so it no longer counts as a notice that
 * reached the debtor), marks the address undeliverable on the debtor (later email steps are
 * skipped for their other channels, until the email changes), and joins the debtor's thread.
 * A soft one (4.x.x, delayed) is the event alone. A redelivered bounce records nothing new.
 */
export async function recordEmailBounce(db: Db, message: RepliedMessage, bounce: EmailBounce): Promise<boolean> {
  const key = `email-bounce:${message.id}:${bounce.providerMessageId}`;
  const recipient = bounce.recipient.trim().toLowerCase();
  return db.transaction(async (tx) => {
    if (bounce.hard) {
      const body = `Email to ${recipient} could not be delivered${bounce.status ? ` (${bounce.status})` : ''}${bounce.diagnostic ? `: ${bounce.diagnostic}` : ''}`;
      const entry = await recordConversationEntry(tx, { ...fromDebtorAbout(message), kind: 'bounce', body, dedupeKey: key });
      if (!entry) return false;
      await tx
        .update(messages)
        .set({ status: 'bounced', error: bounce.diagnostic ?? `bounced${bounce.status ? ` ${bounce.status}` : ''}` })
        .where(and(eq(messages.id, message.id), inArray(messages.status, ['sent', 'delivered', 'outbox'])));
      await tx.update(debtors).set({ emailUndeliverableAddress: recipient, emailUndeliverableAt: new Date(), updatedAt: new Date() }).where(eq(debtors.id, message.debtorId));
    }
    await appendEvents(tx, [
      {
        type: 'message.bounced',
        partnerId: message.partnerId,
        companyId: message.companyId,
        invoiceId: message.invoiceId,
        data: { invoice_id: message.invoiceId, message_id: message.id, channel: 'email', recipient, status: bounce.status, diagnostic: bounce.diagnostic, hard: bounce.hard },
        dedupeKey: `message.bounced:${key}`,
      },
    ]);
    return true;
  });
}
