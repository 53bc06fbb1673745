import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SendMessageResult } from '../activities/messaging';
import type { GuardrailCheck } from '../domain/guardrails';
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
  /** A consumer (not an organisation): statutory fees need the 14-day notice first. */
  consumer?: boolean;
  /** Set when the workflow continued as new: where the previous run left off. */
  resume?: InvoiceResumeState;
  /** Continue as new once the history has this many events (default 5,000; tests use less). */
  continueAfterEvents?: number;
  /** Set when a closed invoice is reopened (a chargeback on a paid invoice). */
  reopen?: ReversePaymentRequest;
  /** The debtor is flagged vulnerable as the invoice starts: it starts paused (see `vulnerabilityChanged`). */
  vulnerable?: boolean;
}

/** Everything a run hands to the next when it continues as new (plain data). */
export interface InvoiceResumeState {
  state: import('../domain/invoice-state').CollectionState;
  plan: import('../domain/dunning-plan').PlanState;
  revision: number;
  promise: PromiseState | null;
  paymentPlan: PaymentPlanState | null;
  /** Since when a hold taken before one pause clock holds (null for a hold on the shared clock, `pausedSince`). */
  heldSince: number | null;
  /** The run paces its notices (see PlanContext.paced); absent in state handed over before pacing existed. */
  paced?: boolean;
  /** The run asks its debtor's workflow for contact (one budget per debtor); absent in state from before. */
  debtorBudget?: boolean;
  /** The open dispute, the debtor's vulnerability flag, and since when the policy's clock stands still for them or a hold (absent before disputes existed). */
  disputeId?: string | null;
  vulnerable?: boolean;
  pausedSince?: number | null;
}

export interface PromiseState {
  date: string;
  startedAt: number;
  deadline: number;
}

