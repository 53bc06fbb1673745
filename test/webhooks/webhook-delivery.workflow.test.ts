import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { webhookDeliveryWorkflowId } from '../../workflows/webhook-delivery.messages';
import type { webhookDeliveryWorkflow } from '../../workflows/webhook-delivery.workflow';
import { workflowBundle } from '../support/stack';

/** The delivery workflow's retry schedule, on the time-skipping server with the HTTP attempt mocked. */
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } } });
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

const HOUR = 3_600_000;

async function deliverWith(deliverWebhook: Activities['deliverWebhook']) {
  const taskQueue = `webhook-delivery-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: { deliverWebhook } });
  return worker.runUntil(
    env.client.workflow.execute<typeof webhookDeliveryWorkflow>('webhookDeliveryWorkflow', {
      workflowId: webhookDeliveryWorkflowId('whe_test', `evt_${taskQueue}`),
      taskQueue,
      args: [{ endpointId: 'whe_test', eventId: `evt_${taskQueue}` }],
    }),
  );
}

test('a receiver that never answers 2xx is retried with doubling back-off capped at 6 hours for at least 3 days, then the delivery gives up', async () => {
  const attemptTimes: number[] = [];
  const result = await deliverWith(async () => {
    // The time-skipping server's clock, which the back-off timers move.
    attemptTimes.push(await env.currentTimeMs());
    throw ApplicationFailure.retryable('HTTP 500', 'WebhookDeliveryFailed');
  });
  expect(result).toEqual({ status: 'gave_up' });

  const gaps = attemptTimes.slice(1).map((t, i) => t - attemptTimes[i]!);
  const expected = gaps.map((_, i) => Math.min(30_000 * 2 ** i, 6 * HOUR));
  gaps.forEach((gap, i) => expect(Math.abs(gap - expected[i]!)).toBeLessThan(2_000));
  expect(attemptTimes[attemptTimes.length - 1]! - attemptTimes[0]!).toBeGreaterThanOrEqual(3 * 24 * HOUR);
  // 30 s, 1 min, … 4 h 16 min, then 6-hourly: about two dozen attempts in the 4-day window.
  expect(attemptTimes.length).toBeGreaterThanOrEqual(20);
}, 180_000);

test('a delivery ends at the first 2xx, reporting the attempt that succeeded', async () => {
  let calls = 0;
  const result = await deliverWith(async () => {
    calls++;
    if (calls < 3) throw ApplicationFailure.retryable('HTTP 502', 'WebhookDeliveryFailed');
    return { status: 'delivered', attempt: activityInfo().attempt, statusCode: 204 };
  });
  expect(result).toEqual({ status: 'delivered', attempt: 3, statusCode: 204 });
  expect(calls).toBe(3);
}, 180_000);
