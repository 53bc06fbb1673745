import { eq } from 'drizzle-orm';
import { events } from '../../db/schema';
import type { EventType } from '../../domain/events';
import { appendEvents } from '../../services/events';
import { ensureWebhookRelayRunning } from '../../workflows/webhook-relay.client';
import { webhookDeliveryWorkflowId, type WebhookDeliveryResult } from '../../workflows/webhook-delivery.messages';
import { webhookRelayWorkflowId } from '../../workflows/webhook-relay.messages';
import { eventually } from '../support/eventually';
import { invoiceBody, startStack, type Stack } from '../support/stack';
import { startWebhookReceiver, verifyStandardWebhook, type ReceivedWebhook, type WebhookReceiver } from './receiver';

/**
 * Webhooks end to end on the time-skipping server: the relay reads the events table, delivery
 * workflows POST to a real HTTP receiver, back-off is skipped with `env.sleep`.
 */
let stack: Stack;
let receiver: WebhookReceiver;

beforeAll(async () => {
  stack = await startStack({ webhooks: true });
  receiver = await startWebhookReceiver();
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await stack?.close();
});

async function createEndpoint(key: string, path: string, eventTypes?: EventType[]): Promise<{ id: string; secret: string }> {
  const res = await stack.request('POST', '/api/v2/webhook_endpoints', { key, body: { url: receiver.url(path), ...(eventTypes ? { event_types: eventTypes } : {}) } });
  expect(res.status).toBe(201);
  return res.body;
}

/** An event as the product's own writers put it in the outbox. */
async function emit(partnerId: string, type: EventType, data: Record<string, unknown> = {}): Promise<string> {
  const dedupeKey = `test:${type}:${Math.random()}`;
  await appendEvents(stack.database.db, [{ type, partnerId, data: { note: 'from the test', ...data }, dedupeKey }]);
  const [row] = await stack.database.db.select().from(events).where(eq(events.dedupeKey, dedupeKey));
  return row!.id;
}

async function attempts(key: string, endpointId: string, eventId?: string) {
  const res = await stack.request('GET', `/api/v2/webhook_endpoints/${endpointId}/attempts${eventId ? `?event_id=${eventId}` : ''}`, { key });
  expect(res.status).toBe(200);
  return res.body.data as Array<{ event_id: string; delivery_id: string; attempt: number; status_code: number | null; succeeded: boolean; error: string | null; duration_ms: number; attempted_at: string }>;
}

const atPath = (path: string) => (r: ReceivedWebhook) => r.path === path;

test('an invoice transmitted by the partner reaches its endpoint, signed per Standard Webhooks and shaped like the stored event', async () => {
  const { key, companyId } = await stack.newPartner('Signed');
  const endpoint = await createEndpoint(key, '/signed');
  expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const invoice = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id) });
  expect((await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key })).status).toBe(202);

  const [delivery] = await receiver.waitFor((r) => r.path === '/signed' && r.body.type === 'invoice.transmitted');
  expect(verifyStandardWebhook(endpoint.secret, delivery!.headers, delivery!.rawBody)).toBe(true);
  // A signature over anything but the exact body, or with another secret, does not verify.
  expect(verifyStandardWebhook(endpoint.secret, delivery!.headers, delivery!.rawBody.replace('}', ' }'))).toBe(false);
  expect(verifyStandardWebhook((await createEndpoint(key, '/other')).secret, delivery!.headers, delivery!.rawBody)).toBe(false);

  expect(delivery!.headers['content-type']).toBe('application/json');
  expect(delivery!.headers['webhook-id']).toBe(delivery!.body.id);
  expect(Object.keys(delivery!.body).sort()).toEqual(['created_at', 'data', 'id', 'type']);
  const stored = (await stack.request('GET', `/api/v2/invoices/${invoice.body.id}/events`, { key })).body.data.find((e: { type: string }) => e.type === 'invoice.transmitted');
  expect(delivery!.body).toEqual({ id: stored.id, type: 'invoice.transmitted', created_at: stored.created_at, data: stored.data });
  expect(delivery!.body.data).toMatchObject({ invoice_id: invoice.body.id, amount_due_cents: 12_000 });

  const log = await eventually(async () => {
    const rows = await attempts(key, endpoint.id, stored.id);
    expect(rows).toHaveLength(1);
    return rows;
  });
  expect(log[0]).toMatchObject({ event_id: stored.id, delivery_id: webhookDeliveryWorkflowId(endpoint.id, stored.id), attempt: 1, status_code: 200, succeeded: true, error: null });
  expect(log[0]!.duration_ms).toBeGreaterThanOrEqual(0);
  expect(Date.parse(log[0]!.attempted_at)).not.toBeNaN();
}, 60_000);

