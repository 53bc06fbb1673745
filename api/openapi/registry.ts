import { z } from 'zod';
import {
  apiKeyCreateSchema,
  bankAccountSchema,
  companyContactSchema,
  companyCreateSchema,
  companyPatchSchema,
  creditSchema,
  debtorPatchSchema,
  debtorSchema,
  importCreateSchema,
  invoiceCreateSchema,
  invoiceLineSchema,
  invoiceListQuerySchema,
  pageQuerySchema,
  partnerCreateSchema,
  paymentPlanSchema,
  paymentSchema,
  promiseToPaySchema,
  reasonSchema,
  verificationDecisionSchema,
} from '../../domain/schemas';
import { dunningPolicySchema } from '../../domain/dunning-policy';
import { debtCollectorConfigurationListSchema, debtCollectorConfigurationSchema } from '../../domain/debt-collector-configuration';
import { companyDocumentTypes } from '../../domain/company-documents';
import { webhookAttemptListQuerySchema, webhookEndpointCreateSchema } from '../../domain/webhook-schemas';
import { pullSourcePutSchema } from '../../domain/pull-integration';
import {
  debtCaseCloseSchema,
  debtCaseCollectedAmountSchema,
  debtCaseCreateSchema,
  debtCaseDocumentFieldsSchema,
  debtCaseListQuerySchema,
  debtCaseReviewSchema,
} from '../../domain/debt-case-schemas';
import type { Role } from '../../services/api-keys';
import { eventQuerySchema, invoiceEventsQuerySchema } from '../routes/events';
import { importListQuerySchema } from '../routes/imports';
import { batchFileListQuerySchema, batchFileSchema } from '../routes/batch-files';
import { policyPreviewSchema } from '../routes/dunning-policy-preview';
import { sftpLoginCreateSchema } from '../../domain/sftp-login';
import { bankTransactionDismissSchema, bankTransactionListQuerySchema, bankTransactionResolveSchema, statementQuerySchema } from '../../domain/statements/schemas';
import { bankStatementFileSchema, bankStatementSchema, bankTransactionSchema } from '../statements/resources';
import { printBatchSchema, printBatchSummarySchema } from '../print-batches/resources';
import { invoiceMessagePageSchema, portalLinkSchema } from '../invoice-messages/resources';
import * as resource from './resources';

/**
 * The partner API, route by route: the OpenAPI document and the /api/docs page are generated from
 * this list. Request schemas are the zod schemas the routes validate with.
 */

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ApiRoute {
  operationId: string;
  method: HttpMethod;
  /** Under /api/v2, parameters as `{name}`. */
  path: string;
  tag: Tag;
  summary: string;
  description?: string;
  /** Roles whose keys may call it; empty: no API key needed. */
  roles: readonly Role[];
  /** A name from `components` below, sent as JSON unless the schema is a multipart form. */
  body?: ComponentName;
  bodyMediaType?: 'application/json' | 'multipart/form-data' | 'text/plain';
  query?: z.ZodObject;
  response: {
    status: 200 | 201 | 202 | 204;
    description: string;
    schema?: ComponentName;
    /** For answers that are not JSON (statements, document content). */
    mediaType?: string;
  };
  /** Answers beyond the ones every route of its kind may give (400, 401, 403, 404, 429). */
  errors?: ReadonlyArray<{ status: 409 | 413 | 415 | 422; description: string }>;
}

export const tags = [
  { name: 'Partners and keys', description: 'Ops manage partners and their API keys.' },
  { name: 'Companies', description: 'The client organisations of a partner; verified by ops before anything is transmitted.' },
  { name: 'Company documents', description: 'Verification documents, uploaded as multipart.' },
  { name: 'Collection policy', description: "A company's dunning policy, versioned; running invoices keep the version they started with." },
  { name: 'Pull integration', description: 'Recoup fetches invoices from an endpoint of the partner on a schedule.' },
  { name: 'Debt collectors', description: 'Ordered debt collector configurations; the first whose conditions match a case picks the collector.' },
  { name: 'Imports', description: 'Batches of invoices transmitted together.' },
  { name: 'Invoices', description: 'Each transmitted invoice is one durable collection workflow.' },
  { name: 'Events', description: 'Every event of the partner, in order: the polling alternative to webhooks.' },
  { name: 'Webhooks', description: 'Push notifications, signed per Standard Webhooks, retried with back-off for at least 3 days.' },
  { name: 'Debt collection cases', description: 'Cases created by hand, after the last dunning step, or from a chargeback.' },
  { name: 'Statements', description: "Exports of a company's collected payments." },
  { name: 'Print batches', description: 'Letters of the default print-and-mail adapter, collected per day for ops to print and post (ops only).' },
  { name: 'Documentation', description: 'This document.' },
] as const;
export type Tag = (typeof tags)[number]['name'];

/** The multipart forms of the document uploads (the routes stream them with busboy). */
const companyDocumentUploadSchema = z.object({ type: z.enum(companyDocumentTypes), file: z.file() });
const debtCaseDocumentUploadSchema = debtCaseDocumentFieldsSchema.extend({ file: z.file() });

/**
 * Every schema the document names: `#/components/schemas/<name>`. A schema nested in another
 * (Debtor in InvoiceCreate) is referenced, not repeated, because it is the same zod object.
 */
