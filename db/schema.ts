import { sql } from 'drizzle-orm';
import {
  bigserial,
  bigint,
  boolean,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { InvoiceStatus } from '../domain/invoice-status';
import type { DebtorVulnerability, VulnerabilityCategory } from '../domain/debtor-vulnerability';
import type { DisputeOutcome, DisputeVia } from '../domain/dispute';
import type { DunningPolicy } from '../domain/dunning-policy';
import type { NextActionNote } from '../domain/next-action';
import type { Debtor, CompanyContact, BankAccount } from '../domain/schemas';
import type { PulledInvoice } from '../domain/pull-integration';
import type { PullRunResult, PullRunStatus } from '../domain/pull-run';
import type { LetterContent } from '../messaging/letter';

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

/**
 * One person or organisation owing one company: the invoices of a company join a debtor by the
 * rule in domain/debtor-identity.ts. Each debtor is known by one key, and the partial unique
 * indexes below hold exactly one debtor per key, so two invoices of a new debtor stored at once
 * still make one debtor (services/debtors.ts inserts with ON CONFLICT on them).
 */
export const debtors = pgTable(
  'debtors',
  {
    id: text('id').primaryKey(),
    partnerId: text('partner_id').notNull().references(() => partners.id),
    companyId: text('company_id').notNull().references(() => companies.id),
    externalId: text('external_id'),
    name: text('name').notNull(),
    /** Trimmed and lower-cased. */
    email: text('email'),
    /** E.164. */
    phone: text('phone'),
    locale: text('locale').notNull(),
    timezone: text('timezone').notNull(),
    /** The channels the debtor opted out of, for all their invoices (services/debtor-opt-outs.ts). */
    optOuts: jsonb('opt_outs').$type<Array<'email' | 'sms'>>().notNull().default([]),
    /**
     * Set while an agent has flagged the debtor vulnerable (services/debtor-vulnerability.ts):
     * automated contact and fees stop for all their invoices. Who, when and why are audited in
     * `debtor_vulnerability_audit`.
     */
    vulnerability: jsonb('vulnerability').$type<DebtorVulnerability>(),
    /**
     * The address a hard bounce marked undeliverable (lower-cased) and when: while it is the
     * debtor's email, email steps are skipped (`email_undeliverable`) and go by the other
     * channels. A change of the debtor's email clears it.
     */
    emailUndeliverableAddress: text('email_undeliverable_address'),
    emailUndeliverableAt: timestamp('email_undeliverable_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('debtors_partner_id').on(t.partnerId, t.id),
    uniqueIndex('debtors_company_external_id').on(t.companyId, t.externalId).where(sql`${t.externalId} IS NOT NULL`),
    uniqueIndex('debtors_company_email_key').on(t.companyId, t.email).where(sql`${t.externalId} IS NULL`),
    uniqueIndex('debtors_company_phone_key').on(t.companyId, t.phone).where(sql`${t.externalId} IS NULL AND ${t.email} IS NULL`),
    // GET /debtors?email= finds a debtor by its email whatever its key.
    index('debtors_company_email').on(t.companyId, t.email),
    index('debtors_company_phone').on(t.companyId, t.phone),
  ],
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
    /** The ISO 11649 RF reference Recoup gave the invoice (normalised: no spaces, upper case). */
    paymentReference: text('payment_reference').notNull(),
    debtor: jsonb('debtor').$type<Debtor>().notNull(),
    debtorId: text('debtor_id').notNull().references(() => debtors.id),
    amountTotalCents: integer('amount_total_cents').notNull().default(0),
    amountPaidCents: integer('amount_paid_cents').notNull().default(0),
    amountCreditedCents: integer('amount_credited_cents').notNull().default(0),
    feesCents: integer('fees_cents').notNull().default(0),
    overpaidCents: integer('overpaid_cents').notNull().default(0),
    status: text('status').$type<InvoiceStatus>().notNull().default('draft'),
    dunningLevel: integer('dunning_level').notNull().default(0),
    nextActionAt: timestamp('next_action_at', { withTimezone: true, mode: 'date' }),
    /** What `next_action_at` waits for and why (the guardrails that moved it); shown only while its `at` matches. */
    nextAction: jsonb('next_action').$type<NextActionNote>(),
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
    index('invoices_debtor').on(t.debtorId, t.id),
    index('invoices_updated').on(t.partnerId, t.updatedAt),
    // Batch placements and bank reconciliation look invoices up by the partner's own ids.
    index('invoices_company_external_id').on(t.companyId, t.externalId),
    // Bank reconciliation finds the invoice a remittance text names, in any letter case.
    index('invoices_reference_upper').on(sql`upper(${t.reference})`),
    index('invoices_number_upper').on(sql`upper(${t.invoiceNumber})`),
    index('invoices_id_upper').on(sql`upper(${t.id})`),
    // Unique across all partners: a bank line naming it pays exactly one invoice.
    uniqueIndex('invoices_payment_reference_unique').on(t.paymentReference),
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
    /**
     * 1, 2, 3, … in the order the partner sent the lines (ids are random within a millisecond, so
     * they cannot say it); every reader orders by it. Set by services/invoice-lines.ts; the default
     * only lets the column be added to a table that has rows (the migration numbers those).
     */
    position: integer('position').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [index('invoice_lines_invoice').on(t.invoiceId, t.id), index('invoice_lines_invoice_position').on(t.invoiceId, t.position)],
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
    channel: text('channel').$type<'email' | 'sms' | 'letter'>().notNull(),
    kind: text('kind').notNull(),
    /** (invoice, step, channel): the business key that makes a send happen once. */
    sendKey: text('send_key').notNull(),
    recipient: text('recipient').notNull(),
    subject: text('subject'),
    bodyText: text('body_text').notNull(),
    bodyHtml: text('body_html'),
    /**
     * A letter is `queued` in the print queue until it is `posted` (its `sent_at` is when it was
     * posted). An email whose delivery failed for good (a hard bounce) is `bounced`.
     */
    status: text('status').$type<'sending' | 'sent' | 'delivered' | 'failed' | 'outbox' | 'queued' | 'posted' | 'bounced'>().notNull(),
    transport: text('transport').notNull(),
    /**
     * Our side of an SMS: the sender number or messaging service SID it went from. A debtor's
     * reply comes back to that number, which is how the reply finds the invoices it answers.
     * Null for email, the dev outbox, and SMS sent before it was recorded.
     */
    sender: text('sender'),
    providerMessageId: text('provider_message_id'),
    error: text('error'),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
    /**
     * When the current attempt claimed the send key. A `sending` claim older than an attempt may
     * run was left by a dead attempt: the next attempt resumes it (and sets this anew).
     */
    claimedAt: timestamp('claimed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** Attempts that claimed this send; more than 1: an interrupted send was resumed. */
    attempts: integer('attempts').notNull().default(1),
    /** Set when a resumed send handed the message to the provider again (same Message-ID for email). */
    resentAt: timestamp('resent_at', { withTimezone: true, mode: 'date' }),
    /** When the provider reported it delivered (an SMS delivery report). */
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
    /**
     * Set when the message was one digest covering several invoices of a debtor: every covered
     * invoice has its own row (its own send key) with the same body and provider message.
     */
    digestId: text('digest_id'),
  },
  (t) => [
    uniqueIndex('messages_send_key').on(t.sendKey),
    index('messages_invoice').on(t.invoiceId),
    index('messages_digest').on(t.digestId),
    // An SMS reply looks up the messages sent to its number.
    index('messages_recipient').on(t.channel, t.recipient),
  ],
);

/**
 * The default print-and-mail adapter's daily print batches: one `open` batch per day collects the
 * day's letters until ops mark it `posted`; letters queued after that go to a new batch.
 */
export const printBatches = pgTable(
  'print_batches',
  {
    id: text('id').primaryKey(),
    /** The (UTC) day whose letters it collects. */
    batchDate: date('batch_date', { mode: 'string' }).notNull(),
    status: text('status').$type<'open' | 'posted'>().notNull().default('open'),
    createdAt: createdAt(),
    postedAt: timestamp('posted_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('print_batches_open_per_day').on(t.batchDate).where(sql`status = 'open'`)],
);

/**
 * The print queue: every letter message with what it takes to print it again. `batch_id` is set
 * by the print-batch adapter; letters handed to a print-and-mail API have none.
 */
export const letters = pgTable(
  'letters',
  {
    messageId: text('message_id')
      .primaryKey()
      .references(() => messages.id),
    batchId: text('batch_id').references(() => printBatches.id),
    content: jsonb('content').$type<LetterContent>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('letters_batch').on(t.batchId, t.createdAt)],
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
    // The daily events extract reads one partner's events of one day.
    index('events_partner_created').on(t.partnerId, t.createdAt),
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

// ─── Pull integration ────────────────────────────────────────────────────────────────────────
// A company's partner endpoint that Recoup fetches invoices from on a Temporal Schedule
// (`pull-<company id>`), and the valid records of a run, staged until every page is fetched so
// that a failed run imports nothing. See docs/pull-integration.md.

/** One per company. The bearer token is stored sealed (services/secret-box.ts), never in clear. */
export const pullSources = pgTable('pull_sources', {
  companyId: text('company_id').primaryKey().references(() => companies.id),
  partnerId: text('partner_id').notNull().references(() => partners.id),
  url: text('url').notNull(),
  bearerToken: text('bearer_token').notNull(),
  intervalMinutes: integer('interval_minutes').notNull().default(60),
  autoTransmit: boolean('auto_transmit').notNull().default(false),
  /** The draft import pulled invoices go into; once it leaves draft, the next run opens a new one. */
  draftImportId: text('draft_import_id').references(() => imports.id),
  lastRunAt: timestamp('last_run_at', { withTimezone: true, mode: 'date' }),
  lastStatus: text('last_status').$type<PullRunStatus>(),
  lastError: text('last_error'),
  lastImportedCount: integer('last_imported_count'),
  lastResult: jsonb('last_result').$type<PullRunResult>(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Valid records of a run in progress; (run, page, position) makes a retried page stage once. */
export const pullStagedInvoices = pgTable(
  'pull_staged_invoices',
  {
    runKey: text('run_key').notNull(),
    companyId: text('company_id').notNull(),
    page: integer('page').notNull(),
    position: integer('position').notNull(),
    externalId: text('external_id').notNull(),
    record: jsonb('record').$type<PulledInvoice>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.runKey, t.page, t.position] }), index('pull_staged_invoices_created').on(t.createdAt)],
);

// ─── Webhooks (push notifications) ──────────────────────────────────────────────────────────────
// Owned by the webhooks feature: endpoints, the per-attempt delivery log, and the outbox relay's cursor.

/** A partner's webhook endpoint. The secret is sealed, not hashed: every delivery is signed with it. */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    partnerId: text('partner_id').notNull().references(() => partners.id),
    url: text('url').notNull(),
    /** null: every event type, including types added later. */
    eventTypes: jsonb('event_types').$type<string[]>(),
    secret: text('secret').notNull(),
    createdAt: createdAt(),
    /** Deleting keeps the row for the attempt log; pending deliveries see it and stop. */
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('webhook_endpoints_partner').on(t.partnerId, t.id)],
);

/** Every delivery attempt; (delivery, attempt) makes a redelivered activity task log once. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: text('id').primaryKey(),
    endpointId: text('endpoint_id').notNull().references(() => webhookEndpoints.id),
    eventId: text('event_id').notNull(),
    /** The delivery workflow's id: automatic deliveries and each manual redelivery have their own. */
    deliveryId: text('delivery_id').notNull(),
    attempt: integer('attempt').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('webhook_attempts_delivery_attempt').on(t.deliveryId, t.attempt),
    index('webhook_attempts_endpoint').on(t.endpointId, t.id),
  ],
);

/** Where the outbox relay has read the `events` table up to, so a restarted relay resumes there. */
export const webhookRelayCursors = pgTable('webhook_relay_cursors', {
  name: text('name').primaryKey(),
  cursor: jsonb('cursor').$type<import('../domain/webhook-relay').RelayCursor>().notNull(),
  updatedAt: updatedAt(),
});

// ---------------------------------------------------------------------------
// Partner API plumbing: Idempotency-Key records (api/idempotency.ts) and rate-limit windows
// (api/rate-limit.ts). Both live in the database because the API is stateless and scales out.
// ---------------------------------------------------------------------------

/**
 * One row per (API key, Idempotency-Key). The insert that creates it is the claim: whoever inserts
 * runs the request; the row then holds the response to replay until `expires_at`.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    /** Whose key space this is: the API key id, so two partners' keys never collide. */
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    /** SHA-256 of method, path and body: the same key with another request is refused. */
    fingerprint: text('fingerprint').notNull(),
    state: text('state').$type<'running' | 'completed'>().notNull(),
    /** Names this claim, so a request whose lease ran out cannot overwrite its successor's record. */
    claimToken: text('claim_token').notNull(),
    responseStatus: integer('response_status'),
    responseHeaders: jsonb('response_headers').$type<Record<string, string>>(),
    /** Sealed (services/secret-box.ts): a create may answer a secret shown once. */
    responseBody: text('response_body'),
    /** A running claim older than this was abandoned (a crashed process) and may be taken over. */
    lockedUntil: timestamp('locked_until', { withTimezone: true, mode: 'date' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] }), index('idempotency_keys_expires').on(t.expiresAt)],
);

