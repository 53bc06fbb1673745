import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { InvoiceStatus } from '../domain/invoice-status';
import type { DunningPolicy } from '../domain/dunning-policy';

/** Messages of the invoice workflow: importable by the API without the workflow itself. */

export interface InvoiceWorkflowInput {
  invoiceId: string;
  partnerId: string;
  companyId: string;
  currency: string;
  dueDate: string;
  /** The debtor's IANA timezone, for sending at local hours. */
  timezone: string;
  amountTotalCents: number;
  policy: DunningPolicy;
  policyVersion: number;
}

export interface InvoiceSnapshot {
  status: InvoiceStatus;
  amountTotalCents: number;
  amountPaidCents: number;
  amountCreditedCents: number;
  feesCents: number;
  amountDueCents: number;
  overpaidCents: number;
  dunningLevel: number;
  nextActionAt: string | null;
}

export interface PaymentRequest {
  amountCents: number;
  externalId: string;
  paidAt?: string;
  source: 'partner' | 'portal' | 'bank' | 'collector';
}

export interface CreditRequest {
  amountCents: number;
  reason?: string;
  /** Unique per credit note, so a retried request credits once. */
  creditId: string;
}

export interface RetractRequest {
  reason?: string;
}

export interface HoldRequest {
  reason?: string;
}

export const registerPayment = defineUpdate<InvoiceSnapshot, [PaymentRequest]>('registerPayment');
export const creditInvoice = defineUpdate<InvoiceSnapshot, [CreditRequest]>('creditInvoice');
export const retractInvoice = defineUpdate<InvoiceSnapshot, [RetractRequest]>('retractInvoice');
export const creditAndRetractInvoice = defineUpdate<InvoiceSnapshot, [CreditRequest & RetractRequest]>('creditAndRetractInvoice');
export const holdInvoice = defineUpdate<InvoiceSnapshot, [HoldRequest]>('holdInvoice');
export const resumeInvoice = defineUpdate<InvoiceSnapshot, []>('resumeInvoice');
export const invoiceState = defineQuery<InvoiceSnapshot>('invoiceState');

/** Failure types a validator or handler raises; the API maps them to HTTP statuses. */
export const InvoiceFailure = {
  closed: 'invoice_closed',
  creditExceedsDue: 'credit_exceeds_amount_due',
  duplicatePayment: 'duplicate_payment',
  alreadyOnHold: 'invoice_on_hold',
  notOnHold: 'invoice_not_on_hold',
} as const;

export function invoiceWorkflowId(invoiceId: string): string {
  return `invoice-${invoiceId}`;
}
