import type { Db } from '../db/client';
import { formatMoney } from '../messaging/templates';
import { recordConversationEntry } from './conversations';

type Tx = Pick<Db, 'insert' | 'select' | 'update'>;

/** What the debtor did in the portal, in the words an agent reads on the thread. */
export interface PortalActivity {
  /** The portal action: `promise_to_pay`, `payment_plan`, `contact`, `opt_out`, … */
  kind: string;
  summary: string;
}

const channelName = (channel: 'email' | 'sms'): string => (channel === 'sms' ? 'SMS' : 'email');

/** The portal's self-service, as the thread shows it. A payment shows as the payment itself; a dispute records its own entry. */
export const portalActivities = {
  promiseToPay: (date: string): PortalActivity => ({ kind: 'promise_to_pay', summary: `Promised to pay by ${date}.` }),
  paymentPlan: (installmentCount: number, firstDueDate: string): PortalActivity => ({
    kind: 'payment_plan',
    summary: `Set up a payment plan: ${installmentCount} instalments from ${firstDueDate}.`,
  }),
  incomeExpenditure: (incomeCents: number, expensesCents: number, currency: string): PortalActivity => ({
    kind: 'income_expenditure',
    summary: `Filled in income and expenditure: ${formatMoney(incomeCents, currency, 'en')} in, ${formatMoney(expensesCents, currency, 'en')} out a month.`,
  }),
  contact: (): PortalActivity => ({ kind: 'contact', summary: 'Changed their contact details.' }),
  optOut: (channel: 'email' | 'sms'): PortalActivity => ({ kind: 'opt_out', summary: `Opted out of ${channelName(channel)}.` }),
  optIn: (channel: 'email' | 'sms'): PortalActivity => ({ kind: 'opt_in', summary: `Opted in to ${channelName(channel)} again.` }),
};

/**
 * A promise or plan the debtor made in the portal, read from the event the invoice's workflow
 * commits for it (the portal sends these as updates; the workflow's change is their write), or
 * null for any other event.
 */
export function portalArrangementActivity(event: { type: string; data: Record<string, unknown> }): PortalActivity | null {
  if (event.data.source !== 'portal') return null;
  if (event.type === 'invoice.promise_to_pay_made' && typeof event.data.date === 'string') return portalActivities.promiseToPay(event.data.date);
  if (event.type === 'invoice.payment_plan_created' && Array.isArray(event.data.installments)) {
    const installments = event.data.installments as Array<{ due_date: string }>;
    return installments[0] ? portalActivities.paymentPlan(installments.length, installments[0].due_date) : null;
  }
  return null;
}

/**
 * Puts what the debtor did in the portal on their conversation, so an agent sees it beside their
 * emails and texts; call inside the transaction of the action it reports, so the action and its
 * entry commit together (never one without the other). Self-service needs no answer: the entry
 * joins the thread without opening it or starting its SLA age (a dispute, which does, is recorded
 * by services/disputes.ts). A `dedupeKey` makes a retried write record it once.
 */
export async function recordPortalActivity(
  tx: Tx,
  invoice: { id: string; partnerId: string; companyId: string; debtorId: string },
  activity: PortalActivity,
  dedupeKey?: string,
): Promise<void> {
  await recordConversationEntry(tx, {
    debtorId: invoice.debtorId,
    partnerId: invoice.partnerId,
    companyId: invoice.companyId,
    invoiceId: invoice.id,
    direction: 'in',
    channel: 'portal',
    kind: activity.kind,
    body: activity.summary,
    awaitsAnswer: false,
    dedupeKey: dedupeKey ?? null,
  });
}
