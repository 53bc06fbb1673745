import type { Client } from '@temporalio/client';
import type { contactChangeConfirmationWorkflow } from './contact-change.workflow';

/** One confirmation workflow per portal contact change, so starting it twice never sends twice. */
export function contactChangeWorkflowId(changeId: string): string {
  return `contact-change-${changeId}`;
}

/** Starts the confirmation of a contact change (to the previous email address and phone number). */
export async function startContactChangeConfirmation(temporal: Client, taskQueue: string, changeId: string): Promise<void> {
  await temporal.workflow.start<typeof contactChangeConfirmationWorkflow>('contactChangeConfirmationWorkflow', {
    workflowId: contactChangeWorkflowId(changeId),
    taskQueue,
    args: [{ changeId }],
  });
}
