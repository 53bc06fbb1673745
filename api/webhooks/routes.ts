import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { events, webhookAttempts, webhookEndpoints } from '../../db/schema';
import { pageQuerySchema } from '../../domain/schemas';
import { webhookAttemptListQuerySchema, webhookEndpointCreateSchema } from '../../domain/webhook-schemas';
import { newId } from '../../services/ids';
import { newWebhookSecret } from '../../services/webhook-signature';
import type { SecretBox } from '../../services/secret-box';
import type { Principal } from '../../services/api-keys';
import { startWebhookDelivery } from '../../workflows/webhook-delivery.client';
import type { OutboundGuard } from '../../outbound/guard';
import { principalOf, requireRole } from '../auth';
import { requireAllowedUrl } from '../outbound-urls';
import { parse } from '../errors';
import { forbidden, notFound } from '../../domain/errors';
import { listPage } from '../pagination';
import { canSee, ownedByPartner } from '../scope';
import { webhookAttemptResource, webhookEndpointResource } from './resources';

/** Push notifications: a partner's webhook endpoints, their delivery log, and manual redelivery. */
export function webhookEndpointRoutes(db: Db, temporal: Client, taskQueue: string, outbound: OutboundGuard, secrets: SecretBox): Router {
  const r = Router();
  // Ops may look and act on a partner's behalf (support); only a partner owns endpoints.
  r.use('/webhook_endpoints', requireRole('partner', 'ops'));

  /** A live endpoint the caller may see; a deleted one or another partner's is "not found". */
  async function visibleEndpoint(principal: Principal, id: string) {
    const [row] = await db
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.id, id), isNull(webhookEndpoints.deletedAt)));
    if (!row || !canSee(principal, row.partnerId)) throw notFound('webhook endpoint');
    return row;
  }

  r.post('/webhook_endpoints', requireRole('partner'), async (req, res) => {
    const body = parse(webhookEndpointCreateSchema, req.body);
    const partnerId = principalOf(req).partnerId;
    if (!partnerId) throw forbidden('This key belongs to no partner');
    await requireAllowedUrl(outbound, body.url, 'url');
    const secret = newWebhookSecret();
    const [row] = await db
      .insert(webhookEndpoints)
      .values({ id: newId('whe'), partnerId, url: body.url, eventTypes: body.event_types ?? null, secret: secrets.seal(secret) })
      .returning();
    // The only time the secret is shown: the partner stores it to verify signatures.
    res.status(201).json({ ...webhookEndpointResource(row!), secret });
  });

  r.get('/webhook_endpoints', async (req, res) => {
    const q = parse(pageQuerySchema, req.query, 'query');
    const p = await listPage(db, webhookEndpoints, q, [ownedByPartner(webhookEndpoints.partnerId, principalOf(req)), isNull(webhookEndpoints.deletedAt)]);
    res.json({ data: p.data.map(webhookEndpointResource), next_cursor: p.next_cursor });
  });

  r.get('/webhook_endpoints/:id', async (req, res) => {
    res.json(webhookEndpointResource(await visibleEndpoint(principalOf(req), String(req.params.id))));
  });

  r.delete('/webhook_endpoints/:id', async (req, res) => {
    const endpoint = await visibleEndpoint(principalOf(req), String(req.params.id));
    // Soft delete: the relay stops matching it and pending deliveries end at their next attempt.
    await db.update(webhookEndpoints).set({ deletedAt: new Date() }).where(eq(webhookEndpoints.id, endpoint.id));
    res.status(204).end();
  });

  r.get('/webhook_endpoints/:id/attempts', async (req, res) => {
    const endpoint = await visibleEndpoint(principalOf(req), String(req.params.id));
    const q = parse(webhookAttemptListQuerySchema, req.query, 'query');
    const p = await listPage(db, webhookAttempts, q, [
      eq(webhookAttempts.endpointId, endpoint.id),
      q.event_id ? eq(webhookAttempts.eventId, q.event_id) : undefined,
    ]);
    res.json({ data: p.data.map(webhookAttemptResource), next_cursor: p.next_cursor });
  });

  r.post('/webhook_endpoints/:id/redeliver/:event_id', async (req, res) => {
    const endpoint = await visibleEndpoint(principalOf(req), String(req.params.id));
    const [event] = await db.select({ id: events.id, partnerId: events.partnerId }).from(events).where(eq(events.id, String(req.params.event_id)));
    // Only the endpoint owner's own events: another partner's event is as unknown as a missing one.
    if (!event || event.partnerId !== endpoint.partnerId) throw notFound('event');
    const { workflowId: deliveryId } = await startWebhookDelivery(temporal, taskQueue, { endpointId: endpoint.id, eventId: event.id }, newId('rdl'));
    res.status(202).json({ delivery_id: deliveryId, endpoint_id: endpoint.id, event_id: event.id });
  });

  return r;
}
