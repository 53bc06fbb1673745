import { Router } from 'express';
import { and, asc, eq, gt } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { events } from '../../db/schema';
import { eventTypes } from '../../domain/events';
import { messageDeliveries, messageIdOfEvent } from '../../services/last-notice';
import { principalOf, requireRole } from '../auth';
import { parse } from '../errors';
import { partnerFilter, visibleCompany, visibleInvoice } from '../scope';
import { eventResource } from '../../resources/serializers';

export const eventQuerySchema = z.object({
  after: z.string().max(64).optional(),
  type: z.enum(eventTypes).optional(),
  company_id: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(64).optional(),
});

/** One invoice's timeline: the whole of it fits one page by default. */
export const invoiceEventsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(500),
  cursor: z.string().max(64).optional(),
});

/** The polling alternative to webhooks: every event in the order it happened. */
export function eventRoutes(db: Db): Router {
  const r = Router();

  async function sequenceAfter(marker: string | undefined): Promise<number> {
    if (!marker) return 0;
    if (/^\d+$/.test(marker)) return Number(marker);
    const [row] = await db.select({ seq: events.seq }).from(events).where(eq(events.id, marker));
    return row?.seq ?? 0;
  }

  r.get('/events', requireRole('partner', 'ops'), async (req, res) => {
    const q = parse(eventQuerySchema, req.query, 'query');
    // Filtering by another tenant's (or an unknown) id is a 404, as reading it would be.
    if (q.company_id) await visibleCompany(db, principalOf(req), q.company_id);
    const partnerId = partnerFilter(principalOf(req));
    const after = await sequenceAfter(q.cursor ?? q.after);
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
  });

  r.get('/invoices/:id/events', requireRole('partner', 'ops'), async (req, res) => {
    const inv = await visibleInvoice(db, principalOf(req), String(req.params.id));
    const q = parse(invoiceEventsQuerySchema, req.query, 'query');
    const after = await sequenceAfter(q.cursor);
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
  });

  return r;
}
