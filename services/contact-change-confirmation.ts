import type { Client } from '@temporalio/client';
import { contactChangeWorkflowId } from '../workflows/contact-change.messages';
import type { contactChangeConfirmationWorkflow } from '../workflows/contact-change.workflow';

/** Starts the confirmation of a portal contact change (to the previous email address and phone number). */
export async function startContactChangeConfirmation(temporal: Client, taskQueue: string, changeId: string): Promise<void> {
  await temporal.workflow.start<typeof contactChangeConfirmationWorkflow>('contactChangeConfirmationWorkflow', {
    workflowId: contactChangeWorkflowId(changeId),
    taskQueue,
    args: [{ changeId }],
  });
}
