import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { amountDue } from '../domain/amounts';
import { executeUpdate } from '../temporal/execute-update';
import { AmountDueCents, CompanyId, DunningLevel, InvoiceStatus, PartnerId } from '../temporal/search-attributes';
import type { invoiceWorkflow } from './invoice.workflow';
import {
  applyInvoiceChanges,
  closeByCollection,
  contactChanged,
  createPaymentPlan,
  creditAndRetractInvoice,
  endPaymentPlan,
  creditInvoice,
  disputeInvoice,
  holdInvoice,
  resolveDispute,
  vulnerabilityChanged,
  InvoiceFailure,
  invoiceWorkflowId,
  promiseToPay,
  registerPayment,
  resumeInvoice,
  retractInvoice,
  reversePayment,
  type CollectionOutcomeRequest,
  type ContactChange,
  type CreditRequest,
  type DisputeRequest,
  type ResolveDisputeRequest,
  type EndPaymentPlanRequest,
  type HoldRequest,
  type InvoiceChange,
  type InvoiceChangeResult,
  type InvoiceSnapshot,
  type InvoiceWorkflowInput,
  type PaymentPlanRequest,
  type PaymentRequest,
  type PromiseToPayRequest,
  type RetractRequest,
  type ReversePaymentRequest,
} from './invoice.messages';

/**
 * The one way the service talks to a running invoice workflow: one method per update, each typed by
 * its definition in `invoice.messages.ts`. Client code only: the workflow bundle never imports it.
 * `updateId` makes a resent request apply once (the callers derive it from a business key).
 */
export function invoiceClient(temporal: Client, invoiceId: string) {
  const handle: WorkflowHandle = temporal.workflow.getHandle(invoiceWorkflowId(invoiceId));
  return {
    /** For describing the run or awaiting its end; updates go through the methods below. */
    handle,
    registerPayment: (request: PaymentRequest, updateId?: string): Promise<InvoiceSnapshot> => executeUpdate(handle, registerPayment, { args: [request], updateId }),
    credit: (request: CreditRequest, updateId?: string): Promise<InvoiceSnapshot> => executeUpdate(handle, creditInvoice, { args: [request], updateId }),
    retract: (request: RetractRequest, updateId?: string): Promise<InvoiceSnapshot> => executeUpdate(handle, retractInvoice, { args: [request], updateId }),
    creditAndRetract: (request: CreditRequest & RetractRequest, updateId?: string): Promise<InvoiceSnapshot> =>
      executeUpdate(handle, creditAndRetractInvoice, { args: [request], updateId }),
    hold: (request: HoldRequest, updateId?: string): Promise<InvoiceSnapshot> => executeUpdate(handle, holdInvoice, { args: [request], updateId }),
    resume: (updateId?: string): Promise<InvoiceSnapshot> => executeUpdate(handle, resumeInvoice, { args: [], updateId }),
    promiseToPay: (request: PromiseToPayRequest, updateId?: string): Promise<InvoiceSnapshot> => executeUpdate(handle, promiseToPay, { args: [request], updateId }),
    createPaymentPlan: (request: PaymentPlanRequest, updateId?: string): Promise<InvoiceSnapshot> =>
      executeUpdate(handle, createPaymentPlan, { args: [request], updateId }),
    reversePayment: (request: ReversePaymentRequest, updateId?: string): Promise<InvoiceSnapshot> =>
      executeUpdate(handle, reversePayment, { args: [request], updateId }),
    closeByCollection: (request: CollectionOutcomeRequest, updateId?: string): Promise<InvoiceSnapshot> =>
      executeUpdate(handle, closeByCollection, { args: [request], updateId }),
    endPaymentPlan: (request: EndPaymentPlanRequest, updateId?: string): Promise<InvoiceSnapshot> => executeUpdate(handle, endPaymentPlan, { args: [request], updateId }),
    /** Several changes in one Update, applied in order; each answers applied or refused (see applyInvoiceChanges). */
    applyChanges: (changes: InvoiceChange[], updateId: string): Promise<InvoiceChangeResult[]> => executeUpdate(handle, applyInvoiceChanges, { args: [changes], updateId }),
    dispute: (request: DisputeRequest): Promise<InvoiceSnapshot> => executeUpdate(handle, disputeInvoice, { args: [request], updateId: `dispute-${request.disputeId}` }),
    resolveDispute: (request: ResolveDisputeRequest): Promise<InvoiceSnapshot> =>
      executeUpdate(handle, resolveDispute, { args: [request], updateId: `resolve-${request.disputeId}` }),
    /** A signal: the flag is the debtor's, and an invoice that ended meanwhile has nothing to pause. */
    vulnerabilityChanged: (vulnerable: boolean): Promise<void> => handle.signal(vulnerabilityChanged, { vulnerable }),
    contactChanged: (change: ContactChange, updateId?: string): Promise<InvoiceSnapshot> => executeUpdate(handle, contactChanged, { args: [change], updateId }),
  };
}

export type InvoiceClient = ReturnType<typeof invoiceClient>;

/** The business refusal (an `InvoiceFailure` type and its message) behind a failed update, if that is what it was. */
export function invoiceRefusal(err: unknown): ApplicationFailure | undefined {
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : err;
  return cause instanceof ApplicationFailure ? cause : undefined;
}

/** The workflow refused because the invoice is closed (paid, retracted…) while its run finishes. */
export function refusedAsClosed(err: unknown): boolean {
  return invoiceRefusal(err)?.type === InvoiceFailure.closed;
}

/**
 * The one place an invoice workflow is started: its id is `invoice-<id>`, and its search attributes
 * tell the state the run starts in. A first start (transmission) is refused when the id ran before,
 * so a retried page never starts an invoice twice (WorkflowExecutionAlreadyStartedError); a reopen
 * (`input.reopen`, a chargeback on a paid invoice) starts a new run of the ended id, or joins one
 * that already runs.
 */
export async function startInvoiceWorkflow(temporal: Client, taskQueue: string, input: InvoiceWorkflowInput): Promise<void> {
  const state = input.resume?.state;
  await temporal.workflow.start<typeof invoiceWorkflow>('invoiceWorkflow', {
    workflowId: invoiceWorkflowId(input.invoiceId),
    taskQueue,
    args: [input],
    ...(input.reopen
      ? { workflowIdReusePolicy: 'ALLOW_DUPLICATE', workflowIdConflictPolicy: 'USE_EXISTING' }
      : { workflowIdReusePolicy: 'REJECT_DUPLICATE', workflowIdConflictPolicy: 'FAIL' }),
    typedSearchAttributes: [
      { key: CompanyId, value: input.companyId },
      { key: PartnerId, value: input.partnerId },
      { key: InvoiceStatus, value: state?.status ?? 'open' },
      { key: AmountDueCents, value: state ? amountDue(state) : input.amountTotalCents },
      { key: DunningLevel, value: state?.dunningLevel ?? 0 },
    ],
  });
}
