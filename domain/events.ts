/**
 * The event types: the contract's, then Recoup's own (listed with their data in docs/webhooks.md).
 * Pure data, so request schemas and workflows can name them without the code that writes events.
 */
export const eventTypes = [
  'import.transmitted',
  'invoice.transmitted',
  'invoice.reminder_sent',
  'invoice.dunning_level_changed',
  'invoice.payment_received',
  'invoice.paid',
  'invoice.credited',
  'invoice.retracted',
  'invoice.contact_updated',
  'invoice.on_hold',
  'invoice.resumed',
  'invoice.promise_to_pay_made',
  'invoice.promise_to_pay_broken',
  'invoice.payment_plan_created',
  'invoice.payment_plan_broken',
  'invoice.disputed',
  'invoice.dispute_resolved',
  'message.sent',
  'message.delivered',
  'message.failed',
  'message.received',
  'message.bounced',
  'debtor.updated',
  'debtor.opted_out',
  'debtor.opted_in',
  'debt_case.created',
  'debt_case.review_required',
  'debt_case.approved',
  'debt_case.rejected',
  'debt_case.handed_off',
  'debt_case.collected_amount_added',
  'debt_case.closed',
  // A policy step (or the invoice notice) a guardrail moved later: quiet hours, the contact limit or gap.
  'invoice.next_action_delayed',
  // Ops took a fresh portal link to send by hand (who and when; never the link).
  'invoice.portal_link_issued',
  // A verified company's name or bank account changed: it waits for ops to verify it again.
  'company.verification_reset',
] as const;
export type EventType = (typeof eventTypes)[number];
