import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { dataConverterFor } from '../../temporal/data-converter';
import { invoiceWorkflowId, registerPayment } from '../../workflows/invoice.messages';
import type { invoiceWorkflow } from '../../workflows/invoice.workflow';
import { eventually } from '../support/eventually';
import { dateFrom, seedInvoice } from '../support/seed';
import { startWorkflowTestEnv, type WorkflowTestEnv } from '../support/workflow-env';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const onlyA = dataConverterFor({ RECOUP_PAYLOAD_KEYS: `key-a:${keyA}` })!;
const rotated = dataConverterFor({ RECOUP_PAYLOAD_KEYS: `key-b:${keyB},key-a:${keyA}` })!;

let t: WorkflowTestEnv;

beforeAll(async () => {
  t = await startWorkflowTestEnv({ dataConverter: onlyA, maxCachedWorkflows: 0 });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

const keyIdOf = (payloads: Payload[] | null | undefined) => payloads?.map((p) => Buffer.from(p.metadata?.['encryption-key-id'] ?? []).toString());
type Event = temporal.api.history.v1.IHistoryEvent;
/** The history as the server keeps it, read without the codec. */
const rawEvents = async (invoiceId: string): Promise<Event[]> =>
  (await new Client({ connection: t.env.connection }).workflow.getHandle(invoiceWorkflowId(invoiceId)).fetchHistory()).events ?? [];

test('an invoice started under key A completes after the keys rotate to B (current) and A (decrypt only); new events are under B', async () => {
  const input = await seedInvoice(t.database.db, t.seed, { dueDate: dateFrom(await t.env.currentTimeMs(), 5), amountCents: 12_000 });
  await t.start(input);
  await eventually(async () => expect((await t.invoiceRow(input.invoiceId)).status).toBe('open'));
  // Idle, waiting for the first reminder's timer: the notice went out under key A.
  await eventually(async () => expect((await t.messagesOf(input.invoiceId)).map((m) => m.status)).toEqual(['sent']));
  await eventually(async () => expect((await rawEvents(input.invoiceId)).at(-1)?.timerStartedEventAttributes).toBeTruthy());

  // Deploy with RECOUP_PAYLOAD_KEYS=key-b:…,key-a:… : a new worker and a new client.
  await t.restartWorker(rotated);
  const client = new Client({ connection: t.env.connection, dataConverter: rotated });
  const handle = client.workflow.getHandle<typeof invoiceWorkflow>(invoiceWorkflowId(input.invoiceId));
  // The new worker replays the history written under A and carries on: reminders fall due.
  await t.env.sleep('10 days');
  await eventually(async () => expect((await t.messagesOf(input.invoiceId)).map((m) => m.kind)).toEqual(['invoice_notice', 'reminder', 'reminder']));
  const snapshot = await handle.executeUpdate(registerPayment, { args: [{ amountCents: 12_000, externalId: 'bank-rotation-1', source: 'bank' }] });
  expect(snapshot.status).toBe('paid');
  expect(await handle.result()).toMatchObject({ status: 'paid', amountPaidCents: 12_000 });
  expect((await t.invoiceRow(input.invoiceId)).status).toBe('paid');

  const events = await rawEvents(input.invoiceId);
  const started = events.find((e: Event) => e.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!;
  expect(keyIdOf(started.input?.payloads)).toEqual(['key-a']);
  const update = events.find((e: Event) => e.workflowExecutionUpdateAcceptedEventAttributes)!.workflowExecutionUpdateAcceptedEventAttributes!;
  expect(keyIdOf(update.acceptedRequest?.input?.args?.payloads)).toEqual(['key-b']);
  const completed = events.find((e: Event) => e.workflowExecutionCompletedEventAttributes)!.workflowExecutionCompletedEventAttributes!;
  expect(keyIdOf(completed.result?.payloads)).toEqual(['key-b']);
  const activityInputs = events.flatMap((e: Event) => keyIdOf(e.activityTaskScheduledEventAttributes?.input?.payloads) ?? []);
  expect(activityInputs).toEqual(expect.arrayContaining(['key-a', 'key-b']));

  // A process still on the old keys alone cannot read what was written under B.
  await expect(new Client({ connection: t.env.connection, dataConverter: onlyA }).workflow.getHandle(invoiceWorkflowId(input.invoiceId)).result()).rejects.toThrow(/key "key-b"/);
});
