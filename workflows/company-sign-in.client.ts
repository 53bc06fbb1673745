import type { Client } from '@temporalio/client';
import { companySignInLinkWorkflowId } from './company-sign-in.messages';
import type { companySignInLinkWorkflow } from './company-sign-in.workflow';

/** The one place a company user's sign-in email is started; its id is the link's. */
export async function startCompanySignInLinkEmail(temporal: Client, taskQueue: string, linkId: string): Promise<void> {
  await temporal.workflow.start<typeof companySignInLinkWorkflow>('companySignInLinkWorkflow', {
    workflowId: companySignInLinkWorkflowId(linkId),
    taskQueue,
    args: [{ linkId }],
  });
}