/** Fixed one-minute windows: one upsert per request counts it and answers the running total. */
export const rateLimitWindows = pgTable(
  'rate_limit_windows',
  {
    /** The API key id. */
    bucket: text('bucket').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true, mode: 'date' }).notNull(),
    hits: integer('hits').notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.windowStart] }), index('rate_limit_windows_start').on(t.windowStart)],
);

// ---------------------------------------------------------------------------------------------
// Debt collector configurations (company settings API).
// The ordered list is stored whole, one row per version, so a case can record which version
// chose its collector. Versions are never changed after they are written.
// ---------------------------------------------------------------------------------------------
import type { DebtCollectorConfiguration } from '../domain/debt-collector-configuration';

export const debtCollectorConfigurations = pgTable(
  'debt_collector_configurations',
  {
    companyId: text('company_id').notNull().references(() => companies.id),
    version: integer('version').notNull(),
    configurations: jsonb('configurations').$type<DebtCollectorConfiguration[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('debt_collector_configurations_company_version').on(t.companyId, t.version)],
);

// ---------------------------------------------------------------------------------------------
// Debt collection cases (dunning engine).
// A case is opened by an invoice whose last dunning step passed unpaid, by hand over the API, or
// by a chargeback; its life (review, handoff, collection) runs in its own workflow.
// ---------------------------------------------------------------------------------------------
export const debtCollectionCases = pgTable(
  'debt_collection_cases',
  {
    id: text('id').primaryKey(),
    partnerId: text('partner_id').notNull().references(() => partners.id),
    companyId: text('company_id').notNull().references(() => companies.id),
    invoiceId: text('invoice_id').references(() => invoices.id),
    externalId: text('external_id').notNull(),
    source: text('source').$type<'dunning' | 'manual' | 'chargeback'>().notNull(),
    environment: text('environment').$type<'test' | 'production'>().notNull().default('production'),
    state: text('state').$type<'preparing' | 'reviewing' | 'processing' | 'closed'>().notNull().default('preparing'),
    currency: text('currency').notNull(),
    amountCents: integer('amount_cents').notNull(),
    collectedAmountCents: integer('collected_amount_cents').notNull().default(0),
    closeReason: text('close_reason'),
    /** The create body as given (billing address, line items, dates, language, reference). */
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    // Debt collection cases feature (see the section at the end of this file):
    /** The configuration chosen at mark-prepared, copied whole: later edits of the list never change it. */
    collector: jsonb('collector').$type<DebtCollectorConfigurationSnapshot>(),
    collectorConfigurationVersion: integer('collector_configuration_version'),
    reviewRequired: boolean('review_required'),
    /** The review's audit trail: who (API key id), when, why. */
    reviewDecision: text('review_decision').$type<'approve' | 'reject'>(),
    reviewReason: text('review_reason'),
    reviewedBy: text('reviewed_by'),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true, mode: 'date' }),
    /** How the hand-off went: delivery (`sent`, `in_house`, `file`, `not_sent_test_environment`), collector reference, last error. */
    handOff: jsonb('hand_off').$type<DebtCaseHandOff>(),
    handedOffAt: timestamp('handed_off_at', { withTimezone: true, mode: 'date' }),
    preparedAt: timestamp('prepared_at', { withTimezone: true, mode: 'date' }),
    closedAt: timestamp('closed_at', { withTimezone: true, mode: 'date' }),
    closeNote: text('close_note'),
    closedBy: text('closed_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('debt_collection_cases_company_external').on(t.companyId, t.externalId),
    index('debt_collection_cases_partner').on(t.partnerId, t.id),
    index('debt_collection_cases_company_state').on(t.companyId, t.state),
  ],
);

