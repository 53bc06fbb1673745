import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { and, asc, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import { events, webhookAttempts, webhookEndpoints, webhookRelayCursors } from '../db/schema';
import { advanceRelayCursor, endpointWantsEvent, initialRelayCursor } from '../domain/webhook-relay';
import { newId } from '../services/ids';
import { signWebhook } from '../services/webhook-signature';
import { startWebhookDelivery } from '../workflows/webhook-delivery.client';
import type { WebhookDeliveryInput, WebhookDeliveryResult } from '../workflows/webhook-delivery.messages';
import { webhookRelayWorkflowId } from '../workflows/webhook-relay.messages';
import { OutboundFailure, responseExcerpt, sendOutbound } from '../outbound/request';
import { secretBoxFor } from '../services/secret-box';
import { outboundGuardOf, type ActivityDeps } from './deps';

/** A receiver gets this long to answer; a slow one is retried like a failing one. */
const DELIVERY_TIMEOUT_MS = 10_000;
/** Read of a receiver's answer: enough for the excerpt the attempt log keeps; the rest is left unread. */
const RESPONSE_READ_BYTES = 1_024;
const START_CONCURRENCY = 16;

type EventRow = typeof events.$inferSelect;

/** The delivery body: the event as stored, in the contract's shape `{ id, type, created_at, data }`. */
export function webhookPayload(event: EventRow): { id: string; type: string; created_at: string; data: Record<string, unknown> } {
  return { id: event.id, type: event.type, created_at: event.createdAt.toISOString(), data: event.data };
}

export function webhookActivities(deps: ActivityDeps) {
  const { db, temporal, config, logger, clock = () => new Date(), secrets = secretBoxFor(config) } = deps;
  const outbound = outboundGuardOf(deps);
  return {
    /**
     * One round of the outbox relay: reads a page of events after the stored cursor, starts a
     * delivery workflow per (endpoint, event) and stores the advanced cursor. The delivery's id is
     * the pair, and a duplicate start is refused, so a retried round never delivers twice.
     */
    async relayWebhookEvents(input: { batchSize: number }): Promise<{ read: number; started: number; more: boolean }> {
      const [stored] = await db.select().from(webhookRelayCursors).where(eq(webhookRelayCursors.name, webhookRelayWorkflowId));
      const cursor = stored?.cursor ?? initialRelayCursor;
      const gapSeqs = cursor.openGaps.map((g) => g.seq);
      const rows = await db
        .select()
        .from(events)
        .where(or(gt(events.seq, cursor.highWaterSeq), gapSeqs.length > 0 ? inArray(events.seq, gapSeqs) : undefined))
        .orderBy(asc(events.seq))
        .limit(input.batchSize);

      const partnerIds = [...new Set(rows.map((e) => e.partnerId))];
      const endpoints =
        partnerIds.length === 0
          ? []
          : await db
              .select({ id: webhookEndpoints.id, partnerId: webhookEndpoints.partnerId, eventTypes: webhookEndpoints.eventTypes, createdAt: webhookEndpoints.createdAt })
              .from(webhookEndpoints)
              .where(and(inArray(webhookEndpoints.partnerId, partnerIds), isNull(webhookEndpoints.deletedAt)));
      const deliveries: WebhookDeliveryInput[] = rows.flatMap((event) =>
        endpoints.filter((ep) => ep.partnerId === event.partnerId && endpointWantsEvent(ep, event)).map((ep) => ({ endpointId: ep.id, eventId: event.id })),
      );
      const started = await startDeliveries(deliveries);

      const { cursor: next, expiredGaps } = advanceRelayCursor(
        cursor,
        rows.map((e) => e.seq),
        clock().getTime(),
      );
      if (expiredGaps.length > 0) logger.debug({ expiredGaps }, 'webhook relay: event seqs never committed, no longer awaited');
      // An idle round changes nothing: skip the write the relay would otherwise make every second.
      if (stored && rows.length === 0 && expiredGaps.length === 0) return { read: 0, started: 0, more: false };
      await db
        .insert(webhookRelayCursors)
        .values({ name: webhookRelayWorkflowId, cursor: next, updatedAt: clock() })
        .onConflictDoUpdate({ target: webhookRelayCursors.name, set: { cursor: next, updatedAt: clock() } });
      return { read: rows.length, started, more: rows.length === input.batchSize };
    },

    /**
     * One delivery attempt: POSTs the signed event and logs the attempt. Anything but a 2xx throws,
     * and the workflow's retry policy schedules the next attempt.
     */
    async deliverWebhook(input: WebhookDeliveryInput & { deliveryId: string }): Promise<WebhookDeliveryResult> {
      const { attempt } = activityInfo();
      const [endpoint] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, input.endpointId));
      if (!endpoint || endpoint.deletedAt) return { status: 'endpoint_removed' };
      const [event] = await db.select().from(events).where(eq(events.id, input.eventId));
      if (!event) throw ApplicationFailure.nonRetryable(`event ${input.eventId} not found`, 'WebhookEventMissing');

      const body = JSON.stringify(webhookPayload(event));
      // The Standard Webhooks message id is the event id: the same on every retry, so receivers can deduplicate.
      const signed = signWebhook(secrets.open(endpoint.secret), event.id, Math.floor(clock().getTime() / 1000), body);
      const startedAt = performance.now();
      let statusCode: number | null = null;
      let error: string | null = null;
      try {
        // A redirect is not a delivery (the event would go somewhere the partner did not register): a 3xx is a failed attempt.
        const res = await sendOutbound(outbound, {
          url: endpoint.url,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'Recoup-Webhooks/1', ...signed },
          body,
          timeoutMs: DELIVERY_TIMEOUT_MS,
          maxBodyBytes: RESPONSE_READ_BYTES,
        });
        statusCode = res.status;
        if (statusCode < 200 || statusCode > 299) {
          const excerpt = responseExcerpt(res.body);
          const redirect = statusCode >= 300 && statusCode < 400 ? ' (redirects are not followed)' : '';
          error = `HTTP ${res.status}${redirect}${excerpt ? `: ${excerpt}` : ''}`;
        }
      } catch (err) {
        // A refused address is recorded as just that: nothing was sent, nothing answered.
        error = err instanceof OutboundFailure ? err.message : String(err);
      }
      const durationMs = Math.round(performance.now() - startedAt);
      await db
        .insert(webhookAttempts)
        .values({ id: newId('wha'), endpointId: endpoint.id, eventId: event.id, deliveryId: input.deliveryId, attempt, statusCode, error, durationMs })
        .onConflictDoNothing();

      if (statusCode !== null && statusCode >= 200 && statusCode < 300) return { status: 'delivered', attempt, statusCode };
      throw ApplicationFailure.retryable(`webhook attempt ${attempt} to ${endpoint.id} failed: ${error}`, 'WebhookDeliveryFailed');
    },
  };

  async function startDeliveries(deliveries: WebhookDeliveryInput[]): Promise<number> {
    let started = 0;
    const queue = [...deliveries];
    const startOne = async (delivery: WebhookDeliveryInput): Promise<void> => {
      if ((await startWebhookDelivery(temporal, config.TEMPORAL_TASK_QUEUE, delivery)).started) started++;
    };
    await Promise.all(
      Array.from({ length: Math.min(START_CONCURRENCY, queue.length) }, async () => {
        for (let d = queue.shift(); d; d = queue.shift()) await startOne(d);
      }),
    );
    return started;
  }
}
