import { z } from 'zod';
import { bankAccountSchema, companyContactSchema, debtorSchema, isoDate } from '../../domain/schemas';
import { channelSchema, dunningPolicySchema } from '../../domain/dunning-policy';
import { debtCaseCloseReasons, debtCaseEnvironments, debtCaseStates } from '../../domain/debt-case';
import { debtCollectorConfigurationSchema } from '../../domain/debt-collector-configuration';
import { invoiceStatuses } from '../../domain/invoice-status';
import { eventTypes } from '../../domain/events';
import type { companyResource, eventResource, importResource, invoiceLineResource, invoiceResource, ledgerEntryResource } from '../../resources/serializers';
import type { documentResource } from '../documents/routes';
import type { sftpLoginResource } from '../partners/routes';
import type { webhookAttemptResource, webhookEndpointResource } from '../webhooks/resources';

/**
 * What the partner API answers, as zod schemas for the OpenAPI document only (responses are built
 * by the serializers, not parsed). The checks at the bottom fail `tsc` when a serializer and its
 * documented schema drift apart.
 */

const timestamp = z.iso.datetime();
const nullableText = z.string().nullable();

export const errorSchema = z.object({
  error: z.object({
    code: z.string().describe('Machine-readable, e.g. `validation_failed`, `not_found`, `company_not_verified`, `rate_limited`'),
    message: z.string().describe('A human sentence'),
    details: z.array(z.object({ path: z.string(), message: z.string() })).describe('For 400: one entry per invalid field'),
  }),
});

export const partnerSchema = z.object({ id: z.string(), name: z.string(), ip_allow_list: z.array(z.string()), created_at: timestamp });
export const apiKeyCreatedSchema = z.object({
  id: z.string(),
  role: z.enum(['partner', 'reviewer', 'ops']),
  partner_id: nullableText,
  secret: z.string().describe('Shown once: only a hash is stored'),
});

export const sftpLoginSchema = z.object({
  id: z.string(),
  partner_id: z.string(),
  username: z.string(),
  has_password: z.boolean(),
  public_keys: z.array(z.string()),
  created_at: timestamp,
  revoked_at: timestamp.nullable(),
});
export const sftpLoginCreatedSchema = z.object({
  id: z.string(),
  partner_id: z.string(),
  username: z.string(),
  password: nullableText.describe('Shown once: the one given, or a generated one when neither a password nor a key was given; only a hash is stored'),
  public_keys: z.array(z.string()),
  created_at: timestamp,
});

export const companySchema = z.object({
  id: z.string(),
  name: z.string(),
  country: z.string(),
  currency: z.string(),
  locale: z.string(),
  timezone: z.string(),
  contact: companyContactSchema.nullable(),
  bank_account: bankAccountSchema.nullable(),
  external_id: nullableText,
  status: z.enum(['pending_verification', 'verified', 'rejected']),
  verification_reason: nullableText,
  created_at: timestamp,
  updated_at: timestamp,
});

export const importSchema = z.object({
  id: z.string(),
  company_id: z.string(),
  title: nullableText,
  settings: z.record(z.string(), z.unknown()),
  status: z.enum(['draft', 'transmitting', 'transmitted']),
  counts: z.record(z.string(), z.number().int()).describe('`total` and the number of invoices per status'),
  transmitted_at: timestamp.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});

export const invoiceLineResourceSchema = z.object({
  id: z.string(),
  invoice_id: z.string(),
  description: z.string(),
  amount_cents: z.number().int(),
  quantity: z.number(),
  vat_rate: z.number(),
});

/** A guardrail an invoice's next action waits for. */
const guardrailWaitSchema = z.object({
  check: z.string().describe('`quiet_hours`, `contact_limit` or `contact_gap`'),
  result: z.literal('waited'),
  until: timestamp.optional(),
  detail: z.string().optional(),
});

