import { and, asc, desc, eq, inArray, isNull, notInArray, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { debtors, invoices, messages, smsReplies } from '../db/schema';
import { finalInvoiceStatuses } from '../domain/invoice-status';
import { smsReplyIntent, type SmsReplyIntent } from '../domain/sms-reply';
import { optIn, optOut } from './debtor-opt-outs';
import { appendEvents } from './events';
import { recordConversationEntry } from './conversations';
import { newId } from './ids';

export interface SmsReply {
  /** The debtor's number, E.164 as the provider gives it. */
  from: string;
  /** Our number the debtor wrote to. */
  to: string;
  /** The messaging service that number belongs to, when Twilio says so. */
  messagingServiceSid?: string;
  text: string;
  providerMessageId: string;
}

export interface SmsRoutingOptions {
  /**
   * The sender(s) SMS go from now (`TWILIO_FROM`, `TWILIO_MESSAGING_SERVICE_SID`). Messages sent
   * before the sender was recorded on each message went from these, as far as anyone can know.
   */
  currentSenders: readonly string[];
}

export interface SmsReplyOutcome {
  intent: SmsReplyIntent;
  /** The invoices the reply was recorded on (empty when it matched none, or waits for ops). */
  invoiceIds: string[];
  /** The queue entry when the reply waits for ops to route it. */
  queuedAs?: string;
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
const open = notInArray(invoices.status, [...finalInvoiceStatuses]);
const debtorPhone = (phone: string) => sql`${invoices.debtor}->>'phone' = ${phone}`;

/**
 * A debtor's SMS reply, routed by two facts: the debtor's number (`From`) and our number it was
 * sent to (`To`, or the messaging service it belongs to). The invoices it can answer are the open
 * ones that were texted to that number from that sender; their companies decide:
 *
 * - one company: as always. Any text goes on the timeline of that company's most recent such
 *   invoice; STOP and its synonyms opt the debtors of every open invoice of that company with that
 *   number (drafts too) out of SMS, for all their invoices (services/debtor-opt-outs.ts), START
 *   opts them back in; both are recorded on each such invoice as `message.received`.
 * - several companies (two partners, or two clubs of one partner, texting the same person from the
 *   same number): a text joins no timeline — it would tell one creditor what the debtor wrote to
 *   another — and waits for ops in the SMS reply queue. STOP and START still apply at once, to the
 *   debtors of every open invoice of all those companies with that number: opting out is the debtor's right, and
 *   the carrier blocks that sender for that number anyway.
 * - none, while the number has open invoices (a reply to a number that never texted them): a
 *   text waits for ops likewise; STOP and START apply to the debtors of every open invoice with that number, since
 *   a STOP must never be lost and is no one's secret.
 *
 * A repeated delivery of the same reply (same provider id) records nothing new.
 */
export async function recordSmsReply(db: Db, reply: SmsReply, options: SmsRoutingOptions): Promise<SmsReplyOutcome> {
  const intent = smsReplyIntent(reply.text);
  return db.transaction(async (tx) => {
    const texted = await textedInvoices(tx, reply, options);
    const companyIds = [...new Set(texted.map((i) => i.companyId))];

    if (intent === 'message') {
      if (companyIds.length === 1) {
        const [target] = texted;
        await recordReceived(tx, reply, [target!], intent);
        return { intent, invoiceIds: [target!.id] };
      }
      const [anyOpen] = await tx.select({ id: invoices.id }).from(invoices).where(and(debtorPhone(reply.from), open)).limit(1);
      if (!anyOpen) return { intent, invoiceIds: [] };
      const queuedAs = await queueForOps(tx, reply, companyIds.length > 1 ? 'several_companies' : 'no_sender_match');
      return { intent, invoiceIds: [], queuedAs };
    }

    // Drafts count: their debtors are opted out too, so an invoice transmitted after a STOP does not text either.
    const targets = await tx
      .select({ id: invoices.id, partnerId: invoices.partnerId, companyId: invoices.companyId, debtorId: invoices.debtorId })
      .from(invoices)
      .where(and(debtorPhone(reply.from), open, companyIds.length > 0 ? inArray(invoices.companyId, companyIds) : undefined))
      .orderBy(asc(invoices.id));
    if (targets.length === 0) return { intent, invoiceIds: [] };
    const ids = targets.map((i) => i.id);
    // The opt-out is the debtor's: every invoice of theirs at once, also those with another number
    // on file, and the debtor with this number whose next invoice is not made yet.
    const withNumber = await tx
      .select({ id: debtors.id })
      .from(debtors)
      .where(and(eq(debtors.phone, reply.from), inArray(debtors.companyId, [...new Set(targets.map((i) => i.companyId))])));
    const debtorIds = [...new Set([...targets.map((i) => i.debtorId), ...withNumber.map((d) => d.id)])].sort();
    for (const debtorId of debtorIds) {
      if (intent === 'opt_out') await optOut(tx, debtorId, 'sms', 'sms_reply');
      else await optIn(tx, debtorId, 'sms', 'sms_reply');
    }
    await recordReceived(tx, reply, targets, intent);
    return { intent, invoiceIds: ids };
  });
}

/**
 * Open invoices texted to the reply's number from the sender it was sent to, most recent first
 * (transmitted before drafts). A failed send never reached the debtor, so it does not count.
 */
async function textedInvoices(tx: Tx, reply: SmsReply, options: SmsRoutingOptions) {
  const senders = [reply.to, reply.messagingServiceSid].filter((s): s is string => Boolean(s));
  if (senders.length === 0) return [];
  const fromCurrentSender = senders.some((s) => options.currentSenders.includes(s));
  return tx
    .selectDistinctOn([invoices.createdAt, invoices.id], { id: invoices.id, partnerId: invoices.partnerId, companyId: invoices.companyId, createdAt: invoices.createdAt })
    .from(messages)
    .innerJoin(invoices, eq(invoices.id, messages.invoiceId))
    .where(
      and(
        eq(messages.channel, 'sms'),
        eq(messages.recipient, reply.from),
        inArray(messages.status, ['sending', 'sent', 'delivered']),
        or(inArray(messages.sender, senders), fromCurrentSender ? isNull(messages.sender) : undefined),
        open,
      ),
    )
    .orderBy(desc(invoices.createdAt), desc(invoices.id));
}

async function queueForOps(tx: Tx, reply: SmsReply, reason: 'several_companies' | 'no_sender_match'): Promise<string> {
  const [row] = await tx
    .insert(smsReplies)
    .values({
      id: newId('smr'),
      providerMessageId: reply.providerMessageId,
      fromNumber: reply.from,
      toNumber: reply.to,
      messagingServiceSid: reply.messagingServiceSid ?? null,
      text: reply.text,
      reason,
    })
    .onConflictDoUpdate({ target: smsReplies.providerMessageId, set: { providerMessageId: sql`excluded.provider_message_id` } })
    .returning({ id: smsReplies.id });
  return row!.id;
}

/**
 * `message.received` on each invoice, and the reply on the thread of each debtor of those invoices
 * (STOP and START too: the agent sees why the channel went quiet); the dedupe keys make a
 * redelivered webhook write them once.
 */
export async function recordReceived(
  tx: Pick<Db, 'insert' | 'select' | 'update'>,
  reply: SmsReply,
  targets: Array<{ id: string; partnerId: string; companyId: string }>,
  intent: SmsReplyIntent,
): Promise<void> {
  await appendEvents(
    tx,
    targets.map((invoice) => ({
      type: 'message.received' as const,
      partnerId: invoice.partnerId,
      companyId: invoice.companyId,
      invoiceId: invoice.id,
      data: {
        invoice_id: invoice.id,
        channel: 'sms',
        from: reply.from,
        to: reply.to,
        text: reply.text,
        provider_message_id: reply.providerMessageId,
        opt_out: intent === 'opt_out',
        ...(intent === 'opt_in' ? { opt_in: true } : {}),
      },
      dedupeKey: `message.received:${reply.providerMessageId}:${invoice.id}`,
    })),
  );
  if (!targets.length) return;
  const withDebtor = await tx
    .select({ id: invoices.id, debtorId: invoices.debtorId, partnerId: invoices.partnerId, companyId: invoices.companyId })
    .from(invoices)
    .where(inArray(invoices.id, targets.map((t) => t.id)));
  // One entry per debtor, on the first of their invoices the reply was recorded on.
  const firstOfDebtor = new Map<string, (typeof withDebtor)[number]>();
  for (const t of targets) {
    const row = withDebtor.find((w) => w.id === t.id);
    if (row && !firstOfDebtor.has(row.debtorId)) firstOfDebtor.set(row.debtorId, row);
  }
  for (const [debtorId, invoice] of firstOfDebtor) {
    await recordConversationEntry(tx, {
      debtorId,
      partnerId: invoice.partnerId,
      companyId: invoice.companyId,
      invoiceId: invoice.id,
      direction: 'in',
      channel: 'sms',
      kind: intent === 'message' ? 'reply' : intent,
      body: reply.text,
      sender: reply.from,
      dedupeKey: `sms:${reply.providerMessageId}:${debtorId}`,
    });
  }
}
