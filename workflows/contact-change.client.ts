import type { Client } from '@temporalio/client';
import { contactChangeWorkflowId } from './contact-change.messages';
import type { contactChangeConfirmationWorkflow } from './contact-change.workflow';

/**
 * The one place the confirmation of a portal contact change (to the previous email address and
 * phone number) is started; its id is the change's, so it never runs twice at once.
 */
export async function startContactChangeConfirmation(temporal: Client, taskQueue: string, changeId: string): Promise<void> {
  await temporal.workflow.start<typeof contactChangeConfirmationWorkflow>('contactChangeConfirmationWorkflow', {
    workflowId: contactChangeWorkflowId(changeId),
    taskQueue,
    args: [{ changeId }],
  });
}
