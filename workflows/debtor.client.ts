import type { Client } from '@temporalio/client';
import { contactRequested, debtorWorkflowId, type ContactRequest } from './debtor.messages';
import type { debtorWorkflow } from './debtor.workflow';

/**
 * The one place a debtor's workflow `debtor-<id>` is asked for contact: started if it does not run
 * (a finished one starts afresh), else the request joins the running one.
 */
export async function requestContact(temporal: Client, taskQueue: string, debtorId: string, request: ContactRequest): Promise<void> {
  await temporal.workflow.signalWithStart<typeof debtorWorkflow, [ContactRequest]>('debtorWorkflow', {
    workflowId: debtorWorkflowId(debtorId),
    taskQueue,
    args: [{ debtorId }],
    signal: contactRequested,
    signalArgs: [request],
  });
}