export const invoiceSchema = z.object({
  id: z.string(),
  company_id: z.string(),
  import_id: z.string(),
  invoice_number: z.string(),
  external_id: nullableText,
  issue_date: z.iso.date(),
  due_date: z.iso.date(),
  currency: z.string(),
  reference: nullableText,
  payment_reference: z
    .string()
    .regex(/^RF[0-9]{2}[A-Z0-9]{1,21}$/)
    .describe('ISO 11649 structured creditor reference Recoup assigned (unique across all partners). The debtor pays with it; bank reconciliation matches it first.'),
  debtor: debtorSchema,
  debtor_id: z.string().describe('The debtor account the invoice joined: by `debtor.external_id` when given, else normalised email, else E.164 phone (docs/debtors.md)'),
  status: z.enum(invoiceStatuses),
  amount_total_cents: z.number().int(),
  amount_paid_cents: z.number().int(),
  amount_credited_cents: z.number().int(),
  fees_cents: z.number().int(),
  amount_due_cents: z.number().int(),
  overpaid_cents: z.number().int(),
  dunning_level: z.number().int(),
  next_action_at: timestamp.nullable(),
  next_action: z
    .object({
      at: timestamp.describe('The same moment as `next_action_at`'),
      action: z.string().nullable().describe('`invoice_notice`, a policy step\'s action (`reminder`, `dunning_level`, `debt_collection`) or `fee`; null for invoices scheduled before this field existed'),
      reason: z
        .string()
        .nullable()
        .describe('Why then: the first guardrail that moved it later (`quiet_hours`: night in the debtor\'s timezone, `contact_limit`, `contact_gap`), or `policy_schedule` (the policy\'s own time)'),
      guardrails: z.array(guardrailWaitSchema).describe('The guardrails it waits for, each with `until`'),
    })
    .nullable()
    .describe('What `next_action_at` waits for and why; null when nothing is scheduled. The timeline says so too (`invoice.transmitted` `notice_at` and `guardrails`; `invoice.next_action_delayed`).'),
  policy_version: z.number().int().nullable(),
  debt_collection_case_id: nullableText,
  created_at: timestamp,
  updated_at: timestamp,
  invoice_lines: z.array(invoiceLineResourceSchema).optional().describe('In answers about one invoice, not in lists'),
  last_notice: z
    .object({
      channel: z.enum(['email', 'sms', 'letter']),
      delivered_at: timestamp.describe('Email: when the mail server accepted it (SMTP 250); SMS: the delivery report (else when it was sent); letter: when it was posted'),
      message_id: z.string(),
    })
    .nullable()
    .optional()
    .describe(
      'The last message about the invoice that reached the debtor, as far as Recoup can know: an email the mail server accepted, an SMS the provider reported delivered, a letter handed to the post; null when none did. In `GET /invoices/{id}`, not in lists.',
    ),
});

export const creditNoteSchema = z.object({
  id: z.string(),
  invoice_id: z.string(),
  amount_cents: z.number().int(),
  reason: nullableText,
  invoice: invoiceSchema,
});

const ledgerEntryFields = {
  id: z.string(),
  invoice_id: z.string(),
  amount_cents: z.number().int(),
  external_id: nullableText,
  reason: nullableText,
  occurred_at: timestamp,
};
export const paymentReceivedSchema = z.object({ ...ledgerEntryFields, invoice: invoiceSchema });

export const eventSchema = z.object({
  id: z.string(),
  sequence: z.number().int(),
  type: z.enum(eventTypes),
  created_at: timestamp,
  company_id: nullableText,
  invoice_id: nullableText,
  data: z.record(z.string(), z.unknown()),
});

export const companyDocumentSchema = z.object({
  id: z.string(),
  company_id: z.string(),
  type: z.string(),
  filename: z.string(),
  content_type: z.string(),
  size_bytes: z.number().int(),
  created_at: timestamp,
});

export const dunningPolicyResourceSchema = z.object({
  company_id: z.string(),
  version: z.number().int().describe('0 is the built-in default; each PUT stores the next version'),
  policy: dunningPolicySchema,
  created_at: timestamp.nullable(),
});

export const debtCollectorConfigurationsResourceSchema = z.object({
  company_id: z.string(),
  version: z.number().int(),
  configurations: z.array(debtCollectorConfigurationSchema),
  created_at: timestamp.nullable(),
});

export const webhookEndpointSchema = z.object({ id: z.string(), url: z.string(), event_types: z.array(z.enum(eventTypes)), created_at: timestamp });
export const webhookEndpointCreatedSchema = webhookEndpointSchema.extend({
  secret: z.string().describe('`whsec_` + base64; shown once. Verify deliveries with it (Standard Webhooks)'),
});
export const webhookAttemptSchema = z.object({
  id: z.string(),
  endpoint_id: z.string(),
  event_id: z.string(),
  delivery_id: z.string(),
  attempt: z.number().int(),
  status_code: z.number().int().nullable(),
  succeeded: z.boolean(),
  error: nullableText,
  duration_ms: z.number().int(),
  attempted_at: timestamp,
});
export const webhookRedeliverySchema = z.object({ delivery_id: z.string(), endpoint_id: z.string(), event_id: z.string() });

export const pullSourceSchema = z.object({
  company_id: z.string(),
  url: z.string(),
  interval_minutes: z.number().int(),
  auto_transmit: z.boolean(),
  schedule_id: z.string(),
  draft_import_id: nullableText,
  last_run_at: timestamp.nullable(),
  last_status: nullableText,
  last_error: nullableText,
  last_imported_count: z.number().int().nullable(),
  last_result: z.record(z.string(), z.unknown()).nullable().describe('What the last run received, created, updated and skipped (with each skipped record\'s errors)'),
  created_at: timestamp,
  updated_at: timestamp,
});

