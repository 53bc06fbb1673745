import type { webhookAttempts, webhookEndpoints } from '../../db/schema';
import { eventTypes } from '../../domain/events';

/** Webhook rows → the contract's snake_case resources. The secret is never part of them. */

export function webhookEndpointResource(e: typeof webhookEndpoints.$inferSelect) {
  return {
    id: e.id,
    url: e.url,
    // Stored as null when the partner asked for everything; shown as the list that means today.
    event_types: e.eventTypes ?? [...eventTypes],
    created_at: e.createdAt.toISOString(),
  };
}

export function webhookAttemptResource(a: typeof webhookAttempts.$inferSelect) {
  return {
    id: a.id,
    endpoint_id: a.endpointId,
    event_id: a.eventId,
    delivery_id: a.deliveryId,
    attempt: a.attempt,
    status_code: a.statusCode,
    succeeded: a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300,
    error: a.error,
    duration_ms: a.durationMs,
    attempted_at: a.createdAt.toISOString(),
  };
}
