import { continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { WebhookRelayInput } from './webhook-relay.messages';

const { relayWebhookEvents } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** About 11 history events per round: stays far below the history warning before continuing as new. */
const ROUNDS_PER_RUN = 500;

/**
 * The outbox relay: reads the `events` table after its stored cursor, starts a delivery workflow
 * per (endpoint, event), and waits briefly when there is nothing new. Runs forever.
 */
export async function webhookRelayWorkflow(input: WebhookRelayInput = {}): Promise<void> {
  const idleInterval = input.idleInterval ?? '1 second';
  const batchSize = input.batchSize ?? 200;
  for (let round = 1; ; round++) {
    const page = await relayWebhookEvents({ batchSize });
    if (!page.more) await sleep(idleInterval);
    if (round >= ROUNDS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof webhookRelayWorkflow>(input);
    }
  }
}
