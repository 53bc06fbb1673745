/** Ids and shapes of webhook delivery workflows, importable by the API and activities. */

export interface WebhookDeliveryInput {
  endpointId: string;
  eventId: string;
}

/** `gave_up`: no 2xx before the retry window closed; `endpoint_removed`: deleted meanwhile. */
export type WebhookDeliveryResult =
  | { status: 'delivered'; attempt: number; statusCode: number }
  | { status: 'gave_up' }
  | { status: 'endpoint_removed' };

/** The automatic delivery of an event to an endpoint: one per pair, so the relay never starts it twice. */
export function webhookDeliveryWorkflowId(endpointId: string, eventId: string): string {
  return `webhook-${endpointId}-${eventId}`;
}

/** A manual redelivery: its own id, so it runs beside (or after) the automatic one. */
export function webhookRedeliveryWorkflowId(endpointId: string, eventId: string, redeliveryId: string): string {
  return `webhook-${endpointId}-${eventId}-${redeliveryId}`;
}
