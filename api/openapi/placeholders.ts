import { z } from 'zod';
import { amountCents, country, currency, isoDate, locale, positiveAmountCents, timezone } from '../../domain/schemas';
import { channelSchema, dunningPolicySchema } from '../../domain/dunning-policy';

/**
 * PLACEHOLDERS. Request and response schemas of contract routes that are still being built, written
 * from the contract's text so the OpenAPI document lists every route now. Each is marked
 * `x-placeholder: true` in the document. When a route lands, export the zod schema it validates
 * with and point its registry entry at that instead of the one here.
 */

const reason = z.string().trim().min(1).max(1000);

// POST /companies/{id}/dunning_policy/preview
export const dunningPolicyPreviewSchema = z.object({
  invoice: z.object({
    amount_cents: positiveAmountCents,
    currency,
    due_date: isoDate,
    debtor: z.object({ country, locale, timezone }),
  }),
  policy: dunningPolicySchema.optional().describe("A draft to try; the company's current policy when left out"),
});
export const dunningPolicyPreviewResultSchema = z.object({
  timeline: z.array(
    z.object({
      at: z.iso.datetime(),
      action: z.enum(['reminder', 'dunning_level', 'debt_collection']),
      level: z.number().int().optional(),
      channels: z.array(channelSchema),
      fee_cents: z.number().int().optional(),
      guardrails: z.array(z.record(z.string(), z.unknown())).describe('The guardrail checks the step passed or waited for'),
    }),
  ),
});

// Debt collection cases
export const debtCaseStates = ['preparing', 'reviewing', 'processing', 'closed'] as const;
export const debtCaseCloseReasons = ['collected', 'partially_collected', 'uncollectible', 'rejected', 'withdrawn'] as const;

export const debtCollectionCaseCreateSchema = z.object({
  company_id: z.string().min(1).max(64),
  billing_address: z.object({
    city: z.string().max(100).optional(),
    country: country.optional(),
    family_name: z.string().max(100).optional(),
    gender: z.string().max(20).optional(),
    given_name: z.string().max(100).optional(),
    mobile_phone_number: z.string().max(32).optional(),
    organization_name: z.string().max(200).optional(),
    post_code: z.string().max(20).optional(),
    postal_state: z.string().max(100).optional(),
    street: z.string().max(200).optional(),
  }),
  contract_date: isoDate.optional(),
  currency,
  due_date: isoDate,
  environment: z.enum(['test', 'production']).describe('Test cases are never sent to a real collector'),
  external_id: z.string().min(1).max(100).describe('Unique per company: creating it again answers the existing case'),
  language: z.string().max(10).optional(),
  line_items: z
    .array(
      z.object({
        amount_including_tax_cents: amountCents,
        name: z.string().min(1).max(200),
        quantity: z.number().positive(),
        sku: z.string().max(100).optional(),
        type: z.string().max(40).optional(),
        unique_id: z.string().max(100),
      }),
    )
    .min(1),
  reference: z.string().max(140).optional(),
});
export const debtCollectionCaseListQuerySchema = z.object({
  company_id: z.string().max(64).optional(),
  state: z.enum(debtCaseStates).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
export const debtCollectionCaseSchema = z.object({
  id: z.string(),
  company_id: z.string(),
  invoice_id: z.string().nullable(),
  external_id: z.string().nullable(),
  environment: z.enum(['test', 'production']),
  state: z.enum(debtCaseStates),
  origin: z.string().describe('How the case came about: dunning, manual or chargeback'),
  currency: z.string(),
  amount_cents: z.number().int(),
  collected_amount_cents: z.number().int(),
  close_reason: z.enum(debtCaseCloseReasons).nullable(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});
export const debtCaseDocumentUploadSchema = z.object({ type: z.string().max(64).optional(), file: z.file() });
export const debtCaseReviewSchema = z.object({ decision: z.enum(['approve', 'reject']), reason: reason.optional() });
export const debtCaseCollectedAmountSchema = z.object({ amount_cents: positiveAmountCents, collected_at: z.iso.datetime({ offset: true }).optional() });
export const debtCaseCloseSchema = z.object({ reason: z.enum(debtCaseCloseReasons), note: reason.optional() });

// GET /companies/{id}/statements/…
export const statementQuerySchema = z.object({ from: isoDate, to: isoDate });
