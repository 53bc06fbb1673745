import type { Client, WorkflowHandle } from '@temporalio/client';
import type { DebtCaseState } from '../domain/debt-case';
import { CompanyId, PartnerId } from '../temporal/search-attributes';
import { executeUpdate } from '../temporal/execute-update';
import { startedOnce } from '../temporal/start-once';
import {
  addCollectedAmount,
  closeDebtCase,
  debtCaseWorkflowId,
  invoicePaid,
  markPrepared,
  reviewDebtCase,
  type CloseRequest,
  type CollectedAmountRequest,
  type DebtCaseWorkflowInput,
  type InvoicePaidNotice,
  type ReviewRequest,
} from './debt-case.messages';
import type { debtCaseWorkflow } from './debt-case.workflow';

/**
 * The one way the service talks to a running debt collection case workflow: one method per update,
 * typed by `debt-case.messages.ts`. Client code only: the workflow bundle never imports it.
 */
export function debtCaseClient(temporal: Client, caseId: string) {
  const handle: WorkflowHandle = temporal.workflow.getHandle(debtCaseWorkflowId(caseId));
  return {
    markPrepared: (): Promise<DebtCaseState> => executeUpdate(handle, markPrepared),
    review: (request: ReviewRequest, updateId?: string): Promise<DebtCaseState> => executeUpdate(handle, reviewDebtCase, { args: [request], updateId }),
    addCollectedAmount: (request: CollectedAmountRequest, updateId?: string): Promise<DebtCaseState> =>
      executeUpdate(handle, addCollectedAmount, { args: [request], updateId }),
    close: (request: CloseRequest, updateId?: string): Promise<DebtCaseState> => executeUpdate(handle, closeDebtCase, { args: [request], updateId }),
    invoicePaid: (notice: InvoicePaidNotice, updateId?: string): Promise<DebtCaseState> => executeUpdate(handle, invoicePaid, { args: [notice], updateId }),
  };
}

export type DebtCaseClient = ReturnType<typeof debtCaseClient>;

/** The case as stored (a `debt_collection_cases` row has these fields): what its workflow starts from. */
export type DebtCaseToStart = Pick<DebtCaseWorkflowInput, 'partnerId' | 'companyId' | 'invoiceId' | 'source' | 'environment' | 'currency' | 'amountCents'> & {
  id: string;
};

/**
 * The one place a case's workflow `debt-case-<id>` is started, unless it runs already. Callers may
 * repeat it (a retried activity, a create answered again): the conflict policy joins the running
 * workflow, and a finished case is never started a second time.
 */
export async function startDebtCaseWorkflow(temporal: Client, taskQueue: string, row: DebtCaseToStart, prepareAutomatically: boolean): Promise<void> {
  const input: DebtCaseWorkflowInput = {
    caseId: row.id,
    partnerId: row.partnerId,
    companyId: row.companyId,
    invoiceId: row.invoiceId,
    source: row.source,
    environment: row.environment,
    currency: row.currency,
    amountCents: row.amountCents,
    prepareAutomatically,
  };
  // Not started (REJECT_DUPLICATE): the case's workflow has run and ended; there is nothing to start.
  await startedOnce(
    temporal.workflow.start<typeof debtCaseWorkflow>('debtCaseWorkflow', {
      workflowId: debtCaseWorkflowId(row.id),
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: CompanyId, value: row.companyId },
        { key: PartnerId, value: row.partnerId },
      ],
    }),
  );
}
