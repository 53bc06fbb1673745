/** Names and input of the pull workflow: importable by the API without the workflow itself. */

export interface PullInvoicesInput {
  companyId: string;
}

/** One Temporal Schedule per company; the runs it starts are `pull-<company id>-<timestamp>`. */
export function pullScheduleId(companyId: string): string {
  return `pull-${companyId}`;
}

export const pullInvoicesWorkflowType = 'pullInvoicesWorkflow';
