import { and, asc, gt, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { invoices } from '../db/schema';

export interface WaitingNotice {
  invoiceId: string;
  recipient: string;
  at: Date;
  reason: string;
  timezone: string;
}

/**
 * Invoice notices that are not in the outbox yet because a guardrail holds them back (night in
 * the debtor's timezone): without this, a notice transmitted at night looks lost until 08:00.
 */
export async function waitingNotices(db: Db, now: Date, limit = 50): Promise<WaitingNotice[]> {
  const rows = await db
    .select({ id: invoices.id, debtor: invoices.debtor, nextActionAt: invoices.nextActionAt, nextAction: invoices.nextAction })
    .from(invoices)
    .where(and(isNotNull(invoices.nextActionAt), gt(invoices.nextActionAt, now), sql`${invoices.nextAction}->>'action' = 'invoice_notice'`))
    .orderBy(asc(invoices.nextActionAt))
    .limit(limit);
  return rows
    .filter((r) => r.nextAction && Date.parse(r.nextAction.at) === r.nextActionAt!.getTime())
    .map((r) => ({
      invoiceId: r.id,
      recipient: r.debtor.email ?? r.debtor.phone ?? '',
      at: r.nextActionAt!,
      reason: r.nextAction!.reason,
      timezone: r.debtor.timezone ?? 'Europe/Amsterdam',
    }));
}
