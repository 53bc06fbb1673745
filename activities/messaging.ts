import { Context } from '@temporalio/activity';
import { and, eq, lt, sql } from 'drizzle-orm';
import { companies, dunningPolicies, invoices, messages, optOuts } from '../db/schema';
import { portalLinkDays } from '../domain/dunning-policy';
import { amountDue } from '../domain/amounts';
import { appendEvents } from '../services/events';
import { recordMessageSent, releaseMessageClaim } from '../services/message-delivery';
import { newId } from '../services/ids';
import { createPortalToken, portalLinkExpiry, portalUrl } from '../messaging/portal-link';
import { twilioWebhookPaths } from '../messaging/sms';
import { formatMoney, renderEmail, renderSms, type MessageKind } from '../messaging/templates';
import type { ActivityDeps } from './deps';
import { letterMessages, type LetterSendResult } from './letter-messages';

export interface SendMessageInput {
  invoiceId: string;
  /** What the message is for, e.g. `transmit` or a policy step's key; with the channel it makes the send key. */
  purpose: string;
  channel: 'email' | 'sms' | 'letter';
  kind: MessageKind;
  dunningLevel?: number;
  feeCents?: number;
  announcedFeeCents?: number;
  installment?: { amountCents: number; dueDate: string };
}

export type SendMessageResult =
  | { status: 'sent' | 'outbox'; messageId: string }
  | { status: 'skipped'; reason: 'no_email' | 'no_phone' | 'opted_out' | 'sms_not_configured' }
  | { status: 'failed'; reason: string; messageId: string }
  | LetterSendResult;

/**
 * A provider error that retrying will not fix: the SMTP server refused this recipient or this
 * message (5xx to RCPT TO or DATA), or Twilio refused the request (4xx, e.g. an invalid or
 * unsubscribed number). A 5xx to AUTH or MAIL FROM, Twilio's 401 (credentials) and 429 (rate
 * limit) are ours to fix or wait out, so they are retried like 4xx replies and lost connections.
 */
function isPermanent(err: unknown): boolean {
  const e = err as { responseCode?: number; command?: string; status?: number };
  const smtpRefused = e.responseCode !== undefined && e.responseCode >= 500 && (e.command === 'RCPT TO' || e.command === 'DATA');
  const twilioRefused = e.status !== undefined && e.status >= 400 && e.status < 500 && e.status !== 401 && e.status !== 429;
  return smtpRefused || twilioRefused;
}

