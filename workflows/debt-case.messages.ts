import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DebtCaseCloseReason, DebtCaseEnvironment, DebtCaseSource, DebtCaseState } from '../domain/debt-case';

/** Messages of the debt collection case workflow: importable by the API without the workflow itself. */

export interface DebtCaseWorkflowInput {
  caseId: string;
  partnerId: string;
  companyId: string;
  invoiceId: string | null;
  source: DebtCaseSource;
  environment: DebtCaseEnvironment;
  currency: string;
  amountCents: number;
  /** Cases opened from an invoice prepare themselves: invoice, lines and timeline attached, then marked prepared. */
  prepareAutomatically: boolean;
  /** Set when the workflow continued as new: where the previous run left off. */
  resume?: DebtCaseState;
}

export type DebtCaseResult = Pick<DebtCaseState, 'state' | 'closeReason' | 'amountCents' | 'collectedAmountCents'>;

export interface ReviewRequest {
  decision: 'approve' | 'reject';
  reason: string;
  /** The reviewer's API key id: the audit trail's "who". */
  reviewedBy: string;
  /** ISO timestamp of the decision: the audit trail's "when". */
  reviewedAt: string;
}

export interface CollectedAmountRequest {
  amountCents: number;
  collectedAt: string;
  source: 'api' | 'collector';
  /** An API key id, or `collector:<configuration name>`. */
  recordedBy: string;
  /** The collector's own id of the amount (callbacks). */
  collectorReference?: string;
}

export interface CloseRequest {
  reason: DebtCaseCloseReason;
  note?: string;
  /** An API key id, `collector:<configuration name>`, or `invoice` when the debtor paid. */
  closedBy: string;
}

/**
 * From the invoice side: the invoice was paid in full. A payment by the debtor (or the partner)
 * withdraws the case; the collector's own payments (`source: 'collector'`) are ignored, the case
 * closes itself when its collector reports the outcome.
 */
export interface InvoicePaidNotice {
  invoiceId: string;
  source: 'partner' | 'portal' | 'bank' | 'collector';
  paymentExternalId?: string;
}

export const markPrepared = defineUpdate<DebtCaseState, []>('markPrepared');
export const reviewDebtCase = defineUpdate<DebtCaseState, [ReviewRequest]>('reviewDebtCase');
export const addCollectedAmount = defineUpdate<DebtCaseState, [CollectedAmountRequest]>('addCollectedAmount');
export const closeDebtCase = defineUpdate<DebtCaseState, [CloseRequest]>('closeDebtCase');
export const invoicePaid = defineUpdate<DebtCaseState, [InvoicePaidNotice]>('invoicePaid');
export const debtCaseState = defineQuery<DebtCaseState>('debtCaseState');

export { DebtCaseFailure } from '../domain/debt-case';

export function debtCaseWorkflowId(caseId: string): string {
  return `debt-case-${caseId}`;
}