test("every event about an invoice names the invoice's debtor: the transmission, the notice sent, a payment, in webhooks and the events API", async () => {
  const { key, companyId } = await stack.newPartner('Debtor ids');
  await createEndpoint(key, '/debtor-ids');
  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const invoice = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id) });
  const debtorId: string = invoice.body.debtor_id;
  expect(debtorId).toMatch(/^dbt_/);
  expect((await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key })).status).toBe(202);
  await receiver.waitFor((r) => r.path === '/debtor-ids' && r.body.type === 'message.sent');
  const paid = await stack.request('POST', `/api/v2/invoices/${invoice.body.id}/payments`, { key, body: { amount_cents: 2_000, external_id: 'bank-debtor-id-1' } });
  expect(paid.status).toBe(201);

  const types = ['invoice.transmitted', 'message.sent', 'invoice.payment_received'];
  for (const type of types) {
    const [delivery] = await receiver.waitFor((r) => r.path === '/debtor-ids' && r.body.type === type);
    expect(delivery!.body.data).toMatchObject({ invoice_id: invoice.body.id, debtor_id: debtorId });
  }
  const stored = (await stack.request('GET', `/api/v2/events?limit=100`, { key })).body.data as Array<{ type: string; invoice_id: string | null; data: Record<string, unknown> }>;
  const aboutInvoice = stored.filter((e) => e.invoice_id === invoice.body.id);
  expect(aboutInvoice.map((e) => e.type)).toEqual(expect.arrayContaining(types));
  for (const e of aboutInvoice) expect([e.type, e.data.debtor_id]).toEqual([e.type, debtorId]);
}, 60_000);

test('an endpoint receives only the event types it subscribed to, and only its own partner\'s events', async () => {
  const { key, partnerId } = await stack.newPartner('Filtered');
  const other = await stack.newPartner('Bystander');
  await createEndpoint(key, '/paid-only', ['invoice.paid', 'invoice.credited']);
  await createEndpoint(key, '/everything');
  await createEndpoint(other.key, '/bystander');

  const onHold = await emit(partnerId, 'invoice.on_hold');
  const paid = await emit(partnerId, 'invoice.paid');
  await receiver.waitFor(atPath('/everything'), 2);
  await receiver.waitFor(atPath('/paid-only'), 1);
  // The relay has handed out both events; give a stray delivery the time to arrive, if there were one.
  await new Promise((r) => setTimeout(r, 1_500));
  // Deliveries run side by side: like Standard Webhooks, no order is promised.
  expect(receiver.received.filter(atPath('/everything')).map((r) => r.body.id).sort()).toEqual([onHold, paid].sort());
  expect(receiver.received.filter(atPath('/paid-only')).map((r) => r.body.id)).toEqual([paid]);
  expect(receiver.received.filter(atPath('/bystander'))).toEqual([]);
}, 60_000);

test('a receiver answering 500 is retried with back-off until it answers 200, and every attempt is logged', async () => {
  const { key, partnerId } = await stack.newPartner('Flaky');
  const endpoint = await createEndpoint(key, '/flaky');
  let calls = 0;
  receiver.respondWith((r) => (r.path === '/flaky' && ++calls === 1 ? 500 : 200));
  const eventId = await emit(partnerId, 'invoice.payment_received', { amount_cents: 500 });

  await receiver.waitFor(atPath('/flaky'), 1);
  const first = await eventually(async () => {
    const rows = await attempts(key, endpoint.id, eventId);
    expect(rows).toHaveLength(1);
    return rows[0]!;
  });
  expect(first).toMatchObject({ attempt: 1, status_code: 500, succeeded: false, error: 'HTTP 500: receiver is down' });

  // The first retry is due 30 s later: skip the server's clock past it.
  await stack.env.sleep('45 seconds');
  const deliveries = await receiver.waitFor(atPath('/flaky'), 2);
  expect(deliveries[1]!.body.id).toBe(eventId);
  expect(deliveries[1]!.headers['webhook-id']).toBe(deliveries[0]!.headers['webhook-id']);

  const result: WebhookDeliveryResult = await stack.env.client.workflow.getHandle(webhookDeliveryWorkflowId(endpoint.id, eventId)).result();
  expect(result).toEqual({ status: 'delivered', attempt: 2, statusCode: 200 });
  expect((await attempts(key, endpoint.id, eventId)).map((a) => [a.attempt, a.status_code, a.succeeded])).toEqual([
    [1, 500, false],
    [2, 200, true],
  ]);
  receiver.respondWith(() => 200);
}, 90_000);