export function messagingActivities(deps: ActivityDeps) {
  const { db, mailer, sms, config, logger, metrics, clock = () => new Date() } = deps;
  const letter = letterMessages(deps);
  return {
    /**
     * Sends one message for (invoice, purpose, channel) at most once: the send key is a unique
     * row written before the provider call, so a retry, a redelivered task or a worker killed
     * after the provider answered never sends it again.
     */
    async sendInvoiceMessage(input: SendMessageInput): Promise<SendMessageResult> {
      const sendKey = `${input.invoiceId}:${input.purpose}:${input.channel}`;
      const [existing] = await db.select().from(messages).where(eq(messages.sendKey, sendKey));
      if (existing?.channel === 'letter') return letter.resume(existing);
      if (input.channel === 'letter') return letter.send(input, sendKey);
      if (existing) {
        if (existing.status === 'failed') return { status: 'failed', reason: existing.error ?? 'failed', messageId: existing.id };
        if (existing.status !== 'sending') return { status: existing.status === 'outbox' ? 'outbox' : 'sent', messageId: existing.id };
        // Still `sending`: another attempt may be in its provider call right now (a retry overlapping a
        // slow attempt), so wait for it. Older than an attempt may run, its attempt died (a killed
        // worker): whether it went out is unknown, so we do not risk a duplicate.
        const attemptSeconds = Context.current().info.startToCloseTimeoutMs / 1000;
        const [abandoned] = await db
          .select({ id: messages.id })
          .from(messages)
          .where(and(eq(messages.id, existing.id), lt(messages.createdAt, sql`now() - make_interval(secs => ${attemptSeconds})`)));
        if (!abandoned) throw new Error(`message ${sendKey} is being sent by another attempt`);
        return markFailed(existing.id, 'interrupted during sending; not repeated to avoid a duplicate');
      }

      // The invoice, its company's name, the channel's opt-out and the invoice's policy version in one
      // round trip (one per message of a bulk run).
      const [row] = await db
        .select({ invoice: invoices, companyName: companies.name, optedOut: optOuts.invoiceId, policy: dunningPolicies.policy })
        .from(invoices)
        .innerJoin(companies, eq(companies.id, invoices.companyId))
        .leftJoin(optOuts, and(eq(optOuts.invoiceId, invoices.id), eq(optOuts.channel, input.channel)))
        .leftJoin(dunningPolicies, and(eq(dunningPolicies.companyId, invoices.companyId), eq(dunningPolicies.version, invoices.policyVersion)))
        .where(eq(invoices.id, input.invoiceId));
      if (!row) throw new Error(`invoice ${input.invoiceId} not found`);
      const { invoice } = row;
      const debtor = invoice.debtor;
      const recipient = input.channel === 'email' ? debtor.email : debtor.phone;
      if (!recipient) return { status: 'skipped', reason: input.channel === 'email' ? 'no_email' : 'no_phone' };
      if (row.optedOut) return { status: 'skipped', reason: 'opted_out' };
      // Production without Twilio: the step goes on without SMS, and its event says why.
      if (input.channel === 'sms' && sms.transport === 'not-configured') return { status: 'skipped', reason: 'sms_not_configured' };

      const now = clock();
      // A fresh link with every message, valid for the policy's period from this message.
      const token = createPortalToken(config.portalSecret, invoice.id, portalLinkExpiry(now, portalLinkDays(row.policy)));
      const locale = debtor.locale ?? 'en';
      const context = {
        kind: input.kind,
        locale,
        companyName: row.companyName,
        debtorName: [debtor.first_name, debtor.last_name].filter(Boolean).join(' ') || debtor.organization_name || '',
        invoiceNumber: invoice.invoiceNumber,
        paymentReference: invoice.paymentReference,
        amountDue: formatMoney(amountDue(invoice), invoice.currency, locale),
        dueDate: invoice.dueDate,
        portalUrl: portalUrl(config.publicBaseUrl, token),
        dunningLevel: input.dunningLevel,
        fee: input.feeCents ? formatMoney(input.feeCents, invoice.currency, locale) : undefined,
        announcedFee: input.announcedFeeCents ? formatMoney(input.announcedFeeCents, invoice.currency, locale) : undefined,
        installmentAmount: input.installment ? formatMoney(input.installment.amountCents, invoice.currency, locale) : undefined,
        installmentDueDate: input.installment?.dueDate,
      };
      const email = input.channel === 'email' ? renderEmail(context) : null;
      const bodyText = email ? email.text : renderSms(context);
      const id = newId('msg');
      const transport = input.channel === 'email' ? mailer.transport : sms.transport;
      const inserted = await db
        .insert(messages)
        .values({
          id,
          invoiceId: invoice.id,
          partnerId: invoice.partnerId,
          companyId: invoice.companyId,
          channel: input.channel,
          kind: input.kind,
          sendKey,
          recipient,
          subject: email?.subject ?? null,
          bodyText,
          bodyHtml: email?.html ?? null,
          status: 'sending',
          transport,
          sender: input.channel === 'sms' ? sms.sender : null,
        })
        .onConflictDoNothing()
        .returning({ id: messages.id });
      if (inserted.length === 0) throw new Error(`message ${sendKey} is being sent by another attempt`);

      let providerMessageId: string | null;
      try {
        if (email) {
          const result = await mailer.send({
            to: recipient,
            subject: email.subject,
            text: email.text,
            html: email.html,
            // From the send key, not the row: a retry after a temporary failure keeps the same Message-ID.
            messageId: `<${sendKey.replace(/[^A-Za-z0-9_-]/g, '.')}@recoup>`,
            headers: {
              'List-Unsubscribe': `<${context.portalUrl}?unsubscribe=email>`,
              'X-Recoup-Invoice': invoice.id,
            },
            portalUrl: context.portalUrl,
          });
          providerMessageId = result.providerMessageId;
        } else {
          const result = await sms.send({ to: recipient, body: bodyText, statusCallback: `${config.publicBaseUrl}${twilioWebhookPaths.status}`, portalUrl: context.portalUrl });
          providerMessageId = result.providerMessageId;
        }
      } catch (err) {
        if (isPermanent(err)) return markFailed(id, (err as Error).message);
        // Temporary: nothing went out, so release the key and let the activity retry.
        await releaseMessageClaim(db, id);
        throw err;
      }

      const status = await recordMessageSent(db, { id, invoice, channel: input.channel, kind: input.kind, transport, providerMessageId, sentAt: clock() });
      metrics?.messageSent(input.channel);
      logger.info({ invoice_id: invoice.id, message_id: id, channel: input.channel, kind: input.kind, transport }, 'message sent');
      return { status, messageId: id };

      async function markFailed(messageId: string, reason: string): Promise<SendMessageResult> {
        await db.transaction(async (tx) => {
          const [m] = await tx
            .update(messages)
            .set({ status: 'failed', error: reason })
            .where(and(eq(messages.id, messageId), eq(messages.status, 'sending')))
            .returning();
          // Settled meanwhile by the attempt that was sending it: the retry reads how it ended.
          if (!m) throw new Error(`message ${messageId} was settled by another attempt`);
          await appendEvents(tx, [
            {
              type: 'message.failed',
              partnerId: m.partnerId,
              companyId: m.companyId,
              invoiceId: m.invoiceId,
              data: { message_id: m.id, invoice_id: m.invoiceId, channel: m.channel, kind: m.kind, reason },
              dedupeKey: `message.failed:${m.id}`,
            },
          ]);
        });
        return { status: 'failed', reason, messageId };
      }
    },
  };
}