export interface PaymentPlanState {
  number: number;
  /** Set when the plan covers several invoices of the debtor. */
  accountPlan?: AccountPlan;
  installments: Array<{ dueDate: string; amountCents: number }>;
  next: number;
  paidAtStart: number;
  startedAt: number;
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

export interface PromiseToPayRequest {
  /** YYYY-MM-DD: the debtor will have paid everything by this date. */
  date: string;
  source: 'partner' | 'portal';
}

export interface PaymentPlanRequest {
  installmentCount: number;
  /** The first installment date (of an account plan: the plan's first date, which this invoice's part may start after). */
  firstDueDate: string;
  intervalDays?: number;
  source: 'partner' | 'portal';
  /**
   * This invoice's part of one plan over several invoices of the debtor (the portal splits the
   * plan of the total, oldest due date first): the installments are given, the policy's limits
   * were checked on the total, and a break on any of the invoices ends the plan on all of them.
   */
  installments?: Array<{ dueDate: string; amountCents: number }>;
  accountPlan?: AccountPlan;
}

/** One payment plan over several invoices of a debtor: its id and every invoice that follows it. */
export interface AccountPlan {
  id: string;
  invoiceIds: string[];
}

/** Another invoice of the same account plan missed its installment: the plan ends here too and dunning resumes. */
export interface EndPaymentPlanRequest {
  accountPlanId: string;
  /** The invoice whose installment was missed. */
  brokenOn: string;
}

export interface ReversePaymentRequest {
  /** The payment reversed (its external id) and the amount taken back. */
  externalId: string;
  amountCents: number;
  kind: 'chargeback' | 'refund' | 'reversal';
  reason?: string;
}

export interface CollectionOutcomeRequest {
  /** `collected`: the collector recovered it; `written_off`: uncollectible. */
  status: 'collected' | 'written_off';
  caseId: string;
  reason?: string;
}

export interface HoldRequest {
  reason?: string;
}

/** The debtor contests the invoice (contract: `POST /invoices/{id}/disputes`); the dispute's row is written by the service. */
export interface DisputeRequest {
  disputeId: string;
  reason: string;
  details?: string | null;
  via: 'api' | 'portal' | 'agent';
}

/** The dispute's outcome: `upheld` credits `creditCents` (default: everything due); `rejected` resumes collection. */
export interface ResolveDisputeRequest {
  disputeId: string;
  outcome: 'upheld' | 'rejected';
  reason: string;
  creditCents?: number;
}

/** The debtor was flagged vulnerable (or the flag was lifted): automated contact and fees pause for all their invoices. */
export interface VulnerabilityChange {
  vulnerable: boolean;
}

/** New contact details of the debtor, for a running invoice: what the workflow itself computes with. */
export interface ContactChange {
  /** The debtor's IANA timezone from now on: send hours, quiet hours and dates are read in it from the next step on. */
  timezone: string;
}

/**
 * The debtor's workflow answers a request for contact (`contactRequested`, debtor.messages.ts): what
 * went out for the step on each channel, and whether it was one digest covering several invoices.
 */
export interface ContactCovered {
  purpose: string;
  /** Per channel, as a direct send answers (`sendInvoiceMessage`). */
  results: Array<{ channel: 'email' | 'sms' } & SendMessageResult>;
  /** The digest that carried this invoice's message on some channel; null when it went alone. */
  digestId: string | null;
  /** Every invoice the digest covered (this one included); empty when it went alone. */
  coveredInvoiceIds: string[];
  /** The debtor-level checks (quiet hours, contact limit, gap over all the debtor's invoices) the contact waited for. */
  guardrails: GuardrailCheck[];
}

/**
 * One change of a batch (an update file's records about one invoice, in file order), with the
 * update id it would have had as an update of its own (`key`): a key this run applied before,
 * alone or in a batch, is not applied again.
 */
export type InvoiceChange =
  | { kind: 'payment'; key: string; request: PaymentRequest }
  | { kind: 'credit'; key: string; request: CreditRequest }
  | { kind: 'retract'; key: string; request: RetractRequest }
  | { kind: 'hold'; key: string; request: HoldRequest }
  | { kind: 'resume'; key: string };

/** Per change of a batch: applied (the snapshot after it), or refused as its own update would have been. */
export type InvoiceChangeResult = { status: 'applied'; snapshot: InvoiceSnapshot } | { status: 'refused'; type: string | null; message: string };

export const registerPayment = defineUpdate<InvoiceSnapshot, [PaymentRequest]>('registerPayment');
export const creditInvoice = defineUpdate<InvoiceSnapshot, [CreditRequest]>('creditInvoice');
export const retractInvoice = defineUpdate<InvoiceSnapshot, [RetractRequest]>('retractInvoice');
export const creditAndRetractInvoice = defineUpdate<InvoiceSnapshot, [CreditRequest & RetractRequest]>('creditAndRetractInvoice');
export const holdInvoice = defineUpdate<InvoiceSnapshot, [HoldRequest]>('holdInvoice');
export const resumeInvoice = defineUpdate<InvoiceSnapshot, []>('resumeInvoice');
export const promiseToPay = defineUpdate<InvoiceSnapshot, [PromiseToPayRequest]>('promiseToPay');
export const createPaymentPlan = defineUpdate<InvoiceSnapshot, [PaymentPlanRequest]>('createPaymentPlan');
export const reversePayment = defineUpdate<InvoiceSnapshot, [ReversePaymentRequest]>('reversePayment');
export const closeByCollection = defineUpdate<InvoiceSnapshot, [CollectionOutcomeRequest]>('closeByCollection');
/** Email, phone and address are read from the invoice row at each send; only what the workflow computes with travels here. */
export const contactChanged = defineUpdate<InvoiceSnapshot, [ContactChange]>('contactChanged');
/** A sibling invoice's account plan broke (see PaymentPlanRequest.accountPlan); answers whether this invoice's plan ended. */
export const endPaymentPlan = defineUpdate<InvoiceSnapshot, [EndPaymentPlanRequest]>('endPaymentPlan');
/** Changes applied one after the other, each validated as its own update is; a refused one does not stop the others. */
export const applyInvoiceChanges = defineUpdate<InvoiceChangeResult[], [InvoiceChange[]]>('applyInvoiceChanges');
export const disputeInvoice = defineUpdate<InvoiceSnapshot, [DisputeRequest]>('disputeInvoice');
export const resolveDispute = defineUpdate<InvoiceSnapshot, [ResolveDisputeRequest]>('resolveDispute');
export const vulnerabilityChanged = defineSignal<[VulnerabilityChange]>('vulnerabilityChanged');
export const contactCovered = defineSignal<[ContactCovered]>('contactCovered');
export const invoiceState = defineQuery<InvoiceSnapshot>('invoiceState');

/** Failure types a validator or handler raises; the API maps them to HTTP statuses. */
export const InvoiceFailure = {
  closed: 'invoice_closed',
  creditExceedsDue: 'credit_exceeds_amount_due',
  duplicatePayment: 'duplicate_payment',
  alreadyOnHold: 'invoice_on_hold',
  notOnHold: 'invoice_not_on_hold',
  arrangementInPlace: 'arrangement_in_place',
  notAllowedByPolicy: 'not_allowed_by_policy',
  /** The payments would add up to more than the database holds for one invoice. */
  amountOutOfRange: 'amount_out_of_range',
  /** A contact change naming a timezone the workflow cannot read (the services validate first). */
  invalidTimezone: 'invalid_timezone',
  /** A second dispute while one is open. */
  disputeOpen: 'dispute_open',
  /** A resolution for a dispute that is not the invoice's open one. */
  notDisputed: 'invoice_not_disputed',
} as const;

export function invoiceWorkflowId(invoiceId: string): string {
  return `invoice-${invoiceId}`;
}