// ---------------------------------------------------------------------------------------------
// Debt collection cases (case API, case workflow, collectors).
// A case's documents (their bytes live in the document store, storage/document-store.ts) and the
// amounts its collector recovered. Columns added to `debt_collection_cases` above: collector,
// collector_configuration_version, review_required, review_*, reviewed_*, hand_off, handed_off_at,
// prepared_at, closed_at, close_note, closed_by.
// ---------------------------------------------------------------------------------------------
import type { DebtCollectorConfiguration as DebtCollectorConfigurationSnapshot } from '../domain/debt-collector-configuration';

export interface DebtCaseHandOff {
  delivery: 'sent' | 'in_house' | 'file' | 'not_sent_test_environment' | 'failed';
  /** The collector's own reference for the case, when it answered one. */
  reference?: string | null;
  /** Where the case went: the URL or file (nothing for in-house and test cases). */
  destination?: string | null;
  error?: string | null;
}

export const debtCollectionCaseDocuments = pgTable(
  'debt_collection_case_documents',
  {
    id: text('id').primaryKey(),
    caseId: text('case_id').notNull().references(() => debtCollectionCases.id),
    companyId: text('company_id').notNull().references(() => companies.id),
    type: text('type').notNull(),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    storageKey: text('storage_key').notNull(),
    /** Set on documents Recoup attaches itself (a dunning case's invoice), so a retried activity attaches each once. */
    dedupeKey: text('dedupe_key'),
    createdAt: createdAt(),
  },
  (t) => [index('debt_collection_case_documents_case').on(t.caseId, t.id), uniqueIndex('debt_collection_case_documents_dedupe').on(t.dedupeKey)],
);

