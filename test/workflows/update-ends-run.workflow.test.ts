import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { events as eventsTable, invoices } from '../../db/schema';
import { createMailer } from '../../messaging/mailer';
import { createSmsSender } from '../../messaging/sms';
import { executeUpdate, isDroppedWithWorkflowTask } from '../../temporal/execute-update';
import { applyInvoiceChanges, contactCovered, invoiceWorkflowId } from '../../workflows/invoice.messages';
import { invoiceClient } from '../../workflows/invoice.client';
import { endsWithUpdateWorkflow, finish, poke } from '../fixtures/workflows/update-ends-run.workflow';
import { createTestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { silentLogger } from '../support/logger';
import { dateFrom, seedCompany, seedInvoice } from '../support/seed';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { workflowBundle } from '../support/stack';
import { startDevServerEnv } from '../support/dev-server';

/**
 * An update applied in the workflow task that also ends the run, while a signal arrives: the
 * server refuses that task (UnhandledCommand) and drops the update with it, after the update's
 * local activity already ran. On the dev server, the real server's behaviour: a local activity
 * held open by the test makes the signal arrive during that task every time.
 */
const EventType = temporal.api.enums.v1.EventType;
const Cause = temporal.api.enums.v1.WorkflowTaskFailedCause;

/** Local activities the test holds open: each key's first run waits until the test lets it go. */
function gates() {
  const open = new Map<string, { entered: () => void; release: Promise<void> }>();
  return {
    /** Held until `release(key)`; a key not armed passes at once, as does a second run of one. */
    async pass(key: string): Promise<void> {
      const gate = open.get(key);
      if (!gate) return;
      open.delete(key);
      gate.entered();
      await gate.release;
    },
    /** Arms `key`: answers when its run entered and the function that lets it go. */
    arm(key: string): { entered: Promise<void>; release: () => void } {
      let entered!: () => void;
      let release!: () => void;
      const armed = { entered: new Promise<void>((r) => (entered = r)), release: () => release() };
      open.set(key, { entered, release: new Promise<void>((r) => (release = r)) });
      return armed;
    },
  };
}

let env: TestWorkflowEnvironment;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let smtp: TestSmtpServer;
let seed: Awaited<ReturnType<typeof seedCompany>>;
const workers: Array<{ worker: Worker; running: Promise<void> }> = [];
const held = gates();
const fixtureQueue = 'update-ends-run';
const invoiceQueue = 'update-ends-run-invoices';

beforeAll(async () => {
  env = await startDevServerEnv();
  database = await createTestDatabase();
  smtp = await startSmtpServer();
  seed = await seedCompany(database.db);
  const fixtureBundle = await bundleWorkflowCode({
    workflowsPath: path.join(__dirname, '..', 'fixtures', 'workflows', 'update-ends-run.workflow.ts'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
  });
  const activities = createActivities({
    db: database.db,
    mailer: createMailer({ smtpUrl: smtp.url, from: 'Recoup <noreply@recoup.test>', logger: silentLogger }),
    sms: createSmsSender({ logger: silentLogger }),
    temporal: env.client,
    config: { publicBaseUrl: 'http://portal.test', portalSecret: 'test-portal-secret-123456', TEMPORAL_TASK_QUEUE: invoiceQueue },
    logger: silentLogger,
  });
  for (const worker of [
    await Worker.create({ connection: env.nativeConnection, taskQueue: fixtureQueue, workflowBundle: fixtureBundle, activities: { held: (key: string) => held.pass(key) } }),
    await Worker.create({
      connection: env.nativeConnection,
      taskQueue: invoiceQueue,
      workflowBundle: await workflowBundle(),
      // A batch's writes: held open while the test signals the invoice.
      activities: { ...activities, persistInvoiceChanges: async (changes: Parameters<typeof activities.persistInvoiceChanges>[0]) => {
        await held.pass(changes[0]!.invoiceId);
        return activities.persistInvoiceChanges(changes);
      } },
    }),
  ]) {
    workers.push({ worker, running: worker.run() });
  }
}, 120_000);

afterAll(async () => {
  for (const w of workers) w.worker.shutdown();
  await Promise.all(workers.map((w) => w.running));
  await env?.teardown();
  await smtp?.close();
  await database?.close();
});

const invoiceRow = async (id: string) => (await database.db.select().from(invoices).where(eq(invoices.id, id)))[0]!;

/** A call's outcome, never rejecting: its value, or the error it failed with. */
const settled = <T>(call: Promise<T>): Promise<{ value: T | undefined; error: unknown }> =>
  call.then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error }),
  );