export const components = {
  Error: resource.errorSchema,
  // requests
  PartnerCreate: partnerCreateSchema,
  ApiKeyCreate: apiKeyCreateSchema,
  CompanyCreate: companyCreateSchema,
  CompanyPatch: companyPatchSchema,
  CompanyContact: companyContactSchema,
  BankAccount: bankAccountSchema,
  VerificationDecision: verificationDecisionSchema,
  CompanyDocumentUpload: companyDocumentUploadSchema,
  DunningPolicy: dunningPolicySchema,
  DunningPolicyPut: z.union([dunningPolicySchema, z.object({ policy: dunningPolicySchema })]),
  DunningPolicyPreviewRequest: policyPreviewSchema,
  DebtCollectorConfiguration: debtCollectorConfigurationSchema,
  DebtCollectorConfigurationsPut: z.union([debtCollectorConfigurationListSchema, z.object({ configurations: debtCollectorConfigurationListSchema })]),
  ImportCreate: importCreateSchema,
  InvoiceCreate: invoiceCreateSchema,
  Debtor: debtorSchema,
  InvoiceLine: invoiceLineSchema,
  Credit: creditSchema,
  Reason: reasonSchema,
  Payment: paymentSchema,
  DebtorPatch: debtorPatchSchema,
  PromiseToPay: promiseToPaySchema,
  PaymentPlan: paymentPlanSchema,
  WebhookEndpointCreate: webhookEndpointCreateSchema,
  PullSourcePut: pullSourcePutSchema,
  DebtCollectionCaseCreate: debtCaseCreateSchema,
  DebtCollectionCaseDocumentUpload: debtCaseDocumentUploadSchema,
  DebtCollectionCaseReview: debtCaseReviewSchema,
  DebtCollectionCaseCollectedAmount: debtCaseCollectedAmountSchema,
  DebtCollectionCaseClose: debtCaseCloseSchema,
  // answers
  Partner: resource.partnerSchema,
  ApiKeyCreated: resource.apiKeyCreatedSchema,
  SftpLoginCreate: sftpLoginCreateSchema,
  SftpLoginCreated: resource.sftpLoginCreatedSchema,
  SftpLoginList: z.object({ data: z.array(resource.sftpLoginSchema) }),
  Company: resource.companySchema,
  CompanyPage: resource.pageOf(resource.companySchema),
  CompanyDocument: resource.companyDocumentSchema,
  CompanyDocumentPage: resource.pageOf(resource.companyDocumentSchema),
  DunningPolicyVersion: resource.dunningPolicyResourceSchema,
  DunningPolicyPreview: resource.dunningPolicyPreviewSchema,
  DebtCollectorConfigurations: resource.debtCollectorConfigurationsResourceSchema,
  Import: resource.importSchema,
  ImportPage: resource.pageOf(resource.importSchema),
  BatchFile: batchFileSchema,
  BatchFilePage: resource.pageOf(batchFileSchema),
  Invoice: resource.invoiceSchema,
  InvoicePage: resource.pageOf(resource.invoiceSchema),
  InvoiceLineResource: resource.invoiceLineResourceSchema,
  InvoiceLinePage: resource.pageOf(resource.invoiceLineResourceSchema),
  CreditNote: resource.creditNoteSchema,
  PaymentReceived: resource.paymentReceivedSchema,
  Event: resource.eventSchema,
  EventPage: resource.pageOf(resource.eventSchema),
  InvoiceMessagePage: invoiceMessagePageSchema,
  PortalLink: portalLinkSchema,
  WebhookEndpoint: resource.webhookEndpointSchema,
  WebhookEndpointCreated: resource.webhookEndpointCreatedSchema,
  WebhookEndpointPage: resource.pageOf(resource.webhookEndpointSchema),
  WebhookAttemptPage: resource.pageOf(resource.webhookAttemptSchema),
  WebhookRedelivery: resource.webhookRedeliverySchema,
  PullSource: resource.pullSourceSchema,
  DebtCollectionCase: resource.debtCollectionCaseSchema,
  DebtCollectionCasePage: resource.pageOf(resource.debtCollectionCaseSchema),
  DebtCollectionCaseDocument: resource.debtCaseDocumentSchema,
  DebtCollectionCaseCollectedAmountResult: resource.debtCaseCollectedAmountResultSchema,
  BankStatementFile: bankStatementFileSchema,
  BankStatement: bankStatementSchema,
  PrintBatch: printBatchSchema,
  PrintBatchPage: resource.pageOf(printBatchSummarySchema),
  BankTransaction: bankTransactionSchema,
  BankTransactionPage: resource.pageOf(bankTransactionSchema),
  BankTransactionResolve: bankTransactionResolveSchema,
  BankTransactionDismiss: bankTransactionDismissSchema,
} satisfies Record<string, z.ZodType>;
export type ComponentName = keyof typeof components;

const partnerOrOps = ['partner', 'ops'] as const;
const notVerified = { status: 409, description: '`company_not_verified`, or the import was transmitted already' } as const;

