import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EventsExtractInput } from './batch-file.messages';

const { listExtractPartners, writePartnerEventsExtract } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const DAY_MS = 86_400_000;
const PAGE = 200;

export interface EventsExtractResult {
  day: string;
  partners: number;
  events: number;
}

/**
 * The daily JSON extract: for each partner, every event of one UTC day in its `outbox/`
 * (`events-YYYY-MM-DD.jsonl`). Run daily by a Schedule shortly after midnight UTC for the day
 * before; run again, it rewrites the same files with the same content.
 */
export async function eventsExtractWorkflow(
  input: EventsExtractInput & { afterPartnerId?: string; soFar?: { partners: number; events: number } } = {},
): Promise<EventsExtractResult> {
  const day = input.day ?? new Date(Date.now() - DAY_MS).toISOString().slice(0, 10);
  let after = input.afterPartnerId ?? null;
  let { partners, events } = input.soFar ?? { partners: 0, events: 0 };
  for (;;) {
    const page = await listExtractPartners({ after, limit: PAGE });
    for (const partnerId of page.partnerIds) {
      const written = await writePartnerEventsExtract({ partnerId, day });
      partners++;
      events += written.events;
    }
    if (page.partnerIds.length < PAGE) break;
    after = page.partnerIds[page.partnerIds.length - 1]!;
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof eventsExtractWorkflow>({ day, afterPartnerId: after, soFar: { partners, events } });
    }
  }
  return { day, partners, events };
}