/** Money a collector recovered; (case, sequence) makes a retried activity record an amount once. */
export const debtCollectionCollectedAmounts = pgTable(
  'debt_collection_collected_amounts',
  {
    id: text('id').primaryKey(),
    caseId: text('case_id').notNull().references(() => debtCollectionCases.id),
    /** 1, 2, …: the n in the invoice payment's external id `collector:<case>:<n>`. */
    sequence: integer('sequence').notNull(),
    amountCents: integer('amount_cents').notNull(),
    collectedAt: timestamp('collected_at', { withTimezone: true, mode: 'date' }).notNull(),
    source: text('source').$type<'api' | 'collector'>().notNull(),
    /** Who reported it: an API key id, or `collector:<configuration name>`. */
    recordedBy: text('recorded_by').notNull(),
    /** The collector's own id of the amount (callbacks), so a resent callback counts once. */
    collectorReference: text('collector_reference'),
    /** What became of it on the invoice: `recorded` as a payment, or why not. */
    invoicePayment: text('invoice_payment'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('debt_collection_collected_amounts_case_sequence').on(t.caseId, t.sequence),
    uniqueIndex('debt_collection_collected_amounts_collector_reference').on(t.caseId, t.collectorReference),
  ],
);

// ---------------------------------------------------------------------------------------------
// Reviewer / ops console (`/console`, api/console/).
// People sign in with an email and a password (scrypt with a per-user salt, stored as
// `scrypt$<N>$<r>$<p>$<salt>$<hash>`), created with `npm run recoup -- users:create`. Sessions
// live in the database (only the SHA-256 of the session id is stored), so every API process
// shares them; an expired session is refused and cleaned up on its next use.
// ---------------------------------------------------------------------------------------------
export const consoleUsers = pgTable('console_users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  role: text('role').$type<'reviewer' | 'agent' | 'ops'>().notNull(),
  /**
   * The partner a reviewer or agent works for: they see only that partner's companies, cases and
   * conversations. Null: a global user when ops; a reviewer or agent bound to none sees nothing
   * (services/console-users.ts `consoleScope`) until ops bind them (`users:bind`).
   */
  partnerId: text('partner_id').references(() => partners.id),
  passwordHash: text('password_hash').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const consoleSessions = pgTable(
  'console_sessions',
  {
    /** SHA-256 (hex) of the random session id in the cookie: a stolen table opens no session. */
    idHash: text('id_hash').primaryKey(),
    userId: text('user_id').notNull().references(() => consoleUsers.id),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('console_sessions_user').on(t.userId), index('console_sessions_expires').on(t.expiresAt)],
);

// ---------------------------------------------------------------------------------------------
// SFTP logins of partners (files/sftp-server.ts). A login belongs to one partner and sees only
// that partner's folder. It signs in with a password (scrypt, as console users) or one of its
// OpenSSH public keys. Revoked logins stay for the record; a username is unique among live logins.
// ---------------------------------------------------------------------------------------------
export const sftpCredentials = pgTable(
  'sftp_credentials',
  {
    id: text('id').primaryKey(),
    partnerId: text('partner_id').notNull().references(() => partners.id),
    username: text('username').notNull(),
    /** `scrypt$N$r$p$<salt>$<hash>`; null for a key-only login. */
    passwordHash: text('password_hash'),
    /** OpenSSH public keys (`ssh-ed25519 AAAA… comment`), any of which may sign in. */
    publicKeys: jsonb('public_keys').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('sftp_credentials_live_username').on(t.username).where(sql`${t.revokedAt} is null`),
    index('sftp_credentials_partner').on(t.partnerId),
  ],
);

// ---------------------------------------------------------------------------------------------
// JSON batch files (files/, activities/batch-file/): one row per file picked up from a
// partner's drop folder or SFTP inbox, unique by (partner, SHA-256 of its bytes) so the same
// bytes are processed once. `batch_file_records` holds every accepted record under its
// (company, record id): a record id used again, in this file or a later one, is a duplicate.
// ---------------------------------------------------------------------------------------------
export const batchFiles = pgTable(
  'batch_files',
  {
    id: text('id').primaryKey(),
    partnerId: text('partner_id').notNull().references(() => partners.id),
    /** From the header; null when the header is unusable or names a company not the partner's. */
    companyId: text('company_id'),
    type: text('type').$type<'placement' | 'update'>(),
    name: text('name').notNull(),
    sha256: text('sha256').notNull(),
    status: text('status').$type<'processing' | 'processed' | 'failed'>().notNull().default('processing'),
    /** The draft import the placement records go into (created with the first accepted one). */
    importId: text('import_id'),
    counts: jsonb('counts').$type<{ records: number; accepted: number; rejected: number; duplicate: number }>(),
    path: text('path').notNull(),
    resultPath: text('result_path').notNull(),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('batch_files_partner_sha256').on(t.partnerId, t.sha256), index('batch_files_partner').on(t.partnerId, t.id)],
);

export const batchFileRecords = pgTable(
  'batch_file_records',
  {
    companyId: text('company_id').notNull(),
    recordId: text('record_id').notNull(),
    batchFileId: text('batch_file_id').notNull(),
    line: integer('line').notNull(),
    invoiceId: text('invoice_id'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.recordId] })],
);

