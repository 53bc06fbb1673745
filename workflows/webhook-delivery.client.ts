import type { Client } from '@temporalio/client';
import { startedOnce } from '../temporal/start-once';
import { webhookDeliveryWorkflowId, webhookRedeliveryWorkflowId, type WebhookDeliveryInput } from './webhook-delivery.messages';
import type { webhookDeliveryWorkflow } from './webhook-delivery.workflow';

/**
 * The one place a webhook delivery workflow is started. The automatic delivery of an event to an
 * endpoint (the relay's) has one id per pair and never runs twice: a repeat answers `started:
 * false`. A manual redelivery (`redeliveryId`) has its own id, so it runs beside or after it.
 */
export async function startWebhookDelivery(
  temporal: Client,
  taskQueue: string,
  delivery: WebhookDeliveryInput,
  redeliveryId?: string,
): Promise<{ workflowId: string; started: boolean }> {
  const workflowId = redeliveryId
    ? webhookRedeliveryWorkflowId(delivery.endpointId, delivery.eventId, redeliveryId)
    : webhookDeliveryWorkflowId(delivery.endpointId, delivery.eventId);
  const start = temporal.workflow.start<typeof webhookDeliveryWorkflow>('webhookDeliveryWorkflow', {
    workflowId,
    taskQueue,
    args: [delivery],
    workflowIdConflictPolicy: 'FAIL',
    ...(redeliveryId ? {} : { workflowIdReusePolicy: 'REJECT_DUPLICATE' as const }),
  });
  // Only the automatic delivery's id can repeat: a redelivery's is fresh every time, so a refusal of it is an error.
  const started = redeliveryId ? await start.then(() => true) : await startedOnce(start);
  return { workflowId, started };
}
