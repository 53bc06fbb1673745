import { z } from 'zod';
import { isValidTimezone } from './local-time';
import { invoiceStatuses } from './invoice-status';
import { fitsAmountColumn, invoiceTotal, lineTotal, MAX_AMOUNT_CENTS } from './amounts';

/**
 * Request and resource schemas of the partner API (snake_case, as on the wire).
 * Pure zod: the API validates with them, the OpenAPI document is generated from them,
 * and workflows may import their types.
 */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'must be a real calendar date');
export const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR');
export const country = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as NL');
export const locale = z.enum(['nl', 'en', 'de', 'fr']);
export const timezone = z.string().min(1).max(64).refine(isValidTimezone, 'must be an IANA timezone such as Europe/Amsterdam');
const tooLarge = `must be at most ${MAX_AMOUNT_CENTS} cents`;
export const amountCents = z.number().int('must be an integer amount in cents').min(0).max(MAX_AMOUNT_CENTS, tooLarge);
export const positiveAmountCents = amountCents.min(1, 'must be at least 1 cent');
const text = (max: number) => z.string().trim().min(1).max(max);

export const addressSchema = z.object({
  street: text(200),
  postal_code: text(20),
  city: text(100),
  country,
});

export const debtorSchema = z
  .object({
    /** The partner's own id for this person or organisation: invoices carrying it join one debtor (domain/debtor-identity.ts). */
    external_id: text(100).optional(),
    first_name: text(100).optional(),
    last_name: text(100).optional(),
    organization_name: text(200).optional(),
    email: z.email().max(254).optional(),
    phone: z.string().regex(/^\+?[0-9 ()-]{6,20}$/, 'must be a phone number').optional(),
    address: addressSchema.optional(),
    locale: locale.default('en'),
    timezone: timezone.default('Europe/Amsterdam'),
  })
  .refine((d) => d.organization_name !== undefined || d.last_name !== undefined, {
    message: 'a debtor needs last_name or organization_name',
    path: ['last_name'],
  });
export type Debtor = z.infer<typeof debtorSchema>;

export const debtorPatchSchema = z.object({
  email: z.email().max(254).optional(),
  phone: z.string().regex(/^\+?[0-9 ()-]{6,20}$/, 'must be a phone number').optional(),
  address: addressSchema.optional(),
  locale: locale.optional(),
  timezone: timezone.optional(),
}).refine((p) => Object.keys(p).length > 0, { message: 'give at least one field to change' });
export type DebtorPatch = z.infer<typeof debtorPatchSchema>;

export const companyContactSchema = z.object({ email: z.email().optional(), phone: z.string().max(32).optional() });
export type CompanyContact = z.infer<typeof companyContactSchema>;
export const bankAccountSchema = z.object({
  iban: z.string().regex(/^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$/, 'must be an IBAN without spaces'),
  bic: z.string().regex(/^[A-Z0-9]{8}([A-Z0-9]{3})?$/, 'must be a BIC').optional(),
  holder: text(140),
});
export type BankAccount = z.infer<typeof bankAccountSchema>;

export const companyCreateSchema = z.object({
  name: text(200),
  country,
  currency: currency.default('EUR'),
  locale: locale.default('en'),
  timezone: timezone.default('Europe/Amsterdam'),
  contact: companyContactSchema.optional(),
  bank_account: bankAccountSchema.optional(),
  external_id: text(100).optional(),
});
// Without the create defaults: a PATCH that leaves out currency, locale or timezone must not reset them.
export const companyPatchSchema = companyCreateSchema.extend({ currency, locale, timezone }).partial();

export const verificationDecisionSchema = z.object({
  decision: z.enum(['approve', 'reject']),
  reason: text(1000).optional(),
});

export const importCreateSchema = z.object({
  company_id: text(64),
  title: text(200).optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
});

export const invoiceLineSchema = z
  .object({
    description: text(500),
    amount_cents: z.number().int('must be an integer amount in cents').min(-MAX_AMOUNT_CENTS, `must be at least -${MAX_AMOUNT_CENTS} cents`).max(MAX_AMOUNT_CENTS, tooLarge),
    quantity: z.number().positive().max(1_000_000).default(1),
    vat_rate: z.number().min(0).max(100).default(0),
  })
  .refine((l) => fitsAmountColumn(lineTotal({ amountCents: l.amount_cents, quantity: l.quantity })), {
    path: ['quantity'],
    message: `amount_cents × quantity must be within ±${MAX_AMOUNT_CENTS} cents`,
  });

/** An invoice's lines: their total must fit the invoice's amount columns too. */
const invoiceLinesSchema = z
  .array(invoiceLineSchema)
  .min(1)
  .max(500)
  .refine((lines) => fitsAmountColumn(invoiceTotal(lines.map((l) => ({ amountCents: l.amount_cents, quantity: l.quantity })))), {
    message: `the lines must add up to at most ${MAX_AMOUNT_CENTS} cents`,
  });

export const invoiceCreateSchema = z.object({
  import_id: text(64),
  invoice_number: text(100),
  external_id: text(100).optional(),
  issue_date: isoDate,
  due_date: isoDate,
  currency: currency.optional(),
  reference: text(140).optional(),
  debtor: debtorSchema,
  invoice_lines: invoiceLinesSchema,
});

export const creditSchema = z.object({ amount_cents: positiveAmountCents, reason: text(500).optional() });
export const reasonSchema = z.object({ reason: text(500).optional() });
export const paymentSchema = z.object({
  amount_cents: positiveAmountCents,
  paid_at: z.iso.datetime({ offset: true }).optional(),
  external_id: text(100),
});

export const promiseToPaySchema = z.object({ date: isoDate });
export const paymentPlanSchema = z.object({
  installment_count: z.number().int().min(2).max(60),
  first_due_date: isoDate,
  interval_days: z.number().int().min(7).max(92).default(30),
});

export const invoiceListQuerySchema = z.object({
  company_id: z.string().optional(),
  import_id: z.string().optional(),
  status: z.enum(invoiceStatuses).optional(),
  updated_since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

const ipOrCidr = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]);
export const partnerCreateSchema = z.object({
  name: text(200),
  ip_allow_list: z
    .array(z.string().max(64).refine((s) => ipOrCidr.safeParse(s).success, 'must be an IP address or a CIDR such as 10.0.0.0/8'))
    .max(100)
    .optional(),
});
export const apiKeyCreateSchema = z.object({ role: z.enum(['partner', 'reviewer', 'ops']) });
