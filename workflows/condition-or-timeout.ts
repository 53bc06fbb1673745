import { CancellationScope, condition, patched, sleep } from '@temporalio/workflow';

/**
 * A timer due this soon may fire on the server while the workflow task that would cancel it is
 * still running: a workflow task lasts at most its timeout, 10 s by default.
 */
export const KEEP_TIMER_DUE_WITHIN_MS = 10_000;

/**
 * The SDK's `condition(fn, timeoutMs)`: true when `fn` held first, false when the time ran out.
 * One difference: when `fn` holds with the timer due within {@link KEEP_TIMER_DUE_WITHIN_MS}, the
 * timer is left to fire (its firing is then ignored) instead of being cancelled.
 *
 * Why: such a timer may already have fired on the server during this very workflow task. The real
 * server then drops the buffered firing and records the cancel; Temporal's time-skipping test
 * server refuses the task's completion ("invalid history builder state for action",
 * temporalio/sdk-java#2606) and never hands the task out again (#3088), so the workflow hangs.
 * Not cancelling a timer about to fire costs one more timer event and workflow task; the rare
 * case is marked by `patched('keep-timer-due-soon')`, so runs that cancelled such a timer replay.
 */
export function conditionOrTimeout(fn: () => boolean, timeoutMs: number): Promise<boolean> {
  return CancellationScope.cancellable(async () => {
    const due = Date.now() + timeoutMs;
    let met = false;
    try {
      met = await Promise.race([sleep(timeoutMs).then(() => false), condition(fn).then(() => true)]);
      return met;
    } finally {
      const keepTimer = met && due - Date.now() <= KEEP_TIMER_DUE_WITHIN_MS && patched('keep-timer-due-soon');
      if (!keepTimer) CancellationScope.current().cancel();
    }
  });
}
