import { createHash } from 'node:crypto';
import type { Client, ScheduleOptions, ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { pullInvoicesScheduleAction } from '../workflows/pull-invoices.client';
import { pullScheduleId } from '../workflows/pull-invoices.messages';
import type { pullInvoicesWorkflow } from '../workflows/pull-invoices.workflow';

export interface PullScheduleSpec {
  companyId: string;
  partnerId: string;
  intervalMinutes: number;
}

/**
 * The company's pull Schedule. Runs never overlap (SKIP); each company gets its own offset within
 * the interval, so companies with the same interval do not all call out at the same second.
 */
function scheduleOptions(s: PullScheduleSpec, taskQueue: string): ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof pullInvoicesWorkflow>> {
  const everySeconds = s.intervalMinutes * 60;
  const offsetSeconds = createHash('sha256').update(s.companyId).digest().readUInt32BE(0) % everySeconds;
  return {
    scheduleId: pullScheduleId(s.companyId),
    spec: { intervals: [{ every: `${everySeconds} seconds`, offset: `${offsetSeconds} seconds` }] },
    action: pullInvoicesScheduleAction(taskQueue, s),
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
    state: { note: 'pull integration' },
  };
}

/** Creates the Schedule, or brings an existing one up to date. */
export async function savePullSchedule(temporal: Client, taskQueue: string, s: PullScheduleSpec): Promise<void> {
  const options = scheduleOptions(s, taskQueue);
  try {
    await temporal.schedule.create(options);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await temporal.schedule.getHandle(options.scheduleId).update<typeof pullInvoicesWorkflow>(() => ({
      spec: options.spec,
      action: options.action,
      policies: options.policies,
      state: { paused: false, note: 'pull integration' },
    }));
  }
}

/** Deletes the Schedule; one that is already gone is fine. */
export async function deletePullSchedule(temporal: Client, companyId: string): Promise<void> {
  try {
    await temporal.schedule.getHandle(pullScheduleId(companyId)).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
}

/**
 * Runs the pull now. A run already under way finishes first and this one follows (BUFFER_ONE),
 * so two runs of a company never overlap. A Schedule lost on the Temporal side is recreated.
 */
export async function triggerPullSchedule(temporal: Client, taskQueue: string, s: PullScheduleSpec): Promise<void> {
  const handle = temporal.schedule.getHandle(pullScheduleId(s.companyId));
  try {
    await handle.trigger(ScheduleOverlapPolicy.BUFFER_ONE);
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await savePullSchedule(temporal, taskQueue, s);
    await handle.trigger(ScheduleOverlapPolicy.BUFFER_ONE);
  }
}
