import type { Client, ScheduleOptions, ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { eventsExtractScheduleId } from '../workflows/batch-file.messages';
import { eventsExtractScheduleAction } from '../workflows/events-extract.client';
import type { eventsExtractWorkflow } from '../workflows/events-extract.workflow';

/**
 * The daily events extract's Schedule: at 00:15 UTC, for the day before. Created at start-up by
 * every worker process; one that exists already is brought up to date (safe to race).
 */
export async function ensureEventsExtractSchedule(temporal: Client, taskQueue: string): Promise<void> {
  const options: ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof eventsExtractWorkflow>> = {
    scheduleId: eventsExtractScheduleId,
    spec: { calendars: [{ hour: 0, minute: 15, comment: 'daily, after the UTC day has ended' }] },
    action: eventsExtractScheduleAction(taskQueue),
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    state: { note: 'daily JSON events extract to each partner outbox' },
  };
  try {
    await temporal.schedule.create(options);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await temporal.schedule.getHandle(eventsExtractScheduleId).update<typeof eventsExtractWorkflow>((previous) => ({
      ...previous,
      spec: options.spec,
      action: options.action,
      policies: options.policies,
    }));
  }
}
