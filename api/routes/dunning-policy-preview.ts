import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { previewTimeline } from '../../domain/dunning-plan';
import { dunningPolicySchema } from '../../domain/dunning-policy';
import { addressSchema, country, currency, isoDate, locale, positiveAmountCents, timezone } from '../../domain/schemas';
import { currentDunningPolicy } from '../../services/dunning-policies';
import { principalOf, requireRole } from '../auth';
import { parse } from '../errors';
import { visibleCompany } from '../scope';

export const policyPreviewSchema = z.object({
  invoice: z.object({
    amount_cents: positiveAmountCents,
    currency,
    due_date: isoDate,
    debtor: z
      .object({
        country: country.optional(),
        locale: locale.default('en'),
        timezone: timezone.default('Europe/Amsterdam'),
        organization_name: z.string().max(200).optional(),
        address: addressSchema.optional(),
        has_address: z.boolean().optional().describe('Whether the debtor has a postal address (implied by `address`); unknown when both are absent, and letters are then shown as going'),
      })
      .prefault({}),
  }),
  /** A draft policy to try; the company's current policy when absent. */
  policy: dunningPolicySchema.optional(),
  /** When the invoice would be transmitted; now when absent. */
  transmitted_at: z.iso.datetime({ offset: true }).optional(),
});

/**
 * What a policy would do to an invoice, never paid: computed by the same pure functions the
 * invoice workflow runs step by step. Fees are shown conditional on their notice's delivery,
 * fallback letters conditional on no other channel having reached the debtor.
 */
export function dunningPolicyPreviewRoutes(db: Db): Router {
  const r = Router();
  r.post('/companies/:id/dunning_policy/preview', requireRole('partner', 'ops'), async (req, res) => {
    const company = await visibleCompany(db, principalOf(req), String(req.params.id));
    const body = parse(policyPreviewSchema, req.body);
    const current = body.policy ? { version: null, policy: body.policy } : await currentDunningPolicy(db, company.id);
    const { debtor } = body.invoice;
    const timeline = previewTimeline(
      { policy: current.policy, dueDate: body.invoice.due_date, timezone: debtor.timezone, consumer: !debtor.organization_name },
      body.invoice.amount_cents,
      body.transmitted_at ? Date.parse(body.transmitted_at) : Date.now(),
      { hasAddress: debtor.address ? true : debtor.has_address },
    );
    res.json({ policy_version: current.version, timeline });
  });
  return r;
}