// ---------------------------------------------------------------------------------------------
// Bank reconciliation (api/statements/, services/bank-reconciliation.ts).
// Statements of Recoup's collection account imported by ops (MT940 or camt.053). Each file is
// kept once (its SHA-256); each line once, keyed by account + the bank's entry reference, or by
// account + dates + direction + amount + payer reference (+ its position among identical lines),
// so overlapping statements and re-imports add nothing. A credit line that finds its invoice
// becomes a payment through the invoice workflow; the others wait for ops in the console.
// ---------------------------------------------------------------------------------------------
export const bankStatements = pgTable('bank_statements', {
  id: text('id').primaryKey(),
  format: text('format').$type<'mt940' | 'mt942' | 'camt053'>().notNull(),
  contentSha256: text('content_sha256').notNull().unique(),
  content: text('content').notNull(),
  /** Per statement in the file: reference, account, currency, balances, number of lines. */
  statements: jsonb('statements').$type<Array<{ reference: string; account: string; currency: string; opening_balance_cents: number | null; closing_balance_cents: number | null; transactions: number }>>().notNull(),
  transactionCount: integer('transaction_count').notNull(),
  newTransactionCount: integer('new_transaction_count').notNull(),
  /** The API key id that imported it. */
  importedBy: text('imported_by').notNull(),
  createdAt: createdAt(),
});

