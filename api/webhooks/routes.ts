import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { webhookAttempts, webhookEndpoints } from '../../db/schema';
import { pageQuerySchema } from '../../domain/schemas';
import { webhookAttemptListQuerySchema } from '../../domain/webhook-schemas';
import { createWebhookEndpoint, deleteWebhookEndpoint, redeliverWebhookEvent } from '../../services/webhook-endpoints';
import type { Principal } from '../../services/api-keys';
import { principalOf } from '../auth';
import { requireAllowedUrl } from '../outbound-urls';
import { forbidden, notFound } from '../../domain/errors';
import { listPage } from '../pagination';
import { defineRoute } from '../route-definition';
import { canSee, ownedByPartner } from '../scope';
import { webhookAttemptResource, webhookEndpointResource } from './resources';

/** A live endpoint the caller may see; a deleted one or another partner's is "not found". */
async function visibleEndpoint(db: Db, principal: Principal, id: string) {
  const [row] = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), isNull(webhookEndpoints.deletedAt)));
  if (!row || !canSee(principal, row.partnerId)) throw notFound('webhook endpoint');
  return row;
}

const tag = 'Webhooks';
// Ops may look and act on a partner's behalf (support); only a partner owns endpoints.
const roles = ['partner', 'ops'] as const;

/** Push notifications: a partner's webhook endpoints, their delivery log, and manual redelivery. */
export const webhookEndpointRoutes = [
  defineRoute({
    operationId: 'createWebhookEndpoint',
    method: 'post',
    path: '/webhook_endpoints',
    tag,
    summary: 'Register a webhook endpoint',
    description: 'Leave `event_types` out to receive every type.',
    roles: ['partner'],
    body: 'WebhookEndpointCreate',
    response: { status: 201, description: 'The endpoint, with its signing secret (shown once)', schema: 'WebhookEndpointCreated' },
    handler: async ({ req, res, deps: { db, outbound, secrets }, body: parsedBody }) => {
      const body = parsedBody();
      const partnerId = principalOf(req).partnerId;
      if (!partnerId) throw forbidden('This key belongs to no partner');
      await requireAllowedUrl(outbound, body.url, 'url');
      const { endpoint, secret } = await createWebhookEndpoint({ db, secrets }, partnerId, body);
      // The only time the secret is shown: the partner stores it to verify signatures.
      res.status(201).json({ ...webhookEndpointResource(endpoint), secret });
    },
  }),
  defineRoute({
    operationId: 'listWebhookEndpoints',
    method: 'get',
    path: '/webhook_endpoints',
    tag,
    summary: 'List webhook endpoints',
    roles,
    query: pageQuerySchema,
    response: { status: 200, description: 'A page of endpoints', schema: 'WebhookEndpointPage' },
    handler: async ({ req, res, deps: { db }, query }) => {
      const p = await listPage(db, webhookEndpoints, query(), [ownedByPartner(webhookEndpoints.partnerId, principalOf(req)), isNull(webhookEndpoints.deletedAt)]);
      res.json({ data: p.data.map(webhookEndpointResource), next_cursor: p.next_cursor });
    },
  }),
  defineRoute({
    operationId: 'getWebhookEndpoint',
    method: 'get',
    path: '/webhook_endpoints/{id}',
    tag,
    summary: 'Get a webhook endpoint',
    roles,
    response: { status: 200, description: 'The endpoint', schema: 'WebhookEndpoint' },
    handler: async ({ req, res, deps: { db }, param }) => {
      res.json(webhookEndpointResource(await visibleEndpoint(db, principalOf(req), param('id'))));
    },
  }),
  defineRoute({
    operationId: 'deleteWebhookEndpoint',
    method: 'delete',
    path: '/webhook_endpoints/{id}',
    tag,
    summary: 'Delete a webhook endpoint',
    roles,
    response: { status: 204, description: 'Deleted' },
    handler: async ({ req, res, deps: { db }, param }) => {
      const endpoint = await visibleEndpoint(db, principalOf(req), param('id'));
      await deleteWebhookEndpoint({ db }, endpoint.id);
      res.status(204).end();
    },
  }),
  defineRoute({
    operationId: 'listWebhookAttempts',
    method: 'get',
    path: '/webhook_endpoints/{id}/attempts',
    tag,
    summary: 'Every delivery attempt to an endpoint',
    roles,
    query: webhookAttemptListQuerySchema,
    response: { status: 200, description: 'A page of attempts', schema: 'WebhookAttemptPage' },
    handler: async ({ req, res, deps: { db }, query, param }) => {
      const endpoint = await visibleEndpoint(db, principalOf(req), param('id'));
      const q = query();
      const p = await listPage(db, webhookAttempts, q, [
        eq(webhookAttempts.endpointId, endpoint.id),
        q.event_id ? eq(webhookAttempts.eventId, q.event_id) : undefined,
      ]);
      res.json({ data: p.data.map(webhookAttemptResource), next_cursor: p.next_cursor });
    },
  }),
  defineRoute({
    operationId: 'redeliverWebhookEvent',
    method: 'post',
    path: '/webhook_endpoints/{id}/redeliver/{event_id}',
    tag,
    summary: 'Deliver an event to an endpoint again',
    roles,
    response: { status: 202, description: 'Accepted; delivered asynchronously', schema: 'WebhookRedelivery' },
    handler: async ({ req, res, deps: { db, temporal, taskQueue }, param }) => {
      const endpoint = await visibleEndpoint(db, principalOf(req), param('id'));
      const { deliveryId, eventId } = await redeliverWebhookEvent({ db, temporal, taskQueue }, endpoint, param('event_id'));
      res.status(202).json({ delivery_id: deliveryId, endpoint_id: endpoint.id, event_id: eventId });
    },
  }),
];
