import { ActivityFailure, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { WebhookDeliveryInput, WebhookDeliveryResult } from './webhook-delivery.messages';

/**
 * One attempt per activity run; the server schedules the retries. Back-off 30 s, 1 min, 2 min, …
 * capped at 6 h, for 4 days in all (the contract asks for at least 3): about 24 attempts.
 */
const { deliverWebhook } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '4 days',
  retry: { initialInterval: '30 seconds', backoffCoefficient: 2, maximumInterval: '6 hours', nonRetryableErrorTypes: ['WebhookEventMissing'] },
});

/** Delivers one event to one endpoint until it answers 2xx or the retry window closes. */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  try {
    return await deliverWebhook({ ...input, deliveryId: workflowInfo().workflowId });
  } catch (err) {
    // A receiver down for days is the partner's outage, not ours: the delivery ends, its attempts stay logged.
    if (err instanceof ActivityFailure) {
      log.warn('webhook delivery gave up', { endpointId: input.endpointId, eventId: input.eventId, cause: err.cause?.message });
      return { status: 'gave_up' };
    }
    throw err;
  }
}
