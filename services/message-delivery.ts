import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { companies, debtors, dunningPolicies, invoices, messages } from '../db/schema';
import { appendEvents } from './events';

export type DeliveryOutcome = 'delivered' | 'failed';

export interface DeliveryReport {
  /** The provider's id of the message (Twilio's `MessageSid`). */
  providerMessageId: string;
  transport: string;
  outcome: DeliveryOutcome;
  /** Why it failed, in the provider's words (status and error code). */
  reason?: string;
  /** When it was delivered, if the provider says; else the moment the report arrived. */
  at?: Date;
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
      .set(report.outcome === 'failed' ? { status: 'failed', error: report.reason ?? 'failed' } : { status: 'delivered', deliveredAt: report.at ?? new Date() })
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

export interface SentMessage {
  id: string;
  /** `debtorId` when the caller has it: the event names the debtor without reading the invoice again. */
  invoice: { id: string; partnerId: string; companyId: string; debtorId?: string | null };
  channel: string;
  kind: string;
  transport: string;
  providerMessageId: string | null;
  sentAt: Date;
  /** Set when this send resumed an interrupted one: which attempt it was and how it was resolved. */
  resumed?: ResumedSend;
  /** One digest covering several invoices of the debtor: its id and the other invoices, for this invoice's timeline. */
  digest?: { id: string; coveredWith: string[] };
  /** More on the `message.sent` event: an agent's reply says who wrote it and why the guardrails let it go (`guardrail_note`). */
  extraData?: Record<string, unknown>;
}

export interface ResumedSend {
  attempt: number;
  /** `resent`: handed to the provider again; `found_in_provider_log`: the first attempt's send had gone out. */
  how: 'resent' | 'found_in_provider_log';
}

/**
 * Settles a message row claimed as `sending` once the provider took it: `outbox` for the dev
 * outbox, else `sent`, with its `message.sent` event in the same transaction.
 */
export async function recordMessageSent(db: Db, message: SentMessage): Promise<'sent' | 'outbox'> {
  const status = message.transport === 'dev-outbox' ? 'outbox' : 'sent';
  await db.transaction(async (tx) => {
    await tx
      .update(messages)
      .set({ status, providerMessageId: message.providerMessageId, sentAt: message.sentAt, ...(message.resumed?.how === 'resent' ? { resentAt: message.sentAt } : {}) })
      .where(eq(messages.id, message.id));
    await appendEvents(tx, [
      {
        type: 'message.sent',
        partnerId: message.invoice.partnerId,
        companyId: message.invoice.companyId,
        invoiceId: message.invoice.id,
        data: {
          message_id: message.id,
          invoice_id: message.invoice.id,
          channel: message.channel,
          kind: message.kind,
          transport: message.transport,
          ...(message.extraData ?? {}),
          ...(message.digest ? { digest_id: message.digest.id, covered_with: message.digest.coveredWith } : {}),
          ...(message.resumed ? { attempt: message.resumed.attempt, resent: message.resumed.how === 'resent', ...(message.resumed.how === 'found_in_provider_log' ? { found_in_provider_log: true } : {}) } : {}),
          ...(message.invoice.debtorId ? { debtor_id: message.invoice.debtorId } : {}),
        },
        dedupeKey: `message.sent:${message.id}`,
      },
    ]);
  });
  return status;
}

/**
 * What a message about an invoice is made from: the invoice, its debtor (contact details and
 * opt-outs are the debtor's), its company's name and the policy version it runs under (null: the
 * default policy). Undefined for an unknown invoice.
 */
export async function messageTarget(db: Pick<Db, 'select'>, invoiceId: string) {
  const [row] = await db
    .select({ invoice: invoices, debtor: debtors, companyName: companies.name, policy: dunningPolicies.policy })
    .from(invoices)
    .innerJoin(companies, eq(companies.id, invoices.companyId))
    .innerJoin(debtors, eq(debtors.id, invoices.debtorId))
    .leftJoin(dunningPolicies, and(eq(dunningPolicies.companyId, invoices.companyId), eq(dunningPolicies.version, invoices.policyVersion)))
    .where(eq(invoices.id, invoiceId));
  return row;
}

/** A message to claim under its send key: the invoice it is on and what it says. */
export interface MessageClaim {
  id: string;
  invoice: { id: string; partnerId: string; companyId: string };
  channel: 'email' | 'sms';
  kind: string;
  sendKey: string;
  recipient: string;
  email: { subject: string; html?: string } | null;
  bodyText: string;
  transport: string;
  /** Our SMS sender (a reply comes back to it); null for email. */
  sender: string | null;
}

/**
 * Writes the message as `sending` under its send key before the provider is called: true when this
 * attempt holds the claim, false when another attempt wrote it first.
 */
export async function claimMessageSend(db: Pick<Db, 'insert'>, m: MessageClaim): Promise<boolean> {
  const inserted = await db
    .insert(messages)
    .values({
      id: m.id,
      invoiceId: m.invoice.id,
      partnerId: m.invoice.partnerId,
      companyId: m.invoice.companyId,
      channel: m.channel,
      kind: m.kind,
      sendKey: m.sendKey,
      recipient: m.recipient,
      subject: m.email?.subject ?? null,
      bodyText: m.bodyText,
      bodyHtml: m.email?.html ?? null,
      status: 'sending',
      transport: m.transport,
      sender: m.sender,
    })
    .onConflictDoNothing()
    .returning({ id: messages.id });
  return inserted.length > 0;
}

/** Nothing went out: frees the send key for a retry, unless a later attempt has settled the row meanwhile. */
export async function releaseMessageClaim(db: Db, messageId: string): Promise<void> {
  await db.delete(messages).where(and(eq(messages.id, messageId), eq(messages.status, 'sending')));
}

export type MessageRow = typeof messages.$inferSelect;

/**
 * Takes over a `sending` claim whose attempt died: one older than an attempt may run
 * (`attemptSeconds`, the activity's start-to-close timeout). Answers the row with its attempt
 * count raised, or null when the claim is younger (its attempt may still be in the provider call)
 * or another attempt took it over or settled it first.
 */
export async function resumeAbandonedClaim(db: Db, messageId: string, attemptSeconds: number): Promise<MessageRow | null> {
  const [row] = await db
    .update(messages)
    .set({ attempts: sql`${messages.attempts} + 1`, claimedAt: sql`now()` })
    .where(and(eq(messages.id, messageId), eq(messages.status, 'sending'), lt(messages.claimedAt, sql`now() - make_interval(secs => ${attemptSeconds})`)))
    .returning();
  return row ?? null;
}

/**
 * A resumed send met a temporary error: the claim stays (the first attempt may have sent it, so
 * the row is kept), dated back so that the next retry resumes it at once instead of waiting.
 */
export async function abandonClaim(db: Db, messageId: string): Promise<void> {
  await db
    .update(messages)
    .set({ claimedAt: sql`${messages.createdAt} - interval '1 day'` })
    .where(and(eq(messages.id, messageId), eq(messages.status, 'sending')));
}