export const bankTransactions = pgTable(
  'bank_transactions',
  {
    id: text('id').primaryKey(),
    /** The statement that first brought the line. */
    statementId: text('statement_id').notNull().references(() => bankStatements.id),
    dedupeKey: text('dedupe_key').notNull().unique(),
    account: text('account').notNull(),
    currency: text('currency').notNull(),
    bookingDate: date('booking_date', { mode: 'string' }).notNull(),
    valueDate: date('value_date', { mode: 'string' }).notNull(),
    direction: text('direction').$type<'credit' | 'debit'>().notNull(),
    /** bigint: a bank line may be any amount MT940 can write (15 digits); the parser refuses more than a JS number holds exactly. */
    amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
    bankReference: text('bank_reference'),
    customerReference: text('customer_reference'),
    counterpartyName: text('counterparty_name'),
    remittance: text('remittance').notNull(),
    status: text('status').$type<'unmatched' | 'matched' | 'resolved' | 'dismissed'>().notNull(),
    /** The invoice paid (matched, resolved), or the one found but not payable (unmatched). */
    invoiceId: text('invoice_id').references(() => invoices.id),
    /** `reference`, `amount_and_name` (automatic) or `ops` (resolved by hand). */
    // `amount_and_name`: lines matched before matching by amount and name alone was dropped (it let
    // another tenant's invoice with the same debtor name and amount catch a payment).
    matchedBy: text('matched_by').$type<'payment_reference' | 'reference' | 'amount_and_name' | 'ops'>(),
    /** Why the line waits (no invoice found, several found, invoice closed) or why it was dismissed. */
    note: text('note'),
    /** Set once matching ran; a line stored but never matched (a crash) is matched by the next import. */
    matchedAt: timestamp('matched_at', { withTimezone: true, mode: 'date' }),
    /** The audit of an ops decision: who (console email or API key id), when, why. */
    resolvedBy: text('resolved_by'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
    resolutionReason: text('resolution_reason'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('bank_transactions_status').on(t.status, t.id), index('bank_transactions_statement').on(t.statementId, t.id)],
);

// ---------------------------------------------------------------------------------------------
// SMS replies that wait for ops (services/sms-reply-queue.ts, /console/sms-replies).
// A reply is matched by the debtor's number and the sender number it was sent to; when that
// points at invoices of several companies (or at none while the number has open invoices), it
// waits here instead of landing on any timeline, until ops assign it to one invoice or dismiss it.
// ---------------------------------------------------------------------------------------------
export const smsReplies = pgTable(
  'sms_replies',
  {
    id: text('id').primaryKey(),
    /** Twilio's MessageSid: a redelivered webhook queues nothing new. */
    providerMessageId: text('provider_message_id').notNull().unique(),
    fromNumber: text('from_number').notNull(),
    toNumber: text('to_number').notNull(),
    messagingServiceSid: text('messaging_service_sid'),
    text: text('text').notNull(),
    /** Why it waits: `several_companies` matched, or `no_sender_match` (no invoice was texted from that sender). */
    reason: text('reason').$type<'several_companies' | 'no_sender_match'>().notNull(),
    status: text('status').$type<'waiting' | 'assigned' | 'dismissed'>().notNull().default('waiting'),
    /** The invoice ops assigned it to. */
    invoiceId: text('invoice_id').references(() => invoices.id),
    /** The audit of the decision: who (console email), when, why. */
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    decisionReason: text('decision_reason'),
    createdAt: createdAt(),
  },
  (t) => [index('sms_replies_status').on(t.status, t.id)],
);

// ---------------------------------------------------------------------------------------------
// Sign-in throttling (services/sign-in-throttle.ts): one row per (kind, scope, key) — the
// account (console email, SFTP username, company-user email) and the source address — counting
// attempts in a sliding window and holding the time until which further attempts are refused.
// In the database so every API and SFTP process shares it. `sign_in_audit` keeps what happened.
// ---------------------------------------------------------------------------------------------
export const signInThrottles = pgTable(
  'sign_in_throttles',
  {
    /** `console`, `sftp` or `company_user`. */
    kind: text('kind').notNull(),
    scope: text('scope').$type<'account' | 'address'>().notNull(),
    key: text('key').notNull(),
    /** Attempts not followed by a success since the window began (each attempt counts before it is checked). */
    failures: integer('failures').notNull(),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true, mode: 'date' }).notNull(),
    blockedUntil: timestamp('blocked_until', { withTimezone: true, mode: 'date' }),
  },
  (t) => [primaryKey({ columns: [t.kind, t.scope, t.key] }), index('sign_in_throttles_last_attempt').on(t.lastAttemptAt)],
);

