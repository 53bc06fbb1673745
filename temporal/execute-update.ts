import { randomUUID } from 'node:crypto';
import { ServiceError, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';

/** How often an update the server dropped with a failed workflow task is sent again, and the first pause. */
const ATTEMPTS = 5;
const FIRST_PAUSE_MS = 100;

/**
 * True when the server dropped the update because the workflow task that carried it failed on the
 * server (WorkflowNotReady, "unexpected workflow task failure"): e.g. the task ended the run while
 * a signal arrived (UnhandledCommand). Nothing of the update entered the history: sent again, it
 * goes to the next task.
 */
export function isDroppedWithWorkflowTask(err: unknown): boolean {
  if (!(err instanceof ServiceError)) return false;
  const cause = err.cause as { code?: unknown; details?: unknown; message?: unknown } | undefined;
  const text = [err.message, cause?.details, cause?.message].filter((t) => typeof t === 'string').join(' ');
  return cause?.code === 9 && /unexpected workflow task failure/i.test(text);
}

/**
 * Runs an update and waits for its result, as `handle.executeUpdate` does, except that an update
 * the server dropped with a failed workflow task is sent again, with the same update id (one is
 * made up front when the caller has none), a few times with growing pauses. The one way the
 * service's clients run updates.
 */
export async function executeUpdate<Ret, Args extends unknown[]>(
  handle: WorkflowHandle,
  update: UpdateDefinition<Ret, Args>,
  options: { args?: Args; updateId?: string } = {},
): Promise<Ret> {
  const updateId = options.updateId ?? randomUUID();
  for (let attempt = 1; ; attempt++) {
    try {
      // One call for any arity (the SDK's overloads split none from some arguments).
      return await handle.executeUpdate(update as unknown as UpdateDefinition<Ret, [unknown]>, { args: (options.args ?? []) as unknown as [unknown], updateId });
    } catch (err) {
      if (attempt >= ATTEMPTS || !isDroppedWithWorkflowTask(err)) throw err;
      await new Promise((r) => setTimeout(r, FIRST_PAUSE_MS * 2 ** (attempt - 1)));
    }
  }
}
