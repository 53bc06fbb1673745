import { and, asc, desc, eq, ne, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { companies, invoices, partners, smsReplies } from '../db/schema';
import { finalInvoiceStatuses } from '../domain/invoice-status';
import { smsReplyIntent } from '../domain/sms-reply';
import { DomainError } from '../domain/errors';
import { recordReceived } from './debtor-replies';

export type SmsReplyRow = typeof smsReplies.$inferSelect;

/** Why ops' decision on a waiting SMS reply is refused; the console shows `message`. */
export class SmsReplyDecisionRefused extends DomainError {
  constructor(kind: 'not_found' | 'conflict' | 'unprocessable', code: 'not_found' | 'sms_reply_decided' | 'invoice_not_candidate', message: string) {
    super(kind, code, message);
    this.name = 'SmsReplyDecisionRefused';
  }
}

export interface SmsReplyCandidate {
  invoiceId: string;
  invoiceNumber: string;
  status: string;
  companyName: string;
  partnerName: string;
}

/** The replies waiting for ops, oldest first (the order they came in), and the latest decisions. */
export async function listSmsReplyQueue(db: Db): Promise<{ waiting: SmsReplyRow[]; decided: SmsReplyRow[] }> {
  const waiting = await db.select().from(smsReplies).where(eq(smsReplies.status, 'waiting')).orderBy(asc(smsReplies.id)).limit(200);
  const decided = await db.select().from(smsReplies).where(ne(smsReplies.status, 'waiting')).orderBy(desc(smsReplies.decidedAt), desc(smsReplies.id)).limit(50);
  return { waiting, decided };
}

/** The invoices a reply may be assigned to: the open ones whose debtor has the number it came from. */
export async function smsReplyCandidates(db: Pick<Db, 'select'>, fromNumber: string): Promise<SmsReplyCandidate[]> {
  return db
    .select({ invoiceId: invoices.id, invoiceNumber: invoices.invoiceNumber, status: invoices.status, companyName: companies.name, partnerName: partners.name })
    .from(invoices)
    .innerJoin(companies, eq(companies.id, invoices.companyId))
    .innerJoin(partners, eq(partners.id, invoices.partnerId))
    .where(and(sql`${invoices.debtor}->>'phone' = ${fromNumber}`, notInArray(invoices.status, [...finalInvoiceStatuses])))
    .orderBy(desc(invoices.createdAt), desc(invoices.id))
    .limit(50);
}

/**
 * Ops put a waiting reply on one invoice's timeline (`message.received`, as an automatic match
 * would). Only an open invoice of the debtor who wrote (same number) can take it: ops route a
 * reply, they do not hand a debtor's words to an unrelated creditor. Audited with who and why.
 */
export async function assignSmsReply(db: Db, id: string, decision: { invoiceId: string; by: string; reason: string }): Promise<SmsReplyRow> {
  return db.transaction(async (tx) => {
    const reply = await waitingReply(tx, id);
    const candidates = await smsReplyCandidates(tx, reply.fromNumber);
    if (!candidates.some((c) => c.invoiceId === decision.invoiceId)) {
      throw new SmsReplyDecisionRefused('unprocessable', 'invoice_not_candidate', `Invoice ${decision.invoiceId} is not an open invoice of the debtor with number ${reply.fromNumber}`);
    }
    const [invoice] = await tx.select({ id: invoices.id, partnerId: invoices.partnerId, companyId: invoices.companyId }).from(invoices).where(eq(invoices.id, decision.invoiceId));
    await recordReceived(
      tx,
      { from: reply.fromNumber, to: reply.toNumber, text: reply.text, providerMessageId: reply.providerMessageId },
      [invoice!],
      smsReplyIntent(reply.text),
    );
    const [row] = await tx
      .update(smsReplies)
      .set({ status: 'assigned', invoiceId: invoice!.id, decidedBy: decision.by, decidedAt: new Date(), decisionReason: decision.reason })
      .where(eq(smsReplies.id, id))
      .returning();
    return row!;
  });
}

/** Ops decide a waiting reply belongs on no invoice (spam, a wrong number); audited with who and why. */
export async function dismissSmsReply(db: Db, id: string, decision: { by: string; reason: string }): Promise<SmsReplyRow> {
  return db.transaction(async (tx) => {
    await waitingReply(tx, id);
    const [row] = await tx
      .update(smsReplies)
      .set({ status: 'dismissed', decidedBy: decision.by, decidedAt: new Date(), decisionReason: decision.reason })
      .where(eq(smsReplies.id, id))
      .returning();
    return row!;
  });
}

/** The reply, locked: two ops deciding at once cannot both win. */
async function waitingReply(tx: Parameters<Parameters<Db['transaction']>[0]>[0], id: string): Promise<SmsReplyRow> {
  const [reply] = await tx.select().from(smsReplies).where(eq(smsReplies.id, id)).for('update');
  if (!reply) throw new SmsReplyDecisionRefused('not_found', 'not_found', `SMS reply ${id} not found`);
  if (reply.status !== 'waiting') throw new SmsReplyDecisionRefused('conflict', 'sms_reply_decided', `SMS reply ${id} was ${reply.status} already (by ${reply.decidedBy ?? 'someone'})`);
  return reply;
}
