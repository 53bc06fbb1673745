import { z } from 'zod';
import { debtCaseCloseReasons, debtCaseEnvironments, debtCaseStates } from './debt-case';
import { country, currency, isoDate, positiveAmountCents } from './schemas';
import { fitsAmountColumn, MAX_AMOUNT_CENTS } from './amounts';

/**
 * Request schemas of the debt collection case API (snake_case, as on the wire). The create body
 * mirrors the debt collection document (shared/seeds/001) in snake_case, plus `company_id`.
 */
const text = (max: number) => z.string().trim().min(1).max(max);

/** Whole numbers also given as strings ("120", "1"), as the document's own example does. */
const wholeNumber = (inner: z.ZodNumber) =>
  z
    .union([z.number(), z.string().trim().regex(/^-?\d+$/, 'must be a whole number')])
    .transform((v) => Number(v))
    .pipe(inner);
const positiveNumber = z
  .union([z.number(), z.string().trim().regex(/^\d+(\.\d+)?$/, 'must be a number')])
  .transform((v) => Number(v))
  .pipe(z.number().positive().max(1_000_000));

/** Accepts the document's upper-case spellings (`PRODUCTION`, `PRODUCT`, `MALE`) and answers lower case. */
const lowerCaseEnum = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum([...values, ...values.map((v) => v.toUpperCase())] as unknown as [string, ...string[]]).transform((v) => v.toLowerCase() as T[number]);

export const debtCaseLineItemTypes = ['product', 'discount', 'shipping', 'fee'] as const;
export const debtCaseDocumentTypes = ['invoice', 'invoice_lines', 'timeline', 'contract', 'correspondence', 'proof_of_delivery', 'other'] as const;
/** Document types a partner uploads; `invoice_lines` and `timeline` are attached by Recoup to cases from dunning. */
export const uploadableDebtCaseDocumentTypes = ['invoice', 'contract', 'correspondence', 'proof_of_delivery', 'other'] as const;

export const billingAddressSchema = z.object({
  city: text(100),
  country,
  family_name: text(100),
  given_name: text(100),
  gender: lowerCaseEnum(['male', 'female', 'other']).optional(),
  mobile_phone_number: z.string().regex(/^\+?[0-9 ()-]{6,20}$/, 'must be a phone number').optional(),
  organization_name: text(200).optional(),
  post_code: text(20),
  postal_state: text(100).optional(),
  street: text(200),
});

export const debtCaseLineItemSchema = z.object({
  /** The line's total including tax (not per unit), in minor units; discounts are negative. */
  amount_including_tax_cents: wholeNumber(z.number().int().min(-MAX_AMOUNT_CENTS).max(MAX_AMOUNT_CENTS)),
  name: text(200),
  quantity: positiveNumber,
  sku: text(100),
  type: lowerCaseEnum(debtCaseLineItemTypes),
  unique_id: text(100),
  shipping_required: z.boolean().optional(),
});

export const debtCaseCreateSchema = z.object({
  company_id: text(64),
  billing_address: billingAddressSchema,
  contract_date: isoDate,
  currency,
  due_date: isoDate,
  environment: lowerCaseEnum(debtCaseEnvironments),
  external_id: text(100),
  language: z.string().regex(/^[a-z]{2}([_-][A-Za-z]{2})?$/, 'must be a language such as de_DE or en'),
  line_items: z
    .array(debtCaseLineItemSchema)
    .min(1)
    .max(500)
    // The case's amount is their sum, kept in an integer column.
    .refine((items) => fitsAmountColumn(items.reduce((sum, l) => sum + l.amount_including_tax_cents, 0)), { message: `the line items must add up to at most ${MAX_AMOUNT_CENTS} cents` }),
  reference: text(140),
  /** The invoice this case is about, when it is one of the company's invoices in Recoup. */
  invoice_id: text(64).optional(),
});
export type DebtCaseCreate = z.infer<typeof debtCaseCreateSchema>;

export const debtCaseListQuerySchema = z.object({
  company_id: z.string().max(64).optional(),
  state: z.enum(debtCaseStates).optional(),
  environment: lowerCaseEnum(debtCaseEnvironments).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const debtCaseReviewSchema = z.object({
  decision: z.enum(['approve', 'reject']),
  /** Mandatory: the audit trail says why. */
  reason: text(1000),
});

export const debtCaseCollectedAmountSchema = z.object({
  amount_cents: positiveAmountCents,
  collected_at: z.iso.datetime({ offset: true }).optional(),
});

export const debtCaseCloseSchema = z.object({
  reason: z.enum(debtCaseCloseReasons),
  note: text(1000).optional(),
});

/** The multipart fields of `POST /debt_collection_cases/{id}/documents` besides `file`. */
export const debtCaseDocumentFieldsSchema = z.object({
  type: z.enum(uploadableDebtCaseDocumentTypes),
  name: text(255).optional(),
});

/**
 * A status callback from an `http` collector (`POST /webhooks/collectors/{case id}`), signed like
 * the hand-off: collected amounts (each with the collector's own id, so a resent callback counts
 * once) and/or the case's end.
 */
export const collectorCallbackSchema = z
  .object({
    collected_amounts: z
      .array(z.object({ id: text(100), amount_cents: positiveAmountCents, collected_at: z.iso.datetime({ offset: true }).optional() }))
      .max(100)
      .optional(),
    status: z.enum(['processing', 'closed']).optional(),
    close_reason: z.enum(['collected', 'partially_collected', 'uncollectible', 'withdrawn']).optional(),
    note: text(1000).optional(),
  })
  .refine((c) => c.status !== 'closed' || c.close_reason !== undefined, { message: 'a closed status needs close_reason', path: ['close_reason'] });
export type CollectorCallback = z.infer<typeof collectorCallbackSchema>;
