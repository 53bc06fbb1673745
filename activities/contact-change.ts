import { ApplicationFailure, Context } from '@temporalio/activity';
import { and, eq } from 'drizzle-orm';
import { companies, dunningPolicies, invoices, messages, portalContactChanges } from '../db/schema';
import { portalLinkDays } from '../domain/dunning-policy-rules';
import { renderContactChangeEmail, renderContactChangeSms } from '../messaging/contact-change-texts';
import { createPortalToken, portalLinkExpiry, portalUrl, signContactUndo } from '../messaging/portal-link';
import { messageIdForSendKey } from '../messaging/mailer';
import { abandonClaim, recordMessageSent, releaseMessageClaim, resumeAbandonedClaim } from '../services/message-delivery';
import { resumeInterruptedSend } from './interrupted-send';
import { emailHeaders, replyAddressOf } from './messaging';
import { unsubscribeUrl } from '../messaging/unsubscribe-link';
import { newId } from '../services/ids';
import type { ActivityDeps } from './deps';

export interface ContactChangeConfirmationInput {
  changeId: string;
  channel: 'email' | 'sms';
}

export type ContactChangeConfirmationResult = { status: 'sent' | 'outbox'; messageId: string } | { status: 'skipped'; reason: 'unchanged' | 'no_previous' };

export function contactChangeActivities({ db, mailer, sms, config, logger, clock = () => new Date() }: ActivityDeps) {
  return {
    /**
     * Tells the previous email address (or phone number) that the portal changed it, with a link
     * that undoes the change. Sent once per (change, channel): the send key is a unique message row
     * written before the provider call, as for invoice messages.
     */
    async sendContactChangeConfirmation(input: ContactChangeConfirmationInput): Promise<ContactChangeConfirmationResult> {
      const [row] = await db
        .select({ change: portalContactChanges, invoice: invoices, companyName: companies.name, policy: dunningPolicies.policy })
        .from(portalContactChanges)
        .innerJoin(invoices, eq(invoices.id, portalContactChanges.invoiceId))
        .innerJoin(companies, eq(companies.id, invoices.companyId))
        .leftJoin(dunningPolicies, and(eq(dunningPolicies.companyId, invoices.companyId), eq(dunningPolicies.version, invoices.policyVersion)))
        .where(eq(portalContactChanges.id, input.changeId));
      // The workflow is started inside the change's transaction: until it commits the row is not there yet.
      if (!row) throw ApplicationFailure.retryable(`contact change ${input.changeId} not (yet) recorded`, 'ContactChangeNotFound');
      const { change, invoice } = row;
      // Every email carries the one-click unsubscribe of the contract, this one too.
      const headers = (messageId: string) => emailHeaders({ unsubscribeUrl: unsubscribeUrl(config.publicBaseUrl, config.portalSecret, invoice.debtorId), invoiceId: invoice.id, replyTo: replyAddressOf(config, messageId) });
      const field = input.channel === 'email' ? 'email' : 'phone';
      if (!(field in change.changed)) return { status: 'skipped', reason: 'unchanged' };
      const recipient = change.previous[field];
      if (!recipient) return { status: 'skipped', reason: 'no_previous' };

      const sendKey = `${invoice.id}:contact-change:${change.id}:${input.channel}`;
      const [existing] = await db.select().from(messages).where(eq(messages.sendKey, sendKey));
      if (existing?.status === 'sent' || existing?.status === 'outbox' || existing?.status === 'delivered') return { status: existing.status === 'outbox' ? 'outbox' : 'sent', messageId: existing.id };
      if (existing?.status === 'sending') {
        // As for invoice messages: a claim younger than an attempt may be in its provider call (wait);
        // an older one's attempt died, and its confirmation is resolved, not dropped or sent twice.
        const resumed = await resumeAbandonedClaim(db, existing.id, Context.current().info.startToCloseTimeoutMs / 1000);
        if (!resumed) throw new Error(`message ${sendKey} is being sent by another attempt`);
        let call: Awaited<ReturnType<typeof resumeInterruptedSend>>;
        try {
          call = await resumeInterruptedSend({ mailer, sms }, resumed, { emailHeaders: headers(resumed.id) });
        } catch (err) {
          await abandonClaim(db, resumed.id);
          throw err;
        }
        const status = await recordMessageSent(db, { id: resumed.id, invoice, channel: input.channel, kind: resumed.kind, transport: resumed.transport, providerMessageId: call.providerMessageId, sentAt: clock(), resumed: call.resumed });
        return { status, messageId: resumed.id };
      }
      // Refused by the provider after it took it (an SMS undelivered): tried once more.
      if (existing) await releaseMessageClaim(db, existing.id);

      const locale = invoice.debtor.locale ?? 'en';
      const token = createPortalToken(config.portalSecret, invoice.id, portalLinkExpiry(clock(), portalLinkDays(row.policy)));
      const context = {
        locale,
        companyName: row.companyName,
        invoiceNumber: invoice.invoiceNumber,
        changed: (['email', 'phone'] as const).filter((f) => f in change.changed),
        undoUrl: `${portalUrl(config.publicBaseUrl, token)}/contact/undo/${signContactUndo(config.portalSecret, change.id)}`,
      };
      const email = input.channel === 'email' ? renderContactChangeEmail(context) : null;
      const id = newId('msg');
      const transport = input.channel === 'email' ? mailer.transport : sms.transport;
      await db.insert(messages).values({
        id,
        invoiceId: invoice.id,
        partnerId: invoice.partnerId,
        companyId: invoice.companyId,
        channel: input.channel,
        kind: 'contact_change_confirmation',
        sendKey,
        recipient,
        subject: email?.subject ?? null,
        bodyText: email ? email.text : renderContactChangeSms(context),
        bodyHtml: email?.html ?? null,
        status: 'sending',
        transport,
      });
      let providerMessageId: string | null;
      try {
        providerMessageId = email
          ? (await mailer.send({ to: recipient, subject: email.subject, text: email.text, html: email.html, messageId: messageIdForSendKey(sendKey), headers: headers(id) })).providerMessageId
          : (await sms.send({ to: recipient, body: renderContactChangeSms(context) })).providerMessageId;
      } catch (err) {
        await releaseMessageClaim(db, id);
        throw err;
      }
      const status = await recordMessageSent(db, { id, invoice, channel: input.channel, kind: 'contact_change_confirmation', transport, providerMessageId, sentAt: clock() });
      logger.info({ invoice_id: invoice.id, message_id: id, channel: input.channel }, 'contact change confirmed to the previous address');
      return { status, messageId: id };
    },
  };
}
