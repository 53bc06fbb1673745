import type { ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { CompanyId, PartnerId } from '../temporal/search-attributes';
import { pullInvoicesWorkflowType, pullScheduleId, type PullInvoicesInput } from './pull-invoices.messages';
import type { pullInvoicesWorkflow } from './pull-invoices.workflow';

/**
 * The one way a company's pull workflow is started: by its Schedule (services/pull-schedule.ts
 * says when), with this action. Each run's id is the Schedule's id plus the time Temporal adds.
 */
export function pullInvoicesScheduleAction(taskQueue: string, company: { companyId: string; partnerId: string }): ScheduleOptionsStartWorkflowAction<typeof pullInvoicesWorkflow> {
  const input: PullInvoicesInput = { companyId: company.companyId };
  return {
    type: 'startWorkflow',
    workflowType: pullInvoicesWorkflowType,
    workflowId: pullScheduleId(company.companyId),
    taskQueue,
    args: [input],
    typedSearchAttributes: [
      { key: CompanyId, value: company.companyId },
      { key: PartnerId, value: company.partnerId },
    ],
  };
}
