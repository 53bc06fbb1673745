import { z } from 'zod';
import type { messages } from '../../db/schema';
import { deliveryStatus, deliveryStatuses } from '../../domain/message-delivery';

type MessageRow = typeof messages.$inferSelect;

const timestamp = z.iso.datetime();

/** A message about an invoice as partners and ops see it: never its body or the portal link in it. */
export const invoiceMessageSchema = z.object({
  id: z.string(),
  invoice_id: z.string(),
  channel: z.enum(['email', 'sms', 'letter']),
  kind: z.string().describe('`invoice_notice`, `reminder`, `dunning_notice`, `installment_reminder`, `contact_change_confirmation`'),
  purpose: z.string().describe('Which send of the invoice it is: `transmit` (the invoice notice), `step<n>` (policy step n), `step<n>:fallback` (its fallback letter), `plan<n>:installment<m>`, …'),
  status: z.enum(['sending', 'sent', 'delivered', 'failed', 'outbox', 'queued', 'posted', 'bounced']).describe('The provider-side fact; `outbox`: the development outbox kept it; `bounced`: an email that bounced for good'),
  delivery_status: z.enum(deliveryStatuses).describe('What it means for the debtor, as on the timeline'),
  recipient: z.string().describe("The debtor's email address, phone number or postal address it went to (the partner's own debtor data)"),
  subject: z.string().nullable(),
  error: z.string().nullable().describe('Why it failed, when it did'),
  attempts: z.number().int().describe('Attempts that claimed the send; more than 1: an interrupted send was resumed'),
  resent_at: timestamp.nullable().describe('When a resumed send handed it to the provider again (an email with the same Message-ID)'),
  sent_at: timestamp.nullable().describe('When the provider took it; a letter: when it was posted'),
  delivered_at: timestamp.nullable().describe('When the SMS provider reported it delivered'),
  created_at: timestamp,
});

export const invoiceMessagePageSchema = z.object({ data: z.array(invoiceMessageSchema), next_cursor: z.string().nullable() });

export const portalLinkSchema = z.object({
  url: z.string().describe('The debtor portal for this invoice; whoever holds it can see and pay the invoice, so send it only to the debtor'),
  expires_at: timestamp,
});

/** The send key is `<invoice>:<purpose>:<channel>`: what is between is the purpose. */
function purposeOf(m: Pick<MessageRow, 'sendKey' | 'invoiceId' | 'channel'>): string {
  const head = `${m.invoiceId}:`;
  const tail = `:${m.channel}`;
  const key = m.sendKey.startsWith(head) ? m.sendKey.slice(head.length) : m.sendKey;
  return key.endsWith(tail) ? key.slice(0, -tail.length) : key;
}

export function invoiceMessageResource(m: MessageRow): z.infer<typeof invoiceMessageSchema> {
  return {
    id: m.id,
    invoice_id: m.invoiceId,
    channel: m.channel,
    kind: m.kind,
    purpose: purposeOf(m),
    status: m.status,
    delivery_status: deliveryStatus(m.status),
    recipient: m.recipient,
    subject: m.subject,
    error: m.error,
    attempts: m.attempts,
    resent_at: m.resentAt?.toISOString() ?? null,
    sent_at: m.sentAt?.toISOString() ?? null,
    delivered_at: m.deliveredAt?.toISOString() ?? null,
    created_at: m.createdAt.toISOString(),
  };
}