export const signInAudit = pgTable(
  'sign_in_audit',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind').notNull(),
    account: text('account').notNull(),
    address: text('address').notNull(),
    /** `succeeded`, `failed` (wrong password), `refused` (blocked, not checked), `locked` (this attempt started a lock), `busy` (hash pool full). */
    outcome: text('outcome').$type<'succeeded' | 'failed' | 'refused' | 'locked' | 'busy'>().notNull(),
    /** Which scope blocked a refused attempt or was locked: `account` or `address`. */
    detail: text('detail'),
    createdAt: createdAt(),
  },
  (t) => [index('sign_in_audit_account').on(t.kind, t.account, t.createdAt), index('sign_in_audit_address').on(t.address, t.createdAt)],
);

// ---------------------------------------------------------------------------------------------
// Contact changes made in the debtor portal. Each is confirmed to the previous email address and
// phone number (workflows/contact-change.workflow.ts) with a signed link that undoes it, so a
// leaked portal link cannot quietly redirect the debtor's messages.
// ---------------------------------------------------------------------------------------------
export const portalContactChanges = pgTable(
  'portal_contact_changes',
  {
    id: text('id').primaryKey(),
    invoiceId: text('invoice_id').notNull().references(() => invoices.id),
    /** The values before the change, of the fields that changed. */
    previous: jsonb('previous').$type<{ email?: string | null; phone?: string | null }>().notNull(),
    /** The values the change set. */
    changed: jsonb('changed').$type<{ email?: string; phone?: string }>().notNull(),
    createdAt: createdAt(),
    undoneAt: timestamp('undone_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('portal_contact_changes_invoice').on(t.invoiceId)],
);

/**
 * The split of one portal payment over the debtor's invoices (domain/payment-allocation.ts),
 * written once when its first webhook arrives, before any share is delivered: a repeated or
 * concurrent webhook reads the same split and delivers only the shares not yet delivered.
 */
export const paymentAllocations = pgTable(
  'payment_allocations',
  {
    providerPaymentId: text('provider_payment_id').notNull(),
    invoiceId: text('invoice_id')
      .notNull()
      .references(() => invoices.id),
    amountCents: integer('amount_cents').notNull(),
    /** The part of the share beyond what was due (the account was overpaid). */
    overpaidCents: integer('overpaid_cents').notNull().default(0),
    /** The share's external id on the invoice's ledger: `<provider payment id>:<invoice id>`. */
    externalId: text('external_id').notNull(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.providerPaymentId, t.invoiceId] })],
);

