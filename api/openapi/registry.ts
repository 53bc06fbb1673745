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
import { webhookEndpointCreateSchema } from '../../domain/webhook-schemas';
import { pullSourcePutSchema } from '../../domain/pull-integration';
import {
  debtCaseCloseSchema,
  debtCaseCollectedAmountSchema,
  debtCaseCreateSchema,
  debtCaseDocumentFieldsSchema,
  debtCaseReviewSchema,
} from '../../domain/debt-case-schemas';
import { batchFileSchema } from '../batch-files/resources';
import { policyPreviewSchema } from '../dunning-policy/schemas';
import { sftpLoginCreateSchema } from '../../domain/sftp-login';
import { bankTransactionDismissSchema, bankTransactionResolveSchema } from '../../domain/statements/schemas';
import { bankStatementFileSchema, bankStatementSchema, bankTransactionSchema } from '../statements/resources';
import { printBatchSchema, printBatchSummarySchema } from '../print-batches/resources';
import { debtorAccountSchema } from '../debtors/resources';
import { disputeWithInvoiceSchema } from '../disputes/resources';
import { disputeCreateSchema, disputeResolveSchema } from '../../domain/dispute';
import { invoiceMessagePageSchema, portalLinkSchema } from '../invoice-messages/resources';
import { companyUserCreateSchema } from '../../domain/company-user';
import { companyUserSchema } from '../company-users/resources';
import * as resource from './resources';

/**
 * What the OpenAPI document names besides its operations: the tags and the component schemas.
 * The operations themselves are the route definitions of each feature folder (api/partner-api.ts).
 */

export const tags = [
  { name: 'Partners and keys', description: 'Ops manage partners and their API keys.' },
  { name: 'Companies', description: 'The client organisations of a partner; verified by ops before anything is transmitted.' },
  { name: 'Company documents', description: 'Verification documents, uploaded as multipart.' },
  { name: 'Collection policy', description: "A company's dunning policy, versioned; running invoices keep the version they started with." },
  { name: 'Pull integration', description: 'Recoup fetches invoices from an endpoint of the partner on a schedule.' },
  { name: 'Debt collectors', description: 'Ordered debt collector configurations; the first whose conditions match a case picks the collector.' },
  { name: 'Imports', description: 'Batches of invoices transmitted together.' },
  { name: 'Invoices', description: 'Each transmitted invoice is one durable collection workflow.' },
  { name: 'Company users', description: "The company's own people (a club's treasurer) who use the dashboard, signed in by a one-time link sent by email." },
  { name: 'Debtors', description: 'One person or organisation owing one company: every invoice of theirs joins them, by the partner\'s debtor id, else email, else phone.' },
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
  CompanyUserCreate: companyUserCreateSchema,
  PromiseToPay: promiseToPaySchema,
  PaymentPlan: paymentPlanSchema,
  DisputeCreate: disputeCreateSchema,
  DisputeResolve: disputeResolveSchema,
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
  DisputeWithInvoice: disputeWithInvoiceSchema,
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
  DebtorAccount: debtorAccountSchema,
  CompanyUser: companyUserSchema,
  CompanyUserPage: resource.pageOf(companyUserSchema),
  DebtorAccountPage: resource.pageOf(debtorAccountSchema),
  PrintBatch: printBatchSchema,
  PrintBatchPage: resource.pageOf(printBatchSummarySchema),
  BankTransaction: bankTransactionSchema,
  BankTransactionPage: resource.pageOf(bankTransactionSchema),
  BankTransactionResolve: bankTransactionResolveSchema,
  BankTransactionDismiss: bankTransactionDismissSchema,
} satisfies Record<string, z.ZodType>;
export type ComponentName = keyof typeof components;
