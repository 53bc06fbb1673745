import { Context } from '@temporalio/activity';
import { and, eq } from 'drizzle-orm';
import { invoices, messages } from '../db/schema';
import { portalLinkDays } from '../domain/dunning-policy-rules';
import { automatedContactBlocked, isPersonSent } from '../domain/debtor-vulnerability';
import { amountDue } from '../domain/amounts';
import { appendEvents } from '../services/events';
import { abandonClaim, claimMessageSend, messageTarget, recordDeliveryReport, recordMessageSent, releaseMessageClaim, resumeAbandonedClaim, type MessageRow } from '../services/message-delivery';
import { messageIdForSendKey } from '../messaging/mailer';
import { twilioOutcomes } from '../messaging/sms';
import { resumeInterruptedSend } from './interrupted-send';
import { newId } from '../services/ids';
import { createPortalToken, portalLinkExpiry, portalUrl } from '../messaging/portal-link';
import { twilioWebhookPaths } from '../messaging/sms';
import { unsubscribeUrl } from '../messaging/unsubscribe-link';
import { formatMoney, renderEmail, renderSms, type MessageContext, type MessageKind, type RenderedEmail } from '../messaging/templates';
import type { ActivityDeps } from './deps';
import { letterMessages, type LetterSendResult } from './letter-messages';
import { replyAddressFor } from '../inbound/reply-address';

export interface SendMessageInput {
  invoiceId: string;
  /** What the message is for, e.g. `transmit` or a policy step's key; with the channel it makes the send key. */
  purpose: string;
  channel: 'email' | 'sms' | 'letter';
  kind: MessageKind;
  dunningLevel?: number;
  feeCents?: number;
  announcedFeeCents?: number;
  /** The last day (YYYY-MM-DD) to pay to avoid the announced fee. */
  feePayBy?: string;
  /** The announced fee is the statutory one to a consumer (its notice states the 14 days). */
  statutoryFee?: boolean;
  installment?: { amountCents: number; dueDate: string };
}

export type SendMessageResult =
  | { status: 'sent' | 'outbox'; messageId: string }
  | { status: 'skipped'; reason: 'no_email' | 'no_phone' | 'opted_out' | 'sms_not_configured' | 'vulnerable' | 'disputed' | 'email_undeliverable' }
  | { status: 'failed'; reason: string; messageId: string }
  | LetterSendResult;

/**
 * A provider error that retrying will not fix: the SMTP server refused this recipient or this
 * message (5xx to RCPT TO or DATA), or Twilio refused the request (4xx, e.g. an invalid or
 * unsubscribed number). A 5xx to AUTH or MAIL FROM, Twilio's 401 (credentials) and 429 (rate
 * limit) are ours to fix or wait out, so they are retried like 4xx replies and lost connections.
 */
export function isPermanent(err: unknown): boolean {
  const e = err as { responseCode?: number; command?: string; status?: number };
  const smtpRefused = e.responseCode !== undefined && e.responseCode >= 500 && (e.command === 'RCPT TO' || e.command === 'DATA');
  const twilioRefused = e.status !== undefined && e.status >= 400 && e.status < 500 && e.status !== 401 && e.status !== 429;
  return smtpRefused || twilioRefused;
}

/**
 * The headers of every email to a debtor (invoice messages, digests, contact-change
 * confirmations): one-click unsubscribe (RFC 8058: the https URL, and `List-Unsubscribe-Post` so
 * a mail client may POST to it without showing the page; `unsubscribeUrl` of
 * messaging/unsubscribe-link.ts makes the debtor's URL), the invoice it is about when it is about
 * one, and the signed reply address of the message (`replyTo`, replyAddressOf): a reply, and a
 * bounce (the mailer makes it the envelope sender too), reach the inbound SMTP server naming the
 * message they answer.
 */
