import { and, asc, desc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { invoices, optOuts } from '../db/schema';
import { finalInvoiceStatuses } from '../domain/invoice-status';
import { smsReplyIntent, type SmsReplyIntent } from '../domain/sms-reply';
import { appendEvents } from './events';

export interface SmsReply {
  /** The debtor's number, E.164 as the provider gives it. */
  from: string;
  /** Our number the debtor wrote to. */
  to: string;
  text: string;
  providerMessageId: string;
}

export interface SmsReplyOutcome {
  intent: SmsReplyIntent;
  /** The invoices the reply was recorded on (empty when no open invoice has that number). */
  invoiceIds: string[];
}

/**
 * A debtor's SMS reply. STOP and its synonyms opt the number out of SMS for every invoice of
 * theirs that is still being collected, START and its synonyms opt it back in; both are recorded
 * on each of those invoices. Any other text goes on the timeline of the most recent one, for the
 * partner to read. A repeated delivery of the same reply (same provider id) records nothing new.
 */
export async function recordSmsReply(db: Db, reply: SmsReply): Promise<SmsReplyOutcome> {
  const intent = smsReplyIntent(reply.text);
  return db.transaction(async (tx) => {
    // Drafts count: an invoice transmitted after a STOP must not text the debtor either.
    const open = await tx
      .select({ id: invoices.id, partnerId: invoices.partnerId, companyId: invoices.companyId })
      .from(invoices)
      .where(and(sql`${invoices.debtor}->>'phone' = ${reply.from}`, notInArray(invoices.status, [...finalInvoiceStatuses])))
      .orderBy(asc(sql`${invoices.status} = 'draft'`), desc(invoices.createdAt), desc(invoices.id));
    const targets = intent === 'message' ? open.slice(0, 1) : open;
    if (targets.length === 0) return { intent, invoiceIds: [] };
    const ids = targets.map((i) => i.id);

    if (intent === 'opt_out') {
      await tx
        .insert(optOuts)
        .values(ids.map((invoiceId) => ({ invoiceId, channel: 'sms' as const })))
        .onConflictDoNothing();
    } else if (intent === 'opt_in') {
      await tx.delete(optOuts).where(and(inArray(optOuts.invoiceId, ids), eq(optOuts.channel, 'sms')));
    }

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
    return { intent, invoiceIds: ids };
  });
}
