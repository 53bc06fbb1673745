import type { Client } from '@temporalio/client';
import { PartnerId } from '../temporal/search-attributes';
import { startedOnce } from '../temporal/start-once';
import { batchFileWorkflowId, type BatchFileInput } from './batch-file.messages';
import type { batchFileWorkflow } from './batch-file.workflow';

/**
 * The one place a batch file's workflow is started. Its id is the partner's and the content's, and
 * an id that ran before is refused: the same bytes submitted again never run twice (`started:
 * false`). The memo keeps the file's name, so a later duplicate can say which file it repeats.
 */
export async function startBatchFileWorkflow(temporal: Client, taskQueue: string, input: BatchFileInput): Promise<{ workflowId: string; started: boolean }> {
  const workflowId = batchFileWorkflowId(input.partnerId, input.sha256);
  const start = temporal.workflow.start<typeof batchFileWorkflow>('batchFileWorkflow', {
    workflowId,
    taskQueue,
    args: [input],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    workflowIdConflictPolicy: 'FAIL',
    memo: { file: input.name },
    typedSearchAttributes: [{ key: PartnerId, value: input.partnerId }],
  });
  return { workflowId, started: await startedOnce(start) };
}

/** The name of the file an earlier run of `workflowId` processed, as its memo keeps it. */
export async function batchFileNameOf(temporal: Client, workflowId: string): Promise<string | undefined> {
  const earlier = await temporal.workflow.getHandle(workflowId).describe();
  return typeof earlier.memo?.file === 'string' ? earlier.memo.file : undefined;
}
