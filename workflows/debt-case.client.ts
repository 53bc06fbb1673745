import type { Client, WorkflowHandle } from '@temporalio/client';
import type { DebtCaseState } from '../domain/debt-case';
import {
  addCollectedAmount,
  closeDebtCase,
  debtCaseWorkflowId,
  invoicePaid,
  markPrepared,
  reviewDebtCase,
  type CloseRequest,
  type CollectedAmountRequest,
  type InvoicePaidNotice,
  type ReviewRequest,
} from './debt-case.messages';

/**
 * The one way the service talks to a running debt collection case workflow: one method per update,
 * typed by `debt-case.messages.ts`. Client code only: the workflow bundle never imports it.
 */
export function debtCaseClient(temporal: Client, caseId: string) {
  const handle: WorkflowHandle = temporal.workflow.getHandle(debtCaseWorkflowId(caseId));
  const id = (updateId: string | undefined) => (updateId ? { updateId } : {});
  return {
    markPrepared: (): Promise<DebtCaseState> => handle.executeUpdate(markPrepared),
    review: (request: ReviewRequest, updateId?: string): Promise<DebtCaseState> => handle.executeUpdate(reviewDebtCase, { args: [request], ...id(updateId) }),
    addCollectedAmount: (request: CollectedAmountRequest, updateId?: string): Promise<DebtCaseState> =>
      handle.executeUpdate(addCollectedAmount, { args: [request], ...id(updateId) }),
    close: (request: CloseRequest, updateId?: string): Promise<DebtCaseState> => handle.executeUpdate(closeDebtCase, { args: [request], ...id(updateId) }),
    invoicePaid: (notice: InvoicePaidNotice, updateId?: string): Promise<DebtCaseState> => handle.executeUpdate(invoicePaid, { args: [notice], ...id(updateId) }),
  };
}

export type DebtCaseClient = ReturnType<typeof debtCaseClient>;
