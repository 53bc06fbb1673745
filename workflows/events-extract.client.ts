import type { ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { eventsExtractScheduleId } from './batch-file.messages';
import type { eventsExtractWorkflow } from './events-extract.workflow';

/**
 * The one way the daily events extract is started: by its Schedule
 * (services/events-extract-schedule.ts says when), with this action, for the day before.
 */
export function eventsExtractScheduleAction(taskQueue: string): ScheduleOptionsStartWorkflowAction<typeof eventsExtractWorkflow> {
  return {
    type: 'startWorkflow',
    workflowType: 'eventsExtractWorkflow',
    workflowId: eventsExtractScheduleId,
    taskQueue,
    args: [{}],
  };
}