/** The causes of the run's failed workflow tasks. */
async function failedTaskCauses(handle: WorkflowHandle): Promise<number[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED).map((e) => e.workflowTaskFailedEventAttributes!.cause!);
}

describe('the server drops an update whose task ended the run while a signal arrived', () => {
  /** Starts the fixture, sends `finish` with `send`, signals during its local activity; the update's outcome. */
  async function raceUpdateWithSignal(key: string, send: (handle: WorkflowHandle) => Promise<string>) {
    const handle = await env.client.workflow.start(endsWithUpdateWorkflow, { taskQueue: fixtureQueue, workflowId: `race-${key}` });
    const gate = held.arm(key);
    const outcome = settled(send(handle));
    await gate.entered;
    await handle.signal(poke);
    gate.release();
    return { handle, outcome: await outcome };
  }

  test('sent once (the SDK alone), the update fails and the run goes on without it (when this fails, the server keeps such an update)', async () => {
    const { handle, outcome } = await raceUpdateWithSignal('once', (h) => h.executeUpdate(finish, { args: ['once'], updateId: 'finish-once' }));
    expect(isDroppedWithWorkflowTask(outcome.error)).toBe(true);
    expect(await failedTaskCauses(handle)).toEqual([Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND]);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('the update was dropped');
  });

  test('executeUpdate sends it again with the same id: it applies once and the run ends with it', async () => {
    const { handle, outcome } = await raceUpdateWithSignal('again', (h) => executeUpdate(h, finish, { args: ['again'], updateId: 'finish-again' }));
    expect(outcome).toEqual({ value: 'finished by again', error: undefined });
    expect(await handle.result()).toBe('finished by again after 1 poke(s)');
    // The race did happen: the first task was refused for the signal.
    expect(await failedTaskCauses(handle)).toEqual([Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND]);
    const accepted = ((await handle.fetchHistory()).events ?? []).filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
    expect(accepted).toHaveLength(1);
  });
});

test('an update file’s retraction closes the invoice while a signal arrives: the retraction applies once, in the workflow and in the database alike', async () => {
  const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(Date.now(), 30) });
  const handle = await env.client.workflow.start('invoiceWorkflow', { taskQueue: invoiceQueue, workflowId: invoiceWorkflowId(input.invoiceId), args: [input] });
  await eventually(async () => expect((await invoiceRow(input.invoiceId)).status).toBe('open'), 30_000);

  const gate = held.arm(input.invoiceId);
  // The SDK's call alone, as a worker's update file would send it without a second try.
  const answer = settled(handle.executeUpdate(applyInvoiceChanges, { args: [[{ kind: 'retract', key: 'batch-retract', request: { reason: 'sent by mistake' } }]], updateId: 'batch-retract' }));
  await gate.entered;
  await handle.signal(contactCovered, { purpose: 'unrelated', results: [], digestId: null, coveredInvoiceIds: [], guardrails: [] });
  gate.release();
  const { value, error } = await answer;
  expect(error).toBeUndefined();
  expect(value).toEqual([expect.objectContaining({ status: 'applied', snapshot: expect.objectContaining({ status: 'retracted' }) })]);
  expect(await handle.result()).toMatchObject({ status: 'retracted' });
  expect(await failedTaskCauses(handle)).toEqual([]);
  expect((await invoiceRow(input.invoiceId)).status).toBe('retracted');
  const events = await database.db.select().from(eventsTable).where(eq(eventsTable.invoiceId, input.invoiceId));
  expect(events.filter((e) => e.type === 'invoice.retracted')).toHaveLength(1);
  // A closed invoice refuses the next change, through the service's client too.
  await expect(invoiceClient(env.client, input.invoiceId).retract({ reason: 'again' })).rejects.toThrow();
  if (process.env.RECORD_HISTORIES) {
    writeFileSync(path.join(__dirname, '..', 'histories', 'invoice-batch-retract-during-signal.history.bin'), temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish());
  }
}, 60_000);
