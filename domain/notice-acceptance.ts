/**
 * When a notice counts as having reached the debtor ("accepted"), per channel: what lets an
 * announced fee be charged. Email: the SMTP server accepted it (or the development outbox stood in
 * for SMTP) or it was later reported delivered. SMS: only the provider's delivery report; a
 * message the provider merely took may still never arrive. Letter: handed to the post.
 * The moment of acceptance is the message's `sent_at`.
 */
export const acceptedStatuses = {
  email: ['sent', 'delivered', 'outbox'],
  sms: ['delivered'],
  letter: ['posted'],
} as const satisfies Record<'email' | 'sms' | 'letter', readonly string[]>;

export type AcceptedChannel = keyof typeof acceptedStatuses;

export function isAccepted(channel: string, status: string): boolean {
  const statuses: readonly string[] | undefined = acceptedStatuses[channel as AcceptedChannel];
  return statuses !== undefined && statuses.includes(status);
}
