import { and, eq } from 'drizzle-orm';
import { messages } from '../db/schema';
import { portalLinkDays } from '../domain/dunning-policy-rules';
import { escapeHtml } from '../messaging/templates';
import { createPortalToken, portalLinkExpiry, portalUrl } from '../messaging/portal-link';
import { twilioWebhookPaths } from '../messaging/sms';
import { unsubscribeUrl } from '../messaging/unsubscribe-link';
import type { AgentReplySend } from '../workflows/agent-reply.messages';
import { recordConversationEntry } from '../services/conversations';
import { newId } from '../services/ids';
import { claimMessageSend, messageTarget, recordMessageSent, releaseMessageClaim } from '../services/message-delivery';
import type { ActivityDeps } from './deps';
import { callProvider, emailHeaders, isPermanent } from './messaging';

export type AgentReplyResult =
  | { status: 'sent' | 'outbox'; messageId: string }
  | { status: 'skipped'; reason: 'no_email' | 'no_phone' | 'opted_out' | 'sms_not_configured' }
  | { status: 'failed'; reason: string; messageId: string };

/**
 * An agent's reply to a debtor, sent like any message (a `messages` row claimed under its send key
 * before the provider call, so a retried attempt never sends it twice; the same mailer and SMS
 * sender; the opt-outs of now checked again) and recorded on the thread as the agent's answer.
 */
export function agentReplyActivities(deps: ActivityDeps) {
  const { db, mailer, sms, config, logger, metrics, clock = () => new Date() } = deps;
  return {
    async sendAgentReply(input: AgentReplySend): Promise<AgentReplyResult> {
      const sendKey = `${input.invoiceId}:agent-reply-${input.replyId}:${input.channel}`;
      const row = await messageTarget(db, input.invoiceId);
      if (!row) throw new Error(`invoice ${input.invoiceId} not found`);
      const { invoice, debtor } = row;
      const subject = input.channel === 'email' ? (input.subject ?? `Re: invoice ${invoice.invoiceNumber} (${row.companyName})`) : null;
      const [existing] = await db.select().from(messages).where(eq(messages.sendKey, sendKey));
      if (existing && existing.status !== 'sending') {
        if (existing.status === 'failed') return { status: 'failed', reason: existing.error ?? 'failed', messageId: existing.id };
        await recordAnswer(existing.id);
        return { status: existing.status === 'outbox' ? 'outbox' : 'sent', messageId: existing.id };
      }
      // A claim left by an attempt that died in the provider call: not resent blindly (the agent sees it as sending).
      if (existing) throw new Error(`agent reply ${sendKey} is being sent by another attempt`);

      const recipient = input.channel === 'email' ? debtor.email : debtor.phone;
      if (!recipient) return { status: 'skipped', reason: input.channel === 'email' ? 'no_email' : 'no_phone' };
      // The debtor may have opted out since the agent pressed send: the opt-out wins.
      if (debtor.optOuts.includes(input.channel)) return { status: 'skipped', reason: 'opted_out' };
      if (input.channel === 'sms' && sms.transport === 'not-configured') return { status: 'skipped', reason: 'sms_not_configured' };

      const link = portalUrl(config.publicBaseUrl, createPortalToken(config.portalSecret, invoice.id, portalLinkExpiry(clock(), portalLinkDays(row.policy))));
      const email =
        input.channel === 'email'
          ? { subject: subject!, text: `${input.body}\n\n${link}\n`, html: `<p>${escapeHtml(input.body).replace(/\n/g, '<br>')}</p><p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>` }
          : null;
      const id = newId('msg');
      const transport = input.channel === 'email' ? mailer.transport : sms.transport;
      const bodyText = email ? email.text : input.body;
      // The sender: the number the debtor's next SMS comes back to, which routes it to this thread.
      const claimed = await claimMessageSend(db, { id, invoice, channel: input.channel, kind: 'agent_reply', sendKey, recipient, email, bodyText, transport, sender: input.channel === 'sms' ? sms.sender : null });
      if (!claimed) throw new Error(`agent reply ${sendKey} is being sent by another attempt`);

      let providerMessageId: string | null;
      try {
        providerMessageId = await callProvider(
          { mailer, sms },
          {
            to: recipient,
            email,
            bodyText,
            sendKey,
            headers: emailHeaders({ unsubscribeUrl: unsubscribeUrl(config.publicBaseUrl, config.portalSecret, debtor.id), invoiceId: invoice.id }),
            statusCallback: `${config.publicBaseUrl}${twilioWebhookPaths.status}`,
            portalUrl: link,
          },
        );
      } catch (err) {
        if (isPermanent(err)) {
          const reason = (err as Error).message;
          await db.update(messages).set({ status: 'failed', error: reason }).where(and(eq(messages.id, id), eq(messages.status, 'sending')));
          return { status: 'failed', reason, messageId: id };
        }
        await releaseMessageClaim(db, id);
        throw err;
      }
      const status = await recordMessageSent(db, {
        id,
        invoice,
        channel: input.channel,
        kind: 'agent_reply',
        transport,
        providerMessageId,
        sentAt: clock(),
        extraData: { author: input.author.email, ...(input.answersInbound ? { guardrail_note: 'answer_to_inbound' } : {}) },
      });
      await recordAnswer(id);
      metrics?.messageSent(input.channel);
      logger.info({ invoice_id: invoice.id, message_id: id, channel: input.channel, kind: 'agent_reply' }, 'agent reply sent');
      return { status, messageId: id };

      /** The `out` entry with its author: stops the thread's SLA age. Once per reply, whatever the retries. */
      async function recordAnswer(messageId: string) {
        await db.transaction(async (tx) => {
          await recordConversationEntry(tx, {
            debtorId: debtor.id,
            partnerId: invoice.partnerId,
            companyId: invoice.companyId,
            invoiceId: invoice.id,
            direction: 'out',
            channel: input.channel,
            kind: input.answersInbound ? 'agent_reply' : 'agent_message',
            subject,
            body: input.body,
            author: input.author,
            messageId,
            dedupeKey: `agent-reply:${input.replyId}`,
          });
        });
      }
    },
  };
}
