import type { Client, WorkflowHandle } from '@temporalio/client';
import { webhookRelayWorkflowId, type WebhookRelayInput } from './webhook-relay.messages';
import type { webhookRelayWorkflow } from './webhook-relay.workflow';

/**
 * The one place the webhook outbox relay is started, unless it is already running: every process
 * that boots a worker calls this, and the fixed workflow id makes all but the first a no-op. A
 * relay that was terminated or failed is started afresh; it resumes from the cursor stored in the
 * database.
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
