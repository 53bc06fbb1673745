import type { Client } from '@temporalio/client';
import { startedOnce } from '../temporal/start-once';
import { importTransmissionWorkflowId } from './import-transmission.messages';
import type { importTransmissionWorkflow } from './import-transmission.workflow';

/**
 * The one place an import's transmission workflow `import-<id>` is started. Safe to repeat: a
 * repeat while it runs joins the running workflow, and one that has ended is not run again.
 */
export async function startImportTransmission(temporal: Client, taskQueue: string, importId: string): Promise<void> {
  await startedOnce(
    temporal.workflow.start<typeof importTransmissionWorkflow>('importTransmissionWorkflow', {
      workflowId: importTransmissionWorkflowId(importId),
      taskQueue,
      args: [{ importId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    }),
  );
}
