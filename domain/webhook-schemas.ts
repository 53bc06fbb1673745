import { z } from 'zod';
import { eventTypes } from './events';

/**
 * Request schemas of the webhook endpoints API (snake_case, as on the wire). Pure zod, kept apart
 * from domain/schemas.ts so the OpenAPI generator can pick them up the same way.
 */

export const webhookEndpointCreateSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2048),
  /** Omitted means every event type, including types added later. */
  event_types: z
    .array(z.enum(eventTypes))
    .min(1, 'give at least one event type, or leave event_types out to receive all')
    .max(eventTypes.length * 2)
    .transform((types) => [...new Set(types)])
    .optional(),
});
export type WebhookEndpointCreate = z.infer<typeof webhookEndpointCreateSchema>;

export const webhookAttemptListQuerySchema = z.object({
  event_id: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
