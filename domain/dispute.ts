import { z } from 'zod';
import { positiveAmountCents } from './schemas';

/** Where a dispute came from: the partner's API, the debtor's portal, or an agent on a debtor's reply. */
export const disputeVias = ['api', 'portal', 'agent'] as const;
export type DisputeVia = (typeof disputeVias)[number];

export const disputeOutcomes = ['upheld', 'rejected'] as const;
export type DisputeOutcome = (typeof disputeOutcomes)[number];

const text = (max: number) => z.string().trim().min(1).max(max);

/** `POST /invoices/{id}/disputes`. */
export const disputeCreateSchema = z.object({
  reason: text(500),
  details: text(4000).optional(),
});

/** `POST /invoices/{id}/disputes/{dispute_id}/resolve`. */
export const disputeResolveSchema = z.object({
  outcome: z.enum(disputeOutcomes),
  reason: text(500),
  credit_cents: positiveAmountCents.optional().describe('Upheld only: what is credited (default: everything due). More than is due is refused (422).'),
});
