import { sql } from 'drizzle-orm';
import {
  bigserial,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { InvoiceStatus } from '../domain/invoice-status';
import type { DunningPolicy } from '../domain/dunning-policy';
import type { Debtor, CompanyContact, BankAccount } from '../domain/schemas';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

export const partners = pgTable('partners', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  ipAllowList: jsonb('ip_allow_list').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  createdAt: createdAt(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    partnerId: text('partner_id').references(() => partners.id),
    role: text('role').$type<'partner' | 'reviewer' | 'ops'>().notNull(),
    secretHash: text('secret_hash').notNull(),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('api_keys_secret_hash').on(t.secretHash)],
);

export const companies = pgTable(
  'companies',
  {
    id: text('id').primaryKey(),
    partnerId: text('partner_id').notNull().references(() => partners.id),
    name: text('name').notNull(),
    country: text('country').notNull(),
    currency: text('currency').notNull(),
    locale: text('locale').notNull(),
    timezone: text('timezone').notNull(),
    contact: jsonb('contact').$type<CompanyContact>(),
    bankAccount: jsonb('bank_account').$type<BankAccount>(),
    externalId: text('external_id'),
    status: text('status').$type<'pending_verification' | 'verified' | 'rejected'>().notNull().default('pending_verification'),
    verificationReason: text('verification_reason'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('companies_partner').on(t.partnerId, t.id)],
);

export const dunningPolicies = pgTable(
  'dunning_policies',
  {
    companyId: text('company_id').notNull().references(() => companies.id),
    version: integer('version').notNull(),
    policy: jsonb('policy').$type<DunningPolicy>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('dunning_policies_company_version').on(t.companyId, t.version)],
);

export const imports = pgTable(
  'imports',
  {
    id: text('id').primaryKey(),
    partnerId: text('partner_id').notNull().references(() => partners.id),
    companyId: text('company_id').notNull().references(() => companies.id),
    title: text('title'),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    status: text('status').$type<'draft' | 'transmitting' | 'transmitted'>().notNull().default('draft'),
    transmittedAt: timestamp('transmitted_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('imports_company').on(t.companyId, t.id)],
);

export const invoices = pgTable(
  'invoices',
  {
    id: text('id').primaryKey(),
    partnerId: text('partner_id').notNull().references(() => partners.id),
    companyId: text('company_id').notNull().references(() => companies.id),
    importId: text('import_id').notNull().references(() => imports.id),
    invoiceNumber: text('invoice_number').notNull(),
    externalId: text('external_id'),
    issueDate: date('issue_date', { mode: 'string' }).notNull(),
    dueDate: date('due_date', { mode: 'string' }).notNull(),
    currency: text('currency').notNull(),
    reference: text('reference'),
    debtor: jsonb('debtor').$type<Debtor>().notNull(),
    amountTotalCents: integer('amount_total_cents').notNull().default(0),
    amountPaidCents: integer('amount_paid_cents').notNull().default(0),
    amountCreditedCents: integer('amount_credited_cents').notNull().default(0),
    feesCents: integer('fees_cents').notNull().default(0),
    overpaidCents: integer('overpaid_cents').notNull().default(0),
    status: text('status').$type<InvoiceStatus>().notNull().default('draft'),
    dunningLevel: integer('dunning_level').notNull().default(0),
    nextActionAt: timestamp('next_action_at', { withTimezone: true, mode: 'date' }),
    policyVersion: integer('policy_version'),
    /** The workflow's state revision last written; an older write never overwrites a newer one. */
    revision: integer('revision').notNull().default(0),
    debtCollectionCaseId: text('debt_collection_case_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('invoices_partner_id').on(t.partnerId, t.id),
    index('invoices_import').on(t.importId, t.id),
    index('invoices_company_status').on(t.companyId, t.status),
    index('invoices_updated').on(t.partnerId, t.updatedAt),
  ],
);

export const invoiceLines = pgTable(
  'invoice_lines',
  {
    id: text('id').primaryKey(),
    invoiceId: text('invoice_id').notNull().references(() => invoices.id),
    description: text('description').notNull(),
    amountCents: integer('amount_cents').notNull(),
    quantity: numeric('quantity', { mode: 'number' }).notNull().default(1),
    vatRate: numeric('vat_rate', { mode: 'number' }).notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [index('invoice_lines_invoice').on(t.invoiceId, t.id)],
);

/** Money movements on an invoice; `key` makes a retried activity or request record it once. */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: text('id').primaryKey(),
    invoiceId: text('invoice_id').notNull().references(() => invoices.id),
    kind: text('kind').$type<'payment' | 'credit' | 'fee'>().notNull(),
    amountCents: integer('amount_cents').notNull(),
    key: text('key').notNull(),
    externalId: text('external_id'),
    reason: text('reason'),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('ledger_entries_invoice_key').on(t.invoiceId, t.key)],
);

/** Every message to a debtor. Doubles as the dev outbox when no provider is configured. */
export const messages = pgTable(
  'messages',
  {
    id: text('id').primaryKey(),
    invoiceId: text('invoice_id').notNull().references(() => invoices.id),
    partnerId: text('partner_id').notNull(),
    companyId: text('company_id').notNull(),
    channel: text('channel').$type<'email' | 'sms'>().notNull(),
    kind: text('kind').notNull(),
    /** (invoice, step, channel): the business key that makes a send happen once. */
    sendKey: text('send_key').notNull(),
    recipient: text('recipient').notNull(),
    subject: text('subject'),
    bodyText: text('body_text').notNull(),
    bodyHtml: text('body_html'),
    status: text('status').$type<'sending' | 'sent' | 'delivered' | 'failed' | 'outbox'>().notNull(),
    transport: text('transport').notNull(),
    providerMessageId: text('provider_message_id'),
    error: text('error'),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('messages_send_key').on(t.sendKey), index('messages_invoice').on(t.invoiceId)],
);

/** The event outbox: written in the same transaction as the change it reports. */
export const events = pgTable(
  'events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull(),
    partnerId: text('partner_id').notNull(),
    companyId: text('company_id'),
    invoiceId: text('invoice_id'),
    type: text('type').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    /** Set by activities so a retried activity writes its event once. */
    dedupeKey: text('dedupe_key'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('events_id').on(t.id),
    uniqueIndex('events_dedupe_key').on(t.dedupeKey),
    index('events_partner_seq').on(t.partnerId, t.seq),
    index('events_invoice_seq').on(t.invoiceId, t.seq),
  ],
);

export const companyDocuments = pgTable('company_documents', {
  id: text('id').primaryKey(),
  companyId: text('company_id').notNull().references(() => companies.id),
  type: text('type').notNull(),
  filename: text('filename').notNull(),
  contentType: text('content_type').notNull(),
  sizeBytes: integer('size_bytes').notNull(),
  storageKey: text('storage_key').notNull(),
  createdAt: createdAt(),
});
