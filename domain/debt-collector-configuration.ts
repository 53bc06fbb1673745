import { z } from 'zod';
import { amountCents, country, currency } from './schemas';

/**
 * A company's debt collector configurations: an ordered list; the first whose conditions match
 * a case picks the collector and whether a reviewer must approve the hand-off.
 */
export const debtCollectorKinds = ['in_house', 'http', 'file'] as const;
export type DebtCollectorKind = (typeof debtCollectorKinds)[number];

export const collectorConditionsSchema = z
  .object({
    min_amount_cents: amountCents.optional(),
    max_amount_cents: amountCents.optional(),
    currencies: z.array(currency).min(1).max(50).optional(),
    countries: z.array(country).min(1).max(250).optional(),
  })
  .refine((c) => c.min_amount_cents === undefined || c.max_amount_cents === undefined || c.min_amount_cents <= c.max_amount_cents, {
    message: 'must not be below min_amount_cents',
    path: ['max_amount_cents'],
  });
export type CollectorConditions = z.infer<typeof collectorConditionsSchema>;

export const debtCollectorConfigurationSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    collector: z.enum(debtCollectorKinds),
    review_required: z.boolean(),
    /**
     * The partner lets the company's own admins approve or reject, in the company dashboard, the
     * cases this configuration sends to review (reviewers and ops still may). Off when absent.
     */
    company_may_review: z
      .boolean()
      .optional()
      .describe("When true, the company's own admins may approve or reject its cases under review in the dashboard (only with review_required)"),
    conditions: collectorConditionsSchema,
    /** Collector-specific settings; `url` is where an `http` collector receives cases. */
    settings: z
      .looseObject({
        url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000).optional(),
      })
      .optional(),
  })
  .refine((c) => c.collector !== 'http' || c.settings?.url !== undefined, {
    message: 'an http collector needs settings.url',
    path: ['settings', 'url'],
  })
  .refine((c) => !c.company_may_review || c.review_required, {
    message: 'the company can review only cases that go to review: set review_required too',
    path: ['company_may_review'],
  });
export type DebtCollectorConfiguration = z.infer<typeof debtCollectorConfigurationSchema>;

export const debtCollectorConfigurationListSchema = z
  .array(debtCollectorConfigurationSchema)
  .max(50)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', message: 'names must be unique in the list', path: [i, 'name'] });
      seen.add(c.name);
    });
  });
