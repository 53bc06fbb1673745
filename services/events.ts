import type { Db } from '../db/client';
import { events } from '../db/schema';
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
