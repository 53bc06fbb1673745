import { and, asc, eq, inArray, isNotNull } from 'drizzle-orm';
import { messages } from '../db/schema';
import { reachedDebtor, type MessageChannel } from '../domain/message-delivery';
import type { ActivityDeps } from './deps';

export interface NoticeDeliveryInput {
  invoiceId: string;
  /** The purposes (send key parts) of the messages that make up the notice: a step, its fallback letter. */
  purposes: string[];
}

/** The earliest accepted message of a notice: when (its `sent_at`, epoch ms) and on which channel. */
export type NoticeDelivery = { acceptedAt: number; channel: MessageChannel; messageId: string } | null;

export function noticeDeliveryActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    /**
     * Whether a notice reached the debtor on at least one channel (`reachedDebtor` of
     * domain/message-delivery.ts), read from the messages sent for it; null when none did (yet). The
     * moment counted from is when it was sent (a letter: posted), as the statutory notice period is.
     */
    async noticeDelivery(input: NoticeDeliveryInput): Promise<NoticeDelivery> {
      if (input.purposes.length === 0) return null;
      const sendKeys = input.purposes.flatMap((p) => (['email', 'sms', 'letter'] as const).map((channel) => `${input.invoiceId}:${p}:${channel}`));
      const rows = await db
        .select({ id: messages.id, channel: messages.channel, status: messages.status, sentAt: messages.sentAt })
        .from(messages)
        .where(and(eq(messages.invoiceId, input.invoiceId), inArray(messages.sendKey, sendKeys), isNotNull(messages.sentAt)))
        .orderBy(asc(messages.sentAt));
      const first = rows.find((m) => reachedDebtor(m.channel, m.status));
      return first ? { acceptedAt: first.sentAt!.getTime(), channel: first.channel as MessageChannel, messageId: first.id } : null;
    },
  };
}
