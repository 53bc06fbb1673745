import { eq } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { events, webhookEndpoints } from '../db/schema';
import { notFound } from '../domain/errors';
import type { WebhookEndpointCreate } from '../domain/webhook-schemas';
import { startWebhookDelivery } from '../workflows/webhook-delivery.client';
import { newId } from './ids';
import type { SecretBox } from './secret-box';
import { newWebhookSecret } from './webhook-signature';

type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;

/**
 * Registers a partner's endpoint with a fresh signing secret, stored sealed. The secret comes back
 * in the clear this once: the partner stores it to verify signatures. The URL is the caller's to check.
 */
export async function createWebhookEndpoint(
  { db, secrets }: { db: Db; secrets: SecretBox },
  partnerId: string,
  input: WebhookEndpointCreate,
): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
  const secret = newWebhookSecret();
  const [row] = await db
    .insert(webhookEndpoints)
    .values({ id: newId('whe'), partnerId, url: input.url, eventTypes: input.event_types ?? null, secret: secrets.seal(secret) })
    .returning();
  return { endpoint: row!, secret };
}

/** Soft delete: the relay stops matching it and pending deliveries end at their next attempt. */
export async function deleteWebhookEndpoint({ db }: { db: Db }, endpointId: string): Promise<void> {
  await db.update(webhookEndpoints).set({ deletedAt: new Date() }).where(eq(webhookEndpoints.id, endpointId));
}

/** Delivers one of the endpoint owner's events to it again; another partner's event is as unknown as a missing one. */
export async function redeliverWebhookEvent(
  { db, temporal, taskQueue }: { db: Db; temporal: Client; taskQueue: string },
  endpoint: Pick<WebhookEndpointRow, 'id' | 'partnerId'>,
  eventId: string,
): Promise<{ deliveryId: string; eventId: string }> {
  const [event] = await db.select({ id: events.id, partnerId: events.partnerId }).from(events).where(eq(events.id, eventId));
  if (!event || event.partnerId !== endpoint.partnerId) throw notFound('event');
  const { workflowId } = await startWebhookDelivery(temporal, taskQueue, { endpointId: endpoint.id, eventId: event.id }, newId('rdl'));
  return { deliveryId: workflowId, eventId: event.id };
}