export const routes: readonly ApiRoute[] = [
  // --- partners and keys (ops) ---
  { operationId: 'createPartner', method: 'post', path: '/partners', tag: 'Partners and keys', summary: 'Create a partner', roles: ['ops'], body: 'PartnerCreate', response: { status: 201, description: 'The partner', schema: 'Partner' } },
  {
    operationId: 'createApiKey',
    method: 'post',
    path: '/partners/{id}/api_keys',
    tag: 'Partners and keys',
    summary: 'Create an API key for a partner',
    description: 'The secret is in this answer only; Recoup keeps a hash.',
    roles: ['ops'],
    body: 'ApiKeyCreate',
    response: { status: 201, description: 'The key, with its secret', schema: 'ApiKeyCreated' },
  },
  { operationId: 'revokeApiKey', method: 'delete', path: '/api_keys/{id}', tag: 'Partners and keys', summary: 'Revoke an API key', roles: ['ops'], response: { status: 204, description: 'Revoked' } },
  {
    operationId: 'createSftpLogin',
    method: 'post',
    path: '/partners/{id}/sftp_logins',
    tag: 'Partners and keys',
    summary: 'Create an SFTP login for a partner',
    description:
      "The partner's host system signs in to the SFTP server with it (batch files, results, extracts; see the README). A password, OpenSSH public keys, or both; with neither, a password is generated. The password is in this answer only.",
    roles: ['ops'],
    body: 'SftpLoginCreate',
    response: { status: 201, description: 'The login, with its password when it has one', schema: 'SftpLoginCreated' },
    errors: [
      { status: 409, description: '`username_taken`: a live login has that username' },
      { status: 422, description: 'A public key that is not an OpenSSH public key (or a private key)' },
    ],
  },
  { operationId: 'listSftpLogins', method: 'get', path: '/partners/{id}/sftp_logins', tag: 'Partners and keys', summary: "A partner's SFTP logins, revoked ones too", roles: ['ops'], response: { status: 200, description: 'The logins (never a password)', schema: 'SftpLoginList' } },
  { operationId: 'revokeSftpLogin', method: 'delete', path: '/sftp_logins/{id}', tag: 'Partners and keys', summary: 'Revoke an SFTP login', description: 'New sign-ins are refused at once; sessions already open are closed within 5 seconds.', roles: ['ops'], response: { status: 204, description: 'Revoked' } },

  // --- companies ---
  { operationId: 'createCompany', method: 'post', path: '/companies', tag: 'Companies', summary: 'Create a company', description: 'Starts `pending_verification`.', roles: ['partner'], body: 'CompanyCreate', response: { status: 201, description: 'The company', schema: 'Company' } },
  { operationId: 'listCompanies', method: 'get', path: '/companies', tag: 'Companies', summary: 'List companies', roles: partnerOrOps, query: pageQuerySchema, response: { status: 200, description: 'A page of companies', schema: 'CompanyPage' } },
  { operationId: 'getCompany', method: 'get', path: '/companies/{id}', tag: 'Companies', summary: 'Get a company', roles: partnerOrOps, response: { status: 200, description: 'The company', schema: 'Company' } },
  { operationId: 'updateCompany', method: 'patch', path: '/companies/{id}', tag: 'Companies', summary: 'Change a company', description: 'Fields left out keep their value.', roles: partnerOrOps, body: 'CompanyPatch', response: { status: 200, description: 'The company', schema: 'Company' } },
  {
    operationId: 'decideCompanyVerification',
    method: 'post',
    path: '/companies/{id}/verification',
    tag: 'Companies',
    summary: 'Verify or reject a company',
    description: 'Nothing of an unverified company is transmitted.',
    roles: ['ops'],
    body: 'VerificationDecision',
    response: { status: 200, description: 'The company, `verified` or `rejected`', schema: 'Company' },
  },

  // --- company documents ---
  {
    operationId: 'uploadCompanyDocument',
    method: 'post',
    path: '/companies/{id}/documents',
    tag: 'Company documents',
    summary: 'Upload a verification document',
    description: 'Multipart form with `type` and `file` (PDF, PNG or JPEG, at most 10 MB).',
    roles: partnerOrOps,
    body: 'CompanyDocumentUpload',
    bodyMediaType: 'multipart/form-data',
    response: { status: 201, description: 'The document', schema: 'CompanyDocument' },
    errors: [
      { status: 413, description: 'The file is too large' },
      { status: 415, description: 'Not a PDF, PNG or JPEG' },
    ],
  },
  { operationId: 'listCompanyDocuments', method: 'get', path: '/companies/{id}/documents', tag: 'Company documents', summary: "List a company's documents", roles: partnerOrOps, query: pageQuerySchema, response: { status: 200, description: 'A page of documents', schema: 'CompanyDocumentPage' } },
  { operationId: 'getCompanyDocument', method: 'get', path: '/companies/{id}/documents/{documentId}', tag: 'Company documents', summary: 'Get a document', roles: partnerOrOps, response: { status: 200, description: 'The document', schema: 'CompanyDocument' } },
  { operationId: 'downloadCompanyDocument', method: 'get', path: '/companies/{id}/documents/{documentId}/content', tag: 'Company documents', summary: "Download a document's file", roles: partnerOrOps, response: { status: 200, description: 'The file as uploaded', mediaType: 'application/octet-stream' } },

  // --- collection policy ---
  { operationId: 'getDunningPolicy', method: 'get', path: '/companies/{id}/dunning_policy', tag: 'Collection policy', summary: "Get the company's collection policy", roles: partnerOrOps, response: { status: 200, description: 'The current version', schema: 'DunningPolicyVersion' } },
  {
    operationId: 'putDunningPolicy',
    method: 'put',
    path: '/companies/{id}/dunning_policy',
    tag: 'Collection policy',
    summary: 'Store a new version of the collection policy',
    description: 'The body is the policy, or `{ policy }` as GET answers it. Running invoices keep the version they started with.',
    roles: partnerOrOps,
    body: 'DunningPolicyPut',
    response: { status: 200, description: 'The new version', schema: 'DunningPolicyVersion' },
  },
  {
    operationId: 'previewDunningPolicy',
    method: 'post',
    path: '/companies/{id}/dunning_policy/preview',
    tag: 'Collection policy',
    summary: 'Preview what a policy would do to an invoice',
    description: "The timeline the company's policy (or the draft given) would produce, computed by the same code the workflow runs.",
    roles: partnerOrOps,
    body: 'DunningPolicyPreviewRequest',
    response: { status: 200, description: 'The timeline of an invoice that is never paid', schema: 'DunningPolicyPreview' },
  },

  // --- debt collectors ---
  { operationId: 'getDebtCollectorConfigurations', method: 'get', path: '/companies/{id}/debt_collector_configurations', tag: 'Debt collectors', summary: 'Get the ordered debt collector configurations', roles: partnerOrOps, response: { status: 200, description: 'The current list', schema: 'DebtCollectorConfigurations' } },
  {
    operationId: 'putDebtCollectorConfigurations',
    method: 'put',
    path: '/companies/{id}/debt_collector_configurations',
    tag: 'Debt collectors',
    summary: 'Replace the ordered debt collector configurations',
    description: 'The body is the list, or `{ configurations }` as GET answers it.',
    roles: partnerOrOps,
    body: 'DebtCollectorConfigurationsPut',
    response: { status: 200, description: 'The new list', schema: 'DebtCollectorConfigurations' },
  },

  // --- pull integration ---
  {
    operationId: 'putPullSource',
    method: 'put',
    path: '/companies/{id}/pull_source',
    tag: 'Pull integration',
    summary: "Create or replace the company's pull source",
    description: 'The bearer token goes in and never comes out; leave it out to keep the stored one. Answers 201 when created, 200 when replaced.',
    roles: partnerOrOps,
    body: 'PullSourcePut',
    response: { status: 200, description: 'The pull source (201 when it was created)', schema: 'PullSource' },
  },
  { operationId: 'getPullSource', method: 'get', path: '/companies/{id}/pull_source', tag: 'Pull integration', summary: "Get the company's pull source and its last run", roles: partnerOrOps, response: { status: 200, description: 'The pull source', schema: 'PullSource' } },
  { operationId: 'deletePullSource', method: 'delete', path: '/companies/{id}/pull_source', tag: 'Pull integration', summary: 'Stop pulling and forget the source', roles: partnerOrOps, response: { status: 204, description: 'Deleted' } },
  { operationId: 'runPullSource', method: 'post', path: '/companies/{id}/pull_source/run', tag: 'Pull integration', summary: 'Pull now', roles: partnerOrOps, response: { status: 202, description: 'Accepted; the pull runs asynchronously', schema: 'PullSource' } },

  // --- imports ---
  { operationId: 'createImport', method: 'post', path: '/imports', tag: 'Imports', summary: 'Create an import', description: 'Starts `draft`.', roles: partnerOrOps, body: 'ImportCreate', response: { status: 201, description: 'The import', schema: 'Import' } },
  { operationId: 'listImports', method: 'get', path: '/imports', tag: 'Imports', summary: 'List imports', roles: partnerOrOps, query: importListQuerySchema, response: { status: 200, description: 'A page of imports, with invoice counts per status', schema: 'ImportPage' } },
  { operationId: 'getImport', method: 'get', path: '/imports/{id}', tag: 'Imports', summary: 'Get an import', roles: partnerOrOps, response: { status: 200, description: 'The import, with invoice counts per status', schema: 'Import' } },
  { operationId: 'listBatchFiles', method: 'get', path: '/batch_files', tag: 'Imports', summary: 'List batch files', description: 'JSON batch files picked up from the partner\'s inbox (docs/batch-files.md), with their record counts; the result file beside each says how every record went.', roles: partnerOrOps, query: batchFileListQuerySchema, response: { status: 200, description: 'A page of batch files', schema: 'BatchFilePage' } },
  { operationId: 'getBatchFile', method: 'get', path: '/batch_files/{id}', tag: 'Imports', summary: 'Get a batch file', roles: partnerOrOps, response: { status: 200, description: 'The batch file', schema: 'BatchFile' } },
  {
    operationId: 'transmitImport',
    method: 'post',
    path: '/imports/{id}/transmit',
    tag: 'Imports',
    summary: 'Transmit an import',
    description: 'Starts collection of every invoice in it: `draft` → `transmitting` → `transmitted`.',
    roles: partnerOrOps,
    response: { status: 202, description: 'Accepted; transmission runs asynchronously', schema: 'Import' },
    errors: [notVerified, { status: 422, description: '`import_empty`' }],
  },

  // --- invoices ---
  {
    operationId: 'createInvoice',
    method: 'post',
    path: '/invoices',
    tag: 'Invoices',
    summary: 'Add an invoice to a draft import',
    roles: partnerOrOps,
    body: 'InvoiceCreate',
    response: { status: 201, description: 'The invoice, with its lines', schema: 'Invoice' },
    errors: [{ status: 409, description: 'The import is not a draft' }, { status: 422, description: 'Lines add up to nothing, or due before issued' }],
  },
  { operationId: 'listInvoices', method: 'get', path: '/invoices', tag: 'Invoices', summary: 'List invoices', roles: partnerOrOps, query: invoiceListQuerySchema, response: { status: 200, description: 'A page of invoices', schema: 'InvoicePage' } },
  { operationId: 'getInvoice', method: 'get', path: '/invoices/{id}', tag: 'Invoices', summary: 'Get an invoice', roles: partnerOrOps, response: { status: 200, description: 'The invoice, with its lines', schema: 'Invoice' } },
  ...(['invoices', 'invoice'] as const).flatMap((base): ApiRoute[] => {
    const alias = base === 'invoice' ? ' (alias)' : '';
    const suffix = base === 'invoice' ? 'Alias' : '';
    const aliasNote = base === 'invoice' ? 'The same as under `/invoices/{id}/invoice_lines`. ' : '';
    return [
      {
        operationId: `listInvoiceLines${suffix}`,
        method: 'get',
        path: `/${base}/{id}/invoice_lines`,
        tag: 'Invoices',
        summary: `List an invoice's lines${alias}`,
        description: `${aliasNote}All lines in one page.`,
        roles: partnerOrOps,
        response: { status: 200, description: 'All lines', schema: 'InvoiceLinePage' },
      },
      {
        operationId: `addInvoiceLine${suffix}`,
        method: 'post',
        path: `/${base}/{id}/invoice_lines`,
        tag: 'Invoices',
        summary: `Add a line to a draft invoice${alias}`,
        description: `${aliasNote}Draft invoices only.`,
        roles: partnerOrOps,
        body: 'InvoiceLine',
        response: { status: 201, description: 'The line', schema: 'InvoiceLineResource' },
        errors: [{ status: 409, description: 'The invoice is not a draft' }],
      },
    ];
  }),
  {
    operationId: 'creditInvoice',
    method: 'post',
    path: '/invoices/{id}/credit',
    tag: 'Invoices',
    summary: 'Credit an invoice',
    description: 'A credit note; a full credit closes the invoice as `credited`.',
    roles: partnerOrOps,
    body: 'Credit',
    response: { status: 201, description: 'The credit note and the invoice after it', schema: 'CreditNote' },
    errors: [{ status: 409, description: 'Not transmitted, or closed' }, { status: 422, description: '`credit_exceeds_amount_due`' }],
  },
  {
    operationId: 'retractInvoice',
    method: 'post',
    path: '/invoices/{id}/retract',
    tag: 'Invoices',
    summary: 'Retract an invoice',
    description: 'Stops collection at once: `retracted`.',
    roles: partnerOrOps,
    body: 'Reason',
    response: { status: 200, description: 'The invoice', schema: 'Invoice' },
    errors: [{ status: 409, description: 'The invoice is closed' }],
  },
  {
    operationId: 'creditAndRetractInvoice',
    method: 'post',
    path: '/invoices/{id}/credit_and_retract',
    tag: 'Invoices',
    summary: 'Credit what is outstanding and retract',
    roles: partnerOrOps,
    body: 'Reason',
    response: { status: 200, description: 'The invoice', schema: 'Invoice' },
    errors: [{ status: 409, description: 'Not transmitted, or closed' }],
  },
  {
    operationId: 'registerPayment',
    method: 'post',
    path: '/invoices/{id}/payments',
    tag: 'Invoices',
    summary: 'Register a payment the partner received',
    description: 'Partial payments lower `amount_due_cents`. `external_id` makes a repeated registration count once.',
    roles: partnerOrOps,
    body: 'Payment',
    response: { status: 201, description: 'The payment and the invoice after it', schema: 'PaymentReceived' },
    errors: [{ status: 409, description: 'Not transmitted, or closed' }],
  },
  { operationId: 'updateInvoiceDebtor', method: 'patch', path: '/invoices/{id}/debtor', tag: 'Invoices', summary: "Change the debtor's contact details", description: 'Later messages use them; event `invoice.contact_updated`.', roles: partnerOrOps, body: 'DebtorPatch', response: { status: 200, description: 'The invoice', schema: 'Invoice' } },
  {
    operationId: 'makePromiseToPay',
    method: 'post',
    path: '/invoices/{id}/promise_to_pay',
    tag: 'Invoices',
    summary: 'Record a promise to pay by a date',
    description: 'Reminders pause until the date (within the policy’s limits); a broken promise resumes dunning.',
    roles: partnerOrOps,
    body: 'PromiseToPay',
    response: { status: 200, description: 'The invoice, `promise_to_pay`', schema: 'Invoice' },
    errors: [{ status: 409, description: 'Not transmitted, closed, or `arrangement_in_place`' }, { status: 422, description: '`not_allowed_by_policy`: beyond the policy’s limits' }],
  },
  {
    operationId: 'createPaymentPlan',
    method: 'post',
    path: '/invoices/{id}/payment_plan',
    tag: 'Invoices',
    summary: 'Agree a payment plan',
    description: 'The amount due in installments (within the policy’s limits on their number and size).',
    roles: partnerOrOps,
    body: 'PaymentPlan',
    response: { status: 200, description: 'The invoice, `payment_plan`', schema: 'Invoice' },
    errors: [{ status: 409, description: 'Not transmitted, closed, or `arrangement_in_place`' }, { status: 422, description: '`not_allowed_by_policy`: beyond the policy’s limits' }],
  },
  {
    operationId: 'holdInvoice',
    method: 'post',
    path: '/invoices/{id}/hold',
    tag: 'Invoices',
    summary: 'Put an invoice on hold (dispute)',
    description: 'Pauses every reminder, fee and escalation.',
    roles: partnerOrOps,
    body: 'Reason',
    response: { status: 200, description: 'The invoice, `on_hold`', schema: 'Invoice' },
    errors: [{ status: 409, description: 'Not transmitted, closed, or on hold already' }],
  },
  {
    operationId: 'resumeInvoice',
    method: 'post',
    path: '/invoices/{id}/resume',
    tag: 'Invoices',
    summary: 'Resume an invoice on hold',
    roles: partnerOrOps,
    response: { status: 200, description: 'The invoice', schema: 'Invoice' },
    errors: [{ status: 409, description: 'Not on hold' }],
  },
  { operationId: 'listInvoiceEvents', method: 'get', path: '/invoices/{id}/events', tag: 'Invoices', summary: "The invoice's whole timeline", description: 'The `data` of a `message.*` event also tells the message\'s delivery as it stands now: `channel`, `delivery_status` (`sending`, `accepted`: the mail server or SMS provider took it, `delivered`: the SMS provider reported it delivered, `failed`, `queued`: a letter waiting in a print batch, `posted`) and `delivered_at` (when it reached the debtor\'s side: email accepted, SMS delivered, letter posted; else null).', roles: partnerOrOps, query: invoiceEventsQuerySchema, response: { status: 200, description: 'Its events, oldest first', schema: 'EventPage' } },

  {
    operationId: 'listInvoiceMessages',
    method: 'get',
    path: '/invoices/{id}/messages',
    tag: 'Invoices',
    summary: 'What was sent about the invoice',
    description: 'Every message about the invoice (email, SMS, letter), oldest first: channel, kind, purpose, status and delivery status, recipient, when it was sent and delivered, attempts. Never its body or the portal link in it.',
    roles: partnerOrOps,
    query: pageQuerySchema,
    response: { status: 200, description: 'A page of messages', schema: 'InvoiceMessagePage' },
  },
  {
    operationId: 'createPortalLink',
    method: 'post',
    path: '/invoices/{id}/portal_link',
    tag: 'Invoices',
    summary: 'A fresh portal link to send the debtor by hand (ops only)',
    description: "Valid for the `portal_link_days` of the invoice's policy version. The timeline records `invoice.portal_link_issued` (who, until when), never the link; the answer is not cached.",
    roles: ['ops'],
    response: { status: 201, description: 'The link and when it stops working', schema: 'PortalLink' },
    errors: [{ status: 409, description: 'The invoice has not been transmitted yet' }],
  },

  // --- events ---
  { operationId: 'listEvents', method: 'get', path: '/events', tag: 'Events', summary: 'Every event of the partner, in order', description: '`after` is an event id or sequence number; poll with the last one seen.', roles: partnerOrOps, query: eventQuerySchema, response: { status: 200, description: 'A page of events', schema: 'EventPage' } },

  // --- webhooks ---
  { operationId: 'createWebhookEndpoint', method: 'post', path: '/webhook_endpoints', tag: 'Webhooks', summary: 'Register a webhook endpoint', description: 'Leave `event_types` out to receive every type.', roles: ['partner'], body: 'WebhookEndpointCreate', response: { status: 201, description: 'The endpoint, with its signing secret (shown once)', schema: 'WebhookEndpointCreated' } },
  { operationId: 'listWebhookEndpoints', method: 'get', path: '/webhook_endpoints', tag: 'Webhooks', summary: 'List webhook endpoints', roles: partnerOrOps, query: pageQuerySchema, response: { status: 200, description: 'A page of endpoints', schema: 'WebhookEndpointPage' } },
  { operationId: 'getWebhookEndpoint', method: 'get', path: '/webhook_endpoints/{id}', tag: 'Webhooks', summary: 'Get a webhook endpoint', roles: partnerOrOps, response: { status: 200, description: 'The endpoint', schema: 'WebhookEndpoint' } },
  { operationId: 'deleteWebhookEndpoint', method: 'delete', path: '/webhook_endpoints/{id}', tag: 'Webhooks', summary: 'Delete a webhook endpoint', roles: partnerOrOps, response: { status: 204, description: 'Deleted' } },
  { operationId: 'listWebhookAttempts', method: 'get', path: '/webhook_endpoints/{id}/attempts', tag: 'Webhooks', summary: 'Every delivery attempt to an endpoint', roles: partnerOrOps, query: webhookAttemptListQuerySchema, response: { status: 200, description: 'A page of attempts', schema: 'WebhookAttemptPage' } },
  { operationId: 'redeliverWebhookEvent', method: 'post', path: '/webhook_endpoints/{id}/redeliver/{event_id}', tag: 'Webhooks', summary: 'Deliver an event to an endpoint again', roles: partnerOrOps, response: { status: 202, description: 'Accepted; delivered asynchronously', schema: 'WebhookRedelivery' } },

  // --- debt collection cases ---
  {
    operationId: 'createDebtCollectionCase',
    method: 'post',
    path: '/debt_collection_cases',
    tag: 'Debt collection cases',
    summary: 'Create a debt collection case by hand',
    description:
      'The body mirrors the debt collection document in snake_case, plus `company_id` (and `invoice_id` when the case is about one of its invoices). `external_id` is unique per company: creating it again answers the existing case (200).',
    roles: partnerOrOps,
    body: 'DebtCollectionCaseCreate',
    response: { status: 201, description: 'The case, `preparing` (200 with the existing case for a known `external_id`)', schema: 'DebtCollectionCase' },
    errors: [{ status: 422, description: 'The invoice belongs to another company' }],
  },
  { operationId: 'listDebtCollectionCases', method: 'get', path: '/debt_collection_cases', tag: 'Debt collection cases', summary: 'List debt collection cases', roles: ['partner', 'reviewer', 'ops'], query: debtCaseListQuerySchema, response: { status: 200, description: 'A page of cases', schema: 'DebtCollectionCasePage' } },
  { operationId: 'getDebtCollectionCase', method: 'get', path: '/debt_collection_cases/{id}', tag: 'Debt collection cases', summary: 'Get a debt collection case', description: 'With its documents, collected amounts and timeline.', roles: ['partner', 'reviewer', 'ops'], response: { status: 200, description: 'The case', schema: 'DebtCollectionCase' } },
  {
    operationId: 'uploadDebtCollectionCaseDocument',
    method: 'post',
    path: '/debt_collection_cases/{id}/documents',
    tag: 'Debt collection cases',
    summary: 'Attach a document to a case',
    description: 'Multipart form with `type`, optional `name`, and `file`.',
    roles: partnerOrOps,
    body: 'DebtCollectionCaseDocumentUpload',
    bodyMediaType: 'multipart/form-data',
    response: { status: 201, description: 'The document', schema: 'DebtCollectionCaseDocument' },
    errors: [
      { status: 409, description: 'The case does not take documents any more' },
      { status: 413, description: 'The file is too large' },
      { status: 415, description: 'Not an accepted file type' },
    ],
  },
  { operationId: 'downloadDebtCollectionCaseDocument', method: 'get', path: '/debt_collection_cases/{id}/documents/{documentId}/content', tag: 'Debt collection cases', summary: "Download a case document's file", roles: ['partner', 'reviewer', 'ops'], response: { status: 200, description: 'The file', mediaType: 'application/octet-stream' } },
  {
    operationId: 'markDebtCollectionCasePrepared',
    method: 'post',
    path: '/debt_collection_cases/{id}/mark_prepared',
    tag: 'Debt collection cases',
    summary: 'Mark a case prepared',
    description: 'The first matching debt collector configuration decides: `reviewing` when it asks for review, else `processing` (handed to the collector).',
    roles: partnerOrOps,
    response: { status: 200, description: 'The case', schema: 'DebtCollectionCase' },
    errors: [{ status: 409, description: 'The case is not `preparing`' }],
  },
  {
    operationId: 'reviewDebtCollectionCase',
    method: 'post',
    path: '/debt_collection_cases/{id}/review',
    tag: 'Debt collection cases',
    summary: 'Approve or reject a case under review',
    roles: ['reviewer', 'ops'],
    body: 'DebtCollectionCaseReview',
    response: { status: 200, description: 'The case: `processing` when approved, `closed` (`rejected`) when not', schema: 'DebtCollectionCase' },
    errors: [{ status: 409, description: 'The case is not `reviewing`' }],
  },
  {
    operationId: 'addDebtCollectionCaseCollectedAmount',
    method: 'post',
    path: '/debt_collection_cases/{id}/collected_amounts',
    tag: 'Debt collection cases',
    summary: 'Record an amount the collector collected',
    roles: partnerOrOps,
    body: 'DebtCollectionCaseCollectedAmount',
    response: { status: 201, description: 'The collected amount and the case after it', schema: 'DebtCollectionCaseCollectedAmountResult' },
    errors: [{ status: 409, description: 'The case is not with a collector, or closed' }, { status: 422, description: 'More than is outstanding' }],
  },
  {
    operationId: 'closeDebtCollectionCase',
    method: 'post',
    path: '/debt_collection_cases/{id}/close',
    tag: 'Debt collection cases',
    summary: 'Close a case',
    roles: partnerOrOps,
    body: 'DebtCollectionCaseClose',
    response: { status: 200, description: 'The case, `closed`', schema: 'DebtCollectionCase' },
    errors: [{ status: 409, description: 'The case is closed already' }],
  },

  // --- statements ---
  {
    operationId: 'getMt940Statement',
    method: 'get',
    path: '/companies/{id}/statements/mt940',
    tag: 'Statements',
    summary: "MT940 statement of a company's collected payments",
    description:
      'SWIFT MT940 of Recoup\'s collection account (`RECOUP_COLLECTION_IBAN`) for the company, one statement per currency: `:60F:` the net of everything collected before `from`, one `:61:`/`:86:` per payment (credit) or chargeback, refund or reversal (debit) from `from` to `to` inclusive (dates in the company\'s timezone), `:61:` with the invoice\'s RF payment reference, `:86:` with `/EREF/` the payment\'s external id, `/REMI/` invoice reference, number and id, `/NAME/` debtor; `:62F:` and `:64:` the closing balance. Sent as an attachment.',
    roles: partnerOrOps,
    query: statementQuerySchema,
    response: { status: 200, description: 'An MT940 file', mediaType: 'text/plain' },
  },
  {
    operationId: 'getCamt053Statement',
    method: 'get',
    path: '/companies/{id}/statements/camt053',
    tag: 'Statements',
    summary: "camt.053 statement of a company's collected payments",
    description:
      'ISO 20022 camt.053.001.02 with the same content as the MT940: per currency a `Stmt` with balances `OPBD` and `CLBD` and one booked `Ntry` per payment, whose `TxDtls` carry `RmtInf/Ustrd`, `RmtInf/Strd` (invoice number as `RfrdDocInf/Nb`, the RF payment reference as `CdtrRefInf/Ref` typed `SCOR`) and the debtor as `RltdPties/Dbtr/Nm`.',
    roles: partnerOrOps,
    query: statementQuerySchema,
    response: { status: 200, description: 'A camt.053 XML document', mediaType: 'application/xml' },
  },
  {
    operationId: 'importBankStatement',
    method: 'post',
    path: '/bank_statements',
    tag: 'Statements',
    summary: 'Import a bank statement of the collection account (reconciliation)',
    description:
      'The file as the bank sent it: MT940 or MT942 as `text/plain`, camt.053 as `application/xml` (`text/xml` too). Each credit line is matched to an invoice by the RF payment reference in the remittance text (check digits verified), else by an invoice\'s reference, number or Recoup id only when exactly one invoice of all partners fits the text, the amount is its amount due and the payer (when the bank names one) is its debtor; a match is paid through the invoice workflow (source `bank`). The others wait as `unmatched` for ops in the console (`/console/reconciliation`). The same file again answers 200 with the first import and changes nothing; lines already imported from another file are skipped. A file that cannot be read is a 400 `statement_unreadable` whose `details[0].path` names the line and tag (`line 5 (:61:)`) or the camt.053 element.',
    roles: ['ops'],
    body: 'BankStatementFile',
    bodyMediaType: 'text/plain',
    response: { status: 201, description: 'The import with its new lines and what became of them (200: this file was imported before)', schema: 'BankStatement' },
    errors: [
      { status: 413, description: 'The file is larger than 10 MB' },
      { status: 415, description: 'Not text/plain or application/xml' },
    ],
  },
  { operationId: 'getBankStatement', method: 'get', path: '/bank_statements/{id}', tag: 'Statements', summary: 'An imported bank statement with its lines', roles: ['ops'], response: { status: 200, description: 'The import', schema: 'BankStatement' } },
  { operationId: 'listBankTransactions', method: 'get', path: '/bank_transactions', tag: 'Statements', summary: 'Lines of imported bank statements', description: 'Filter with `status=unmatched` for the lines waiting for ops.', roles: ['ops'], query: bankTransactionListQuerySchema, response: { status: 200, description: 'A page of bank lines', schema: 'BankTransactionPage' } },
  { operationId: 'getBankTransaction', method: 'get', path: '/bank_transactions/{id}', tag: 'Statements', summary: 'One line of an imported bank statement', roles: ['ops'], response: { status: 200, description: 'The line', schema: 'BankTransaction' } },
  {
    operationId: 'resolveBankTransaction',
    method: 'post',
    path: '/bank_transactions/{id}/resolve',
    tag: 'Statements',
    summary: 'Assign a waiting bank line to an invoice, which it pays',
    description:
      'For an `unmatched` credit line: pays the invoice (given by id, or by number when only one invoice has it) through its workflow, as an automatic match would (source `bank`, once however often this is retried), and marks the line `resolved` with who, when and why. The console does the same at `/console/reconciliation`.',
    roles: ['ops'],
    body: 'BankTransactionResolve',
    response: { status: 200, description: 'The line, `resolved`', schema: 'BankTransaction' },
    errors: [
      { status: 409, description: '`bank_transaction_decided` (the line is not waiting), `not_a_credit`, or `invoice_not_payable` (the invoice is closed); no invoice with that id or number is a 404' },
      { status: 422, description: '`invoice_ambiguous`: several invoices have that number' },
    ],
  },
  {
    operationId: 'dismissBankTransaction',
    method: 'post',
    path: '/bank_transactions/{id}/dismiss',
    tag: 'Statements',
    summary: 'Set a waiting bank line aside, with a reason',
    description: 'For an `unmatched` line that pays no invoice (a payment for something else, a duplicate): marked `dismissed` with who, when and why. Nothing is paid.',
    roles: ['ops'],
    body: 'BankTransactionDismiss',
    response: { status: 200, description: 'The line, `dismissed`', schema: 'BankTransaction' },
    errors: [
      { status: 409, description: '`bank_transaction_decided`: the line is not waiting' },
    ],
  },

  // --- print batches (ops) ---
  {
    operationId: 'listPrintBatches',
    method: 'get',
    path: '/print_batches',
    tag: 'Print batches',
    summary: 'List print batches, newest first',
    description: 'With the default print-and-mail adapter (no `PRINT_MAIL_API_URL`), every letter waits in the open batch of its UTC day until ops mark the batch posted; a letter queued after that goes to a new batch.',
    roles: ['ops'],
    query: pageQuerySchema,
    response: { status: 200, description: 'A page of print batches with their letter counts', schema: 'PrintBatchPage' },
  },
  { operationId: 'getPrintBatch', method: 'get', path: '/print_batches/{id}', tag: 'Print batches', summary: 'A print batch with its letters', roles: ['ops'], response: { status: 200, description: 'The batch', schema: 'PrintBatch' } },
  {
    operationId: 'getPrintBatchPdf',
    method: 'get',
    path: '/print_batches/{id}.pdf',
    tag: 'Print batches',
    summary: 'A print batch as one PDF',
    description: 'Every letter of the batch in the order queued, each starting on a new A4 page with the address in the window of a DIN 5008 (C5/6, DL) window envelope. Sent as an attachment.',
    roles: ['ops'],
    response: { status: 200, description: 'The batch as a PDF', mediaType: 'application/pdf' },
  },
  {
    operationId: 'markPrintBatchPosted',
    method: 'post',
    path: '/print_batches/{id}/posted',
    tag: 'Print batches',
    summary: 'Mark a print batch posted',
    description: 'The batch was printed and handed to the post: it becomes `posted`, and so does each of its letters (`sent_at` now, event `message.sent` with `channel: letter, delivery: posted`). Marking it again changes nothing. No body.',
    roles: ['ops'],
    response: { status: 200, description: 'The batch, `posted`', schema: 'PrintBatch' },
  },

  // --- this document ---
  { operationId: 'getOpenApiDocument', method: 'get', path: '/openapi.json', tag: 'Documentation', summary: 'This OpenAPI 3.1 document', description: 'Human-readable at `/api/docs`.', roles: [], response: { status: 200, description: 'The document', mediaType: 'application/json' } },
];
