import type { Duration } from '@temporalio/common';

/** The webhook outbox relay: one per namespace, under a fixed id so starting it again joins the running one. */

export const webhookRelayWorkflowId = 'webhook-relay';

export interface WebhookRelayInput {
  /** How long to wait when no new events were found. */
  idleInterval?: Duration;
  /** Events read per activity call. */
  batchSize?: number;
}
