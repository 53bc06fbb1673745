import type { Client, WorkflowHandle } from '@temporalio/client';
import { webhookRelayWorkflowId, type WebhookRelayInput } from '../workflows/webhook-relay.messages';
import type { webhookRelayWorkflow } from '../workflows/webhook-relay.workflow';

/**
 * Starts the webhook outbox relay unless it is already running: every process that boots a worker
 * calls this, and the fixed workflow id makes all but the first a no-op. A relay that was
 * terminated or failed is started afresh; it resumes from the cursor stored in the database.
 */
export async function ensureWebhookRelayRunning(
  client: Client,
  taskQueue: string,
  input: WebhookRelayInput = {},
): Promise<WorkflowHandle<typeof webhookRelayWorkflow>> {
  return client.workflow.start<typeof webhookRelayWorkflow>('webhookRelayWorkflow', {
    workflowId: webhookRelayWorkflowId,
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
}