export const dunningPolicyPreviewSchema = z.object({
  policy_version: z.number().int().nullable().describe('The company policy version used; null for a draft given in the request'),
  timeline: z.array(
    z.looseObject({
      at: timestamp,
      action: z.enum(['invoice_notice', 'reminder', 'dunning_level', 'fee', 'debt_collection']),
      level: z.number().int().optional(),
      channels: z.array(channelSchema),
      fee_cents: z.number().int().optional().describe('Charged by this entry (a `fee` entry: after its notice period, if still unpaid)'),
      fee_type: z.enum(['fixed', 'percentage', 'wik']).optional(),
      announced_fee_cents: z.number().int().optional().describe('Announced by this step\'s message, charged later by a `fee` entry'),
      fee_pay_by: isoDate.optional().describe('The last day to pay to avoid the announced fee'),
      fallback: z.literal('letter').optional().describe('A fallback letter of the step'),
      conditional: z
        .enum(['notice_delivered', 'no_channel_accepted'])
        .optional()
        .describe('`notice_delivered`: the fee is charged only if its notice was accepted on at least one channel; `no_channel_accepted`: the fallback letter goes only if no other channel of the step reached the debtor'),
      guardrails: z.array(z.looseObject({})).describe('The guardrail checks the step passed or waited for'),
    }),
  ),
});

/** The fields every case answers carries; the full answer has more (review, collector, hand-off, details). */
export const debtCollectionCaseSchema = z
  .looseObject({
    id: z.string(),
    company_id: z.string(),
    invoice_id: nullableText,
    external_id: nullableText,
    source: z.string().describe('How the case came about: from dunning, by hand, or from a chargeback'),
    environment: z.enum(debtCaseEnvironments),
    state: z.enum(debtCaseStates),
    currency: z.string(),
    amount_cents: z.number().int(),
    collected_amount_cents: z.number().int(),
    outstanding_amount_cents: z.number().int(),
    close_reason: z.enum(debtCaseCloseReasons).nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .describe('A debt collection case. One case (not a list) also carries `documents`, `collected_amounts` and `timeline`.');

export const debtCaseDocumentSchema = z.looseObject({
  id: z.string(),
  debt_collection_case_id: z.string(),
  type: z.string(),
  name: z.string().nullable(),
  content_type: z.string(),
  size_bytes: z.number().int(),
  automatic: z.boolean(),
  created_at: timestamp,
});

export const debtCaseCollectedAmountResultSchema = z.looseObject({
  id: z.string(),
  amount_cents: z.number().int(),
  collected_at: timestamp,
  case: debtCollectionCaseSchema,
});

/** `{ data, next_cursor }`: every list of the API. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() });
}

// --- drift checks: each serializer answers exactly the documented keys, with assignable types ---

type AllKeys<T> = T extends unknown ? keyof T : never;
/** Documented enums are read from columns typed `string`: compare them as strings. */
type Widen<T> = T extends string ? string : T extends Array<infer U> ? Array<Widen<U>> : T extends object ? { [K in keyof T]: Widen<T[K]> } : T;
type Documents<Schema extends z.ZodType, Answer> = [Answer] extends [Widen<z.output<Schema>>]
  ? [AllKeys<Answer>] extends [AllKeys<z.output<Schema>>]
    ? [AllKeys<z.output<Schema>>] extends [AllKeys<Answer>]
      ? true
      : { missingFromAnswer: Exclude<AllKeys<z.output<Schema>>, AllKeys<Answer>> }
    : { undocumented: Exclude<AllKeys<Answer>, AllKeys<z.output<Schema>>> }
  : { notAssignable: Answer };

export const serializersMatchTheirSchemas: [
  Documents<typeof companySchema, ReturnType<typeof companyResource>>,
  Documents<typeof importSchema, ReturnType<typeof importResource>>,
  Documents<typeof invoiceSchema, ReturnType<typeof invoiceResource>>,
  Documents<typeof invoiceLineResourceSchema, ReturnType<typeof invoiceLineResource>>,
  Documents<z.ZodObject<typeof ledgerEntryFields>, ReturnType<typeof ledgerEntryResource>>,
  Documents<typeof eventSchema, ReturnType<typeof eventResource>>,
  Documents<typeof companyDocumentSchema, ReturnType<typeof documentResource>>,
  Documents<typeof webhookEndpointSchema, ReturnType<typeof webhookEndpointResource>>,
  Documents<typeof webhookAttemptSchema, ReturnType<typeof webhookAttemptResource>>,
  Documents<typeof sftpLoginSchema, ReturnType<typeof sftpLoginResource>>,
] = [true, true, true, true, true, true, true, true, true, true];
