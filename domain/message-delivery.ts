/**
 * What happened to a message we sent, per channel, in the words the invoice timeline and the API
 * use. A message's stored status is the provider-side fact (`sent`: SMTP 250 or Twilio took it;
 * `delivered`: Twilio's delivery report; `queued`/`posted`: a letter in a print batch / handed to
 * the post; `outbox`: the dev outbox kept it; `bounced`: an email whose delivery failed for good
 * after the mail server took it); its delivery status says what it means for the debtor.
 */
export type MessageStatus = 'sending' | 'sent' | 'delivered' | 'failed' | 'outbox' | 'queued' | 'posted' | 'bounced';
export type MessageChannel = 'email' | 'sms' | 'letter';

/** `accepted`: the provider took it (SMTP 250; Twilio queued it, no delivery report yet; the dev outbox). */
export const deliveryStatuses = ['sending', 'accepted', 'delivered', 'failed', 'queued', 'posted'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export function deliveryStatus(status: string): DeliveryStatus {
  if (status === 'sent' || status === 'outbox') return 'accepted';
  // A hard bounce: the mail server took it, the debtor's never did.
  if (status === 'bounced') return 'failed';
  return (deliveryStatuses as readonly string[]).includes(status) ? (status as DeliveryStatus) : 'sending';
}

/**
 * Whether a message reached the debtor's side as far as we can know, per channel (the contract's
 * rule for a fee's notice): an email the mail server accepted (or the dev outbox kept), an SMS the
 * provider reported delivered, a letter handed to the post.
 */
export function reachedDebtor(channel: string, status: string): boolean {
  if (channel === 'email') return status === 'sent' || status === 'delivered' || status === 'outbox';
  if (channel === 'sms') return status === 'delivered';
  if (channel === 'letter') return status === 'posted';
  return false;
}

/** When it did: the SMS delivery report's time when there is one, else when it was sent (a letter: posted). */
export function reachedDebtorAt(message: { channel: string; sentAt: Date | null; deliveredAt: Date | null }): Date | null {
  return (message.channel === 'sms' ? message.deliveredAt : null) ?? message.sentAt;
}
