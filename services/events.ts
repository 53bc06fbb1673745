import type { Db } from '../db/client';
import { events } from '../db/schema';
import { newId } from './ids';

/** Event types: the contract's, then Recoup's own (documented in the README). */
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
  'message.sent',
  'message.delivered',
  'message.failed',
  'message.received',
  'debtor.updated',
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

export interface NewEvent {
  type: EventType;
  partnerId: string;
  companyId?: string | null;
  invoiceId?: string | null;
  data: Record<string, unknown>;
  /** Makes a retried writer record the event once. */
  dedupeKey?: string;
}

type Tx = Pick<Db, 'insert'>;

/** Appends events; call inside the transaction of the change they report. */
export async function appendEvents(tx: Tx, list: NewEvent[]): Promise<void> {
  if (list.length === 0) return;
  await tx
    .insert(events)
    .values(
      list.map((e) => ({
        id: newId('evt'),
        type: e.type,
        partnerId: e.partnerId,
        companyId: e.companyId ?? null,
        invoiceId: e.invoiceId ?? null,
        data: e.data,
        dedupeKey: e.dedupeKey ?? null,
      })),
    )
    .onConflictDoNothing({ target: events.dedupeKey });
}