export function emailHeaders(o: { unsubscribeUrl: string; invoiceId?: string; replyTo?: string }): Record<string, string> {
  return {
    'List-Unsubscribe': `<${o.unsubscribeUrl}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    ...(o.invoiceId ? { 'X-Recoup-Invoice': o.invoiceId } : {}),
    ...(o.replyTo ? { 'Reply-To': o.replyTo } : {}),
  };
}

/**
 * The signed reply address of a message row (inbound/reply-address.ts). Every process is given
 * `inboundEmail` by its configuration; only activities built by hand without it (some tests) send
 * without one.
 */
export function replyAddressOf(config: Pick<ActivityDeps, 'config'>['config'], messageId: string): string | undefined {
  return config.inboundEmail ? replyAddressFor(config.inboundEmail, messageId) : undefined;
}

/**
 * An address a hard bounce marked undeliverable (inbound/, services/email-replies.ts) counts as no
 * address until the debtor's email changes: the step goes by its other channels.
 */
export function emailUndeliverable(recipient: string, markedAddress: string | null | undefined): boolean {
  return Boolean(markedAddress) && recipient.trim().toLowerCase() === markedAddress;
}

type InvoiceRow = typeof invoices.$inferSelect;

/** What a message about one invoice says (its templates' context), for a single message or a digest's line. */
export function messageContextOf(invoice: InvoiceRow, companyName: string, portalLink: string, input: Pick<SendMessageInput, 'kind' | 'dunningLevel' | 'feeCents' | 'announcedFeeCents' | 'feePayBy' | 'statutoryFee' | 'installment'>): MessageContext {
  const debtor = invoice.debtor;
  const locale = debtor.locale ?? 'en';
  return {
    kind: input.kind,
    locale,
    companyName,
    debtorName: [debtor.first_name, debtor.last_name].filter(Boolean).join(' ') || debtor.organization_name || '',
    invoiceNumber: invoice.invoiceNumber,
    paymentReference: invoice.paymentReference,
    amountDue: formatMoney(amountDue(invoice), invoice.currency, locale),
    dueDate: invoice.dueDate,
    portalUrl: portalLink,
    dunningLevel: input.dunningLevel,
    fee: input.feeCents ? formatMoney(input.feeCents, invoice.currency, locale) : undefined,
    announcedFee: input.announcedFeeCents ? formatMoney(input.announcedFeeCents, invoice.currency, locale) : undefined,
    feePayBy: input.feePayBy,
    statutoryFee: input.statutoryFee,
    installmentAmount: input.installment ? formatMoney(input.installment.amountCents, invoice.currency, locale) : undefined,
    installmentDueDate: input.installment?.dueDate,
  };
}

/**
 * Hands a claimed message to its provider: the email (its Message-ID from `sendKey`) or else the
 * SMS. Answers the provider's message id; throws what the provider throws.
 */
export async function callProvider(
  { mailer, sms }: Pick<ActivityDeps, 'mailer' | 'sms'>,
  m: { to: string; email: RenderedEmail | null; bodyText: string; sendKey: string; headers: Record<string, string>; statusCallback: string; portalUrl: string },
): Promise<string | null> {
  if (m.email) {
    const result = await mailer.send({ to: m.to, subject: m.email.subject, text: m.email.text, html: m.email.html, messageId: messageIdForSendKey(m.sendKey), headers: m.headers, portalUrl: m.portalUrl });
    return result.providerMessageId;
  }
  const result = await sms.send({ to: m.to, body: m.bodyText, statusCallback: m.statusCallback, portalUrl: m.portalUrl });
  return result.providerMessageId;
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
      // Email or SMS from here on: the channels with opt-outs and a provider call.
      const channel = input.channel;
      if (existing && existing.status !== 'sending') {
        if (existing.status === 'failed') return { status: 'failed', reason: existing.error ?? 'failed', messageId: existing.id };
        return { status: existing.status === 'outbox' ? 'outbox' : 'sent', messageId: existing.id };
      }
      if (existing) {
        // Still `sending`. Younger than an attempt may run, another attempt may be in its provider
        // call right now (a retry overlapping a slow attempt): wait for it. Older, its attempt died
        // (a killed worker): this attempt takes the claim over and resolves the send.
        const resumed = await resumeAbandonedClaim(db, existing.id, Context.current().info.startToCloseTimeoutMs / 1000);
        if (!resumed) throw new Error(`message ${sendKey} is being sent by another attempt`);
        const target = await loadTarget();
        return resume(resumed, target.unsubscribeUrl);
      }

      const target = await loadTarget();
      const { invoice, portalUrl: portalLink } = target;
      const debtor = invoice.debtor;
      const recipient = input.channel === 'email' ? debtor.email : debtor.phone;
      if (!recipient) return { status: 'skipped', reason: input.channel === 'email' ? 'no_email' : 'no_phone' };
      if (target.debtorOptOuts.includes(channel)) return { status: 'skipped', reason: 'opted_out' };
      // Stopped while the debtor is flagged vulnerable (only a person writes to them) or the invoice is disputed.
      if (automatedContactBlocked(target.debtor.vulnerability, input.kind)) return { status: 'skipped', reason: 'vulnerable' };
      if (invoice.status === 'disputed' && !isPersonSent(input.kind)) return { status: 'skipped', reason: 'disputed' };
      if (channel === 'email' && emailUndeliverable(recipient, target.debtor.emailUndeliverableAddress)) return { status: 'skipped', reason: 'email_undeliverable' };
      // Production without Twilio: the step goes on without SMS, and its event says why.
      if (input.channel === 'sms' && sms.transport === 'not-configured') return { status: 'skipped', reason: 'sms_not_configured' };

      const context = messageContextOf(invoice, target.companyName, portalLink, input);
      const email = input.channel === 'email' ? renderEmail(context) : null;
      const bodyText = email ? email.text : renderSms(context);
      const id = newId('msg');
      const transport = input.channel === 'email' ? mailer.transport : sms.transport;
      const claimed = await claimMessageSend(db, {
        id,
        invoice,
        channel,
        kind: input.kind,
        sendKey,
        recipient,
        email,
        bodyText,
        transport,
        sender: input.channel === 'sms' ? sms.sender : null,
      });
      if (!claimed) throw new Error(`message ${sendKey} is being sent by another attempt`);

      let providerMessageId: string | null;
      try {
        // From the send key, not the row: a retry or a resumed send keeps the same Message-ID.
        providerMessageId = await callProvider({ mailer, sms }, { to: recipient, email, bodyText, sendKey, headers: emailHeaders({ unsubscribeUrl: target.unsubscribeUrl, invoiceId: invoice.id, replyTo: replyAddressOf(config, id) }), statusCallback: statusCallbackUrl(), portalUrl: portalLink });
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

      /** The invoice, its company's name, its debtor's opt-outs and a fresh portal link, in one round trip (one per message of a bulk run). */
      async function loadTarget() {
        // Opt-outs are the debtor's: a STOP or an unsubscribe holds for every invoice of theirs.
        const row = await messageTarget(db, input.invoiceId);
        if (!row) throw new Error(`invoice ${input.invoiceId} not found`);
        // A fresh link with every message, valid for the policy's period from this message.
        const token = createPortalToken(config.portalSecret, row.invoice.id, portalLinkExpiry(clock(), portalLinkDays(row.policy)));
        return { ...row, debtorOptOuts: row.debtor.optOuts, portalUrl: portalUrl(config.publicBaseUrl, token), unsubscribeUrl: unsubscribeUrl(config.publicBaseUrl, config.portalSecret, row.invoice.debtorId) };
      }

      /**
       * The claim of a dead attempt, now this attempt's: resolved, never dropped (a lost notice is
       * worse than a copy the mailbox recognises). The opt-outs and contact details of now do not
       * apply: the message was written, and perhaps sent, before them.
       */
      async function resume(row: MessageRow, unsubscribeLink: string): Promise<SendMessageResult> {
        let call: Awaited<ReturnType<typeof resumeInterruptedSend>>;
        try {
          call = await resumeInterruptedSend({ mailer, sms }, row, { emailHeaders: emailHeaders({ unsubscribeUrl: unsubscribeLink, invoiceId: row.invoiceId, replyTo: replyAddressOf(config, row.id) }), statusCallback: statusCallbackUrl() });
        } catch (err) {
          if (isPermanent(err)) return markFailed(row.id, (err as Error).message);
          // Temporary: the claim stays (the first attempt may have sent it), free for the next retry to resume.
          await abandonClaim(db, row.id);
          throw err;
        }
        const invoice = { id: row.invoiceId, partnerId: row.partnerId, companyId: row.companyId };
        const status = await recordMessageSent(db, {
          id: row.id,
          invoice,
          channel: row.channel,
          kind: row.kind,
          transport: row.transport,
          providerMessageId: call.providerMessageId,
          sentAt: clock(),
          resumed: call.resumed,
        });
        // Found in Twilio's log already final: its status report came while we did not know the SID yet.
        const outcome = call.providerStatus ? twilioOutcomes[call.providerStatus] : undefined;
        if (outcome && call.providerMessageId) {
          await recordDeliveryReport(db, { providerMessageId: call.providerMessageId, transport: row.transport, outcome, reason: outcome === 'failed' ? `twilio ${call.providerStatus}` : undefined });
        }
        if (call.resumed.how === 'resent') metrics?.messageSent(row.channel);
        logger.warn({ invoice_id: row.invoiceId, message_id: row.id, channel: row.channel, attempt: call.resumed.attempt, resolved: call.resumed.how }, 'interrupted send resumed');
        return { status, messageId: row.id };
      }

      function statusCallbackUrl(): string {
        return `${config.publicBaseUrl}${twilioWebhookPaths.status}`;
      }

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
