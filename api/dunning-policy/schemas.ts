import { z } from 'zod';
import { dunningPolicySchema } from '../../domain/dunning-policy';
import { addressSchema, country, currency, isoDate, locale, positiveAmountCents, timezone } from '../../domain/schemas';

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

/** The body of a PUT: the resource as GET answers it (`{ policy }`), or the bare policy. */
export const wrappedPolicySchema = z.object({ policy: dunningPolicySchema });
