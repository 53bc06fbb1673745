import type { Db } from '../db/client';
import { recordConversationEntry } from './conversations';

/** What the debtor did in the portal, in the words an agent reads on the thread. */
export interface PortalActivity {
  /** The portal action: `promise_to_pay`, `payment_plan`, `contact`, `opt_out`, … */
  kind: string;
  summary: string;
}

/**
 * Puts what the debtor did in the portal on their conversation, so an agent sees it beside their
 * emails and texts. Self-service needs no answer: the entry joins the thread without opening it or
 * starting its SLA age (a dispute, which does, is recorded by services/disputes.ts).
 */
export async function recordPortalActivity(
  db: Pick<Db, 'insert' | 'select' | 'update'>,
  invoice: { id: string; partnerId: string; companyId: string; debtorId: string },
  activity: PortalActivity,
): Promise<void> {
  await recordConversationEntry(db, {
    debtorId: invoice.debtorId,
    partnerId: invoice.partnerId,
    companyId: invoice.companyId,
    invoiceId: invoice.id,
    direction: 'in',
    channel: 'portal',
    kind: activity.kind,
    body: activity.summary,
    awaitsAnswer: false,
  });
}
