import { z } from 'zod';
import { disputeVias } from '../../domain/dispute';
import { invoiceSchema } from '../openapi/resources';

/** The dispute resource the dispute routes answer, for the OpenAPI document (resources/dispute.ts builds it). */
export const disputeSchema = z.object({
  id: z.string(),
  invoice_id: z.string(),
  company_id: z.string(),
  debtor_id: z.string().nullable(),
  reason: z.string(),
  details: z.string().nullable(),
  via: z.enum(disputeVias).describe('Where it was opened: the partner API, the debtor portal, or an agent on a reply'),
  status: z.enum(['open', 'upheld', 'rejected']),
  opened_at: z.iso.datetime(),
  resolved_at: z.iso.datetime().nullable(),
  resolution_reason: z.string().nullable(),
  credit_cents: z.number().int().nullable().describe('What the resolution credited (0 when rejected)'),
});

export const disputeWithInvoiceSchema = disputeSchema.extend({ invoice: invoiceSchema });
