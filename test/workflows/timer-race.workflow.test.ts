import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { go, waiting } from '../fixtures/workflows/timer-race.workflow';
import { eventually } from '../support/eventually';

/**
 * A signal that ends a wait whose timer fires on the server during the very workflow task that
 * handles the signal. The time-skipping test server refuses a cancel of that timer and never
 * hands the workflow a task again (temporalio/sdk-java#2606, #3088): in a loaded CI run this
 * stranded debtor and invoice workflows now and then. Our waits (`conditionOrTimeout`) leave a
 * timer due that soon to fire instead.
 */
const EventType = temporal.api.enums.v1.EventType;
const TIMEOUT_MS = 2_000;
// About 4 s of the workflow thread here: the signal's task runs well past the timer's deadline.
const SPINS = 800_000_000;

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = 'timer-race';

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } } });
  const bundle = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, '..', 'fixtures', 'workflows', 'timer-race.workflow.ts'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } });
  // debugMode: no deadlock detection, so the handler may keep the workflow thread for seconds.
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, debugMode: true });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

/** Starts the workflow, waits until its timer runs, signals it; the signal's history events. */
async function signalDuringTimer(workflowType: string, workflowId: string) {
  const handle = await env.client.workflow.start(workflowType, { taskQueue, workflowId, args: [TIMEOUT_MS] });
  await eventually(async () => expect(await handle.query(waiting)).toBe(true));
  await handle.signal(go, SPINS);
  return handle;
}

const eventsOf = async (workflowId: string) => (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
const ms = (e: temporal.api.history.v1.IHistoryEvent) => Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);

test('a signal ends the wait while its timer fires during the same task: the workflow still completes, the timer is left to fire, not cancelled', async () => {
  const handle = await signalDuringTimer('keptTimerWorkflow', 'kept-timer');
  await expect(handle.result()).resolves.toBe(true);

  const events = await eventsOf('kept-timer');
  const types = events.map((e) => e.eventType);
  expect(types).not.toContain(EventType.EVENT_TYPE_TIMER_CANCELED);
  // The race did happen: the timer fired before the signal's task was answered.
  const signalled = types.indexOf(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  const answered = events.findIndex((e, i) => i > signalled && (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED || e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED));
  const fired = events.find((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED)!;
  expect(ms(fired)).toBeLessThanOrEqual(ms(events[answered]!));
}, 60_000);

test('the same wait with the SDK’s condition(fn, timeout) hangs on this server (when this fails, the server accepts the cancel and the workaround can go)', async () => {
  const handle = await signalDuringTimer('cancelledTimerWorkflow', 'cancelled-timer');
  // Spinning takes about 4 s, then the workflow would sleep 1 s and complete; a workflow task
  // times out after 10 s. Past all that, still nothing: the refused task is never handed out again.
  await new Promise((r) => setTimeout(r, 12_000));
  const events = await eventsOf('cancelled-timer');
  expect(events.at(-1)?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
  expect((await handle.describe()).status.name).toBe('RUNNING');
  await handle.terminate('stranded by the refused timer cancel');
}, 60_000);
