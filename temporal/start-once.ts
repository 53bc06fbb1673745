import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';

/**
 * Whether a workflow start went through: false when its id policies refused it because the id runs
 * or ran already (the starters use this to make a repeated start a no-op); any other error throws.
 */
export async function startedOnce(start: Promise<unknown>): Promise<boolean> {
  try {
    await start;
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}
