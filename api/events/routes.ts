import { and, asc, eq, gt } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { events } from '../../db/schema';
import { messageDeliveries, messageIdOfEvent } from '../../services/last-notice';
import { principalOf } from '../auth';
import { defineRoute } from '../route-definition';
import { partnerFilter, visibleCompany, visibleInvoice } from '../scope';
import { eventResource } from '../../resources/serializers';
import { eventQuerySchema, invoiceEventsQuerySchema } from './schemas';

async function sequenceAfter(db: Db, marker: string | undefined): Promise<number> {
  if (!marker) return 0;
  if (/^\d+$/.test(marker)) return Number(marker);
  const [row] = await db.select({ seq: events.seq }).from(events).where(eq(events.id, marker));
  return row?.seq ?? 0;
}

/** The polling alternative to webhooks: every event in the order it happened; and one invoice's timeline. */
export const eventRoutes = [
  defineRoute({
    operationId: 'listEvents',
    method: 'get',
    path: '/events',
    tag: 'Events',
    summary: 'Every event of the partner, in order',
    description: '`after` is an event id or sequence number; poll with the last one seen.',
    roles: ['partner', 'ops'],
    query: eventQuerySchema,
    response: { status: 200, description: 'A page of events', schema: 'EventPage' },
    handler: async ({ req, res, deps: { db }, query }) => {
      const q = query();
      // Filtering by another tenant's (or an unknown) id is a 404, as reading it would be.
      if (q.company_id) await visibleCompany(db, principalOf(req), q.company_id);
      const partnerId = partnerFilter(principalOf(req));
      const after = await sequenceAfter(db, q.cursor ?? q.after);
      const rows = await db
        .select()
        .from(events)
        .where(
          and(
            partnerId ? eq(events.partnerId, partnerId) : undefined,
            q.type ? eq(events.type, q.type) : undefined,
            q.company_id ? eq(events.companyId, q.company_id) : undefined,
            gt(events.seq, after),
          ),
        )
        .orderBy(asc(events.seq))
        .limit(q.limit + 1);
      const data = rows.slice(0, q.limit);
      res.json({ data: data.map(eventResource), next_cursor: rows.length > q.limit ? String(data[data.length - 1]!.seq) : null });
    },
  }),
  defineRoute({
    operationId: 'listInvoiceEvents',
    method: 'get',
    path: '/invoices/{id}/events',
    tag: 'Invoices',
    summary: "The invoice's whole timeline",
    description:
      "The `data` of a `message.*` event also tells the message's delivery as it stands now: `channel`, `delivery_status` (`sending`, `accepted`: the mail server or SMS provider took it, `delivered`: the SMS provider reported it delivered, `failed`, `queued`: a letter waiting in a print batch, `posted`) and `delivered_at` (when it reached the debtor's side: email accepted, SMS delivered, letter posted; else null).",
    roles: ['partner', 'ops'],
    query: invoiceEventsQuerySchema,
    response: { status: 200, description: 'Its events, oldest first', schema: 'EventPage' },
    handler: async ({ req, res, deps: { db }, query, param }) => {
      const inv = await visibleInvoice(db, principalOf(req), param('id'));
      const q = query();
      const after = await sequenceAfter(db, q.cursor);
      const rows = await db
        .select()
        .from(events)
        .where(and(eq(events.invoiceId, inv.id), gt(events.seq, after)))
        .orderBy(asc(events.seq))
        .limit(q.limit + 1);
      const data = rows.slice(0, q.limit);
      // The timeline shows each message's delivery as it stands now (accepted, delivered, failed, posted), beside what the event recorded.
      const deliveries = await messageDeliveries(db, data.map(messageIdOfEvent).filter((id): id is string => id !== undefined));
      const withDelivery = (e: (typeof data)[number]) => {
        const delivery = deliveries.get(messageIdOfEvent(e) ?? '');
        return delivery ? { ...e, data: { ...e.data, ...delivery } } : e;
      };
      res.json({ data: data.map((e) => eventResource(withDelivery(e))), next_cursor: rows.length > q.limit ? String(data[data.length - 1]!.seq) : null });
    },
  }),
];
