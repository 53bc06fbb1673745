import { inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { events, invoices } from '../db/schema';
import type { EventType } from '../domain/events';
import { newId } from './ids';

/** An event to append (its type is one of domain/events.ts); the webhook relay and the events API read them. */
export interface NewEvent {
  type: EventType;
  partnerId: string;
  companyId?: string | null;
  invoiceId?: string | null;
  data: Record<string, unknown>;
  /** Makes a retried writer record the event once. */
  dedupeKey?: string;
}

type Tx = Pick<Db, 'insert' | 'select'>;

/**
 * Appends events; call inside the transaction of the change they report. An event about an
 * invoice carries its debtor's id (`data.debtor_id`), looked up here so no writer has to.
 */
export async function appendEvents(tx: Tx, list: NewEvent[]): Promise<void> {
  if (list.length === 0) return;
  const withDebtors = await withDebtorIds(tx, list);
  await tx
    .insert(events)
    .values(
      withDebtors.map((e) => ({
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

/** Adds `debtor_id` to each invoice's event that does not name it yet: one query for all of them. */
async function withDebtorIds(tx: Tx, list: NewEvent[]): Promise<NewEvent[]> {
  const invoiceIds = [...new Set(list.flatMap((e) => (e.invoiceId && !('debtor_id' in e.data) ? [e.invoiceId] : [])))];
  if (invoiceIds.length === 0) return list;
  const rows = await tx.select({ id: invoices.id, debtorId: invoices.debtorId }).from(invoices).where(inArray(invoices.id, invoiceIds));
  const debtorOf = new Map(rows.map((r) => [r.id, r.debtorId]));
  return list.map((e) => {
    const debtorId = e.invoiceId ? debtorOf.get(e.invoiceId) : undefined;
    return debtorId && !('debtor_id' in e.data) ? { ...e, data: { ...e.data, debtor_id: debtorId } } : e;
  });
}
