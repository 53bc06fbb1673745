import { z } from 'zod';
import { eventTypes } from '../../domain/events';

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