// ---------------------------------------------------------------------------------------------
// Conversations (services/conversations.ts): one thread per debtor. What Recoup sent lives in
// `messages`; this table holds everything else on the thread — the debtor's replies (email, SMS),
// portal actions, agents' notes — and the thread's state for the agents' queue.
// ---------------------------------------------------------------------------------------------
export const conversations = pgTable(
  'conversations',
  {
    debtorId: text('debtor_id').primaryKey().references(() => debtors.id),
    partnerId: text('partner_id').notNull().references(() => partners.id),
    companyId: text('company_id').notNull().references(() => companies.id),
    status: text('status').$type<'open' | 'closed'>().notNull().default('open'),
    /**
     * The console user working the thread (an agent), or null while unassigned. No foreign key:
     * revoking a user deletes their row (services/console-users.ts), which unassigns their threads.
     */
    assignedUserId: text('assigned_user_id'),
    /** The oldest of the debtor's entries nobody has answered yet: the thread's SLA age. Null: nothing waits. */
    awaitingSince: timestamp('awaiting_since', { withTimezone: true, mode: 'date' }),
    lastEntryAt: timestamp('last_entry_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('conversations_queue').on(t.partnerId, t.status, t.awaitingSince)],
);

export const conversationEntries = pgTable(
  'conversation_entries',
  {
    id: text('id').primaryKey(),
    debtorId: text('debtor_id').notNull().references(() => debtors.id),
    partnerId: text('partner_id').notNull().references(() => partners.id),
    companyId: text('company_id').notNull().references(() => companies.id),
    /** The invoice the entry is about, when one is known (a reply to one invoice's message). */
    invoiceId: text('invoice_id').references(() => invoices.id),
    /** `in`: from the debtor; `out`: to the debtor (an agent's reply, whose `messages` row is `message_id`); `internal`: a note. */
    direction: text('direction').$type<'in' | 'out' | 'internal'>().notNull(),
    channel: text('channel').$type<'email' | 'sms' | 'portal' | 'note'>().notNull(),
    /** What happened: `reply`, `bounce`, `note`, or a portal action (`dispute`, `promise_to_pay`, …). */
    kind: text('kind').notNull(),
    /**
     * The console user who wrote it (agent replies and notes); null for the debtor and the system.
     * No foreign key: the record outlives a revoked user; `author_email` keeps who it was.
     */
    authorUserId: text('author_user_id'),
    authorEmail: text('author_email'),
    /** From whom (an email address or E.164 number) for entries that came in. */
    sender: text('sender'),
    subject: text('subject'),
    body: text('body').notNull(),
    /** The `messages` row of an outgoing entry. */
    messageId: text('message_id').references(() => messages.id),
    /** Makes a redelivered reply (same provider id / Message-ID) one entry. */
    dedupeKey: text('dedupe_key').unique(),
    createdAt: createdAt(),
  },
  (t) => [index('conversation_entries_debtor').on(t.debtorId, t.createdAt)],
);

// ---------------------------------------------------------------------------------------------
// Disputes (services/disputes.ts): a debtor contests an invoice, from the API, the portal or by
// an agent on a reply. While one is open the invoice is `disputed` and its workflow paused.
// ---------------------------------------------------------------------------------------------
export const disputes = pgTable(
  'disputes',
  {
    id: text('id').primaryKey(),
    invoiceId: text('invoice_id').notNull().references(() => invoices.id),
    partnerId: text('partner_id').notNull().references(() => partners.id),
    companyId: text('company_id').notNull().references(() => companies.id),
    debtorId: text('debtor_id').references(() => debtors.id),
    reason: text('reason').notNull(),
    details: text('details'),
    via: text('via').$type<DisputeVia>().notNull(),
    /** The console user who opened it for the debtor (via `agent`). */
    openedByUserId: text('opened_by_user_id'),
    status: text('status').$type<'open' | DisputeOutcome>().notNull().default('open'),
    openedAt: timestamp('opened_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
    /** Who resolved it: `partner:<key id>`, `ops:<key id>` or a console user's email. */
    resolvedBy: text('resolved_by'),
    resolutionReason: text('resolution_reason'),
    creditCents: integer('credit_cents'),
  },
  (t) => [
    // One open dispute per invoice: a second is refused (409) by this index as well as by the workflow.
    uniqueIndex('disputes_one_open_per_invoice').on(t.invoiceId).where(sql`status = 'open'`),
    index('disputes_partner_status').on(t.partnerId, t.status, t.openedAt),
  ],
);

/** Every flag and lift of a debtor's vulnerability: who (id and email, kept if the user is revoked), when, why. */
export const debtorVulnerabilityAudit = pgTable(
  'debtor_vulnerability_audit',
  {
    id: text('id').primaryKey(),
    debtorId: text('debtor_id').notNull().references(() => debtors.id),
    partnerId: text('partner_id').notNull().references(() => partners.id),
    action: text('action').$type<'flag' | 'lift'>().notNull(),
    category: text('category').$type<VulnerabilityCategory>(),
    note: text('note'),
    userId: text('user_id').notNull(),
    userEmail: text('user_email').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('debtor_vulnerability_audit_debtor').on(t.debtorId, t.createdAt)],
);

// ---------------------------------------------------------------------------------------------
// Company users: the company's own people (a club's treasurer) who use `/dashboard`. Added by the
// partner or ops (`POST /companies/{id}/users`); they sign in with a one-time link sent by email
// (services/company-users.ts). A link is never stored: its token is `<link id>.<HMAC of the id>`,
// and the row records only when it expires and whether it was used, so a copy of the table opens
// nothing. Sessions as the console's: only the SHA-256 of the cookie's value is kept, in the
// database, so every API process shares them. A revoked user keeps the row (for the record) and
// loses every session and link at once; the same email may be added again.
// ---------------------------------------------------------------------------------------------
export const companyUsers = pgTable(
  'company_users',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id),
    /** Normalised: trimmed, lower-cased. */
    email: text('email').notNull(),
    /** `admin` may change things (credit, retract, hold, imports); `viewer` only looks. */
    role: text('role').$type<'admin' | 'viewer'>().notNull(),
    /** The language of their emails and, until they choose another, of the dashboard. */
    locale: text('locale').notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('company_users_live_email').on(t.companyId, t.email).where(sql`${t.revokedAt} is null`),
    index('company_users_email').on(t.email),
  ],
);

export const companySignInLinks = pgTable(
  'company_sign_in_links',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => companyUsers.id),
    /** `invitation` (sent when the user is added) or `sign_in` (asked for on the sign-in page). */
    purpose: text('purpose').$type<'invitation' | 'sign_in'>().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** Set when the link opened a session: a link works once. */
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [index('company_sign_in_links_user').on(t.userId, t.createdAt)],
);

export const companySessions = pgTable(
  'company_sessions',
  {
    /** SHA-256 (hex) of the random session id in the cookie. */
    idHash: text('id_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => companyUsers.id),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('company_sessions_user').on(t.userId), index('company_sessions_expires').on(t.expiresAt)],
);