test('a redelivery posts the event again as a delivery of its own, logged beside the first', async () => {
  const { key, partnerId } = await stack.newPartner('Redelivering');
  const endpoint = await createEndpoint(key, '/redeliver');
  const eventId = await emit(partnerId, 'invoice.credited');
  await receiver.waitFor(atPath('/redeliver'), 1);

  const res = await stack.request('POST', `/api/v2/webhook_endpoints/${endpoint.id}/redeliver/${eventId}`, { key });
  expect(res.status).toBe(202);
  expect(res.body).toMatchObject({ endpoint_id: endpoint.id, event_id: eventId });
  expect(res.body.delivery_id).not.toBe(webhookDeliveryWorkflowId(endpoint.id, eventId));

  const both = await receiver.waitFor(atPath('/redeliver'), 2);
  expect(both.map((r) => r.body.id)).toEqual([eventId, eventId]);
  expect(verifyStandardWebhook(endpoint.secret, both[1]!.headers, both[1]!.rawBody)).toBe(true);
  const log = await eventually(async () => {
    const rows = await attempts(key, endpoint.id, eventId);
    expect(rows).toHaveLength(2);
    return rows;
  });
  expect(log.map((a) => a.delivery_id).sort()).toEqual([webhookDeliveryWorkflowId(endpoint.id, eventId), res.body.delivery_id].sort());
  expect(log.every((a) => a.attempt === 1 && a.succeeded)).toBe(true);
}, 60_000);

test('deleting an endpoint ends its pending retries', async () => {
  const { key, partnerId } = await stack.newPartner('Leaving');
  const endpoint = await createEndpoint(key, '/gone');
  receiver.respondWith((r) => (r.path === '/gone' ? 503 : 200));
  const eventId = await emit(partnerId, 'invoice.retracted');
  await receiver.waitFor(atPath('/gone'), 1);

  expect((await stack.request('DELETE', `/api/v2/webhook_endpoints/${endpoint.id}`, { key })).status).toBe(204);
  await stack.env.sleep('45 seconds');
  const result: WebhookDeliveryResult = await stack.env.client.workflow.getHandle(webhookDeliveryWorkflowId(endpoint.id, eventId)).result();
  expect(result).toEqual({ status: 'endpoint_removed' });
  expect(receiver.received.filter(atPath('/gone'))).toHaveLength(1);
  receiver.respondWith(() => 200);
}, 60_000);

test('a restarted relay resumes from its stored cursor: new events are delivered, none twice', async () => {
  const { key, partnerId } = await stack.newPartner('Restart');
  await createEndpoint(key, '/restart');
  const before = await emit(partnerId, 'invoice.on_hold');
  await receiver.waitFor(atPath('/restart'), 1);

  await stack.env.client.workflow.getHandle(webhookRelayWorkflowId).terminate('test: simulate a lost relay');
  const during = await emit(partnerId, 'invoice.resumed');
  await ensureWebhookRelayRunning(stack.env.client, stack.taskQueue);
  // Starting it again while it runs is a no-op.
  await ensureWebhookRelayRunning(stack.env.client, stack.taskQueue);

  await receiver.waitFor(atPath('/restart'), 2);
  await new Promise((r) => setTimeout(r, 1_500));
  expect(receiver.received.filter(atPath('/restart')).map((r) => r.body.id).sort()).toEqual([before, during].sort());
}, 60_000);
