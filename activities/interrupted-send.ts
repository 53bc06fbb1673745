import type { Mailer } from '../messaging/mailer';
import { messageIdForSendKey } from '../messaging/mailer';
import type { SmsSender } from '../messaging/sms';
import type { MessageRow, ResumedSend } from '../services/message-delivery';

/**
 * How far before the claim the provider's log is searched: the provider's clock and ours differ,
 * and Twilio dates a message by when it left, which is after our claim.
 */
const PROVIDER_LOG_MARGIN_MS = 5 * 60_000;

export interface ResumedProviderCall {
  providerMessageId: string | null;
  resumed: ResumedSend;
  /** The provider's status of an SMS found in its log (it may be final already: `delivered`, `failed`). */
  providerStatus?: string;
}

/**
 * Finishes a send whose attempt died between claiming its send key and recording the provider's
 * answer (`row`, just taken over by this attempt). Whether the first attempt's message went out
 * is unknown, and losing a notice is worse than a copy the debtor's side can recognise:
 * - email is sent again from the row, with the Message-ID of the send key, which is the one the
 *   first attempt used, so a mailbox that has the first copy drops the second;
 * - an SMS carries no such id, so the provider's message log is asked first (recipient, our exact
 *   text, sent since shortly before the claim); found, it is settled with that message; only if
 *   it is not there is it sent.
 * Throws what the provider call throws; the caller tells permanent from temporary.
 */
export async function resumeInterruptedSend(
  { mailer, sms }: { mailer: Mailer; sms: SmsSender },
  row: MessageRow,
  options: { emailHeaders?: Record<string, string>; statusCallback?: string },
): Promise<ResumedProviderCall> {
  if (row.channel === 'email') {
    const result = await mailer.send({
      to: row.recipient,
      subject: row.subject ?? '',
      text: row.bodyText,
      ...(row.bodyHtml ? { html: row.bodyHtml } : {}),
      messageId: messageIdForSendKey(row.sendKey),
      ...(options.emailHeaders ? { headers: options.emailHeaders } : {}),
    });
    return { providerMessageId: result.providerMessageId, resumed: { attempt: row.attempts, how: 'resent' } };
  }
  // Other channels (a letter) settle their claims their own way.
  if (row.channel !== 'sms') throw new Error(`an interrupted ${String(row.channel)} send cannot be resumed here`);
  const found = await sms.findSent({ to: row.recipient, body: row.bodyText, sentAfter: new Date(row.createdAt.getTime() - PROVIDER_LOG_MARGIN_MS) });
  if (found) return { providerMessageId: found.providerMessageId, providerStatus: found.status, resumed: { attempt: row.attempts, how: 'found_in_provider_log' } };
  const result = await sms.send({ to: row.recipient, body: row.bodyText, ...(options.statusCallback ? { statusCallback: options.statusCallback } : {}) });
  return { providerMessageId: result.providerMessageId, resumed: { attempt: row.attempts, how: 'resent' } };
}
