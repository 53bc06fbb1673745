import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import { events, webhookAttempts } from '../../db/schema';
import { ensureWebhookRelayRunning } from '../../workflows/webhook-relay.client';
import { verifyStandardWebhook } from '../webhooks/receiver';
import { faultSeed, seedCollectionRun, seededRandom, startCollectionRun, useFaultStack, waitForRunToSettle } from './support/collection-run';
import { freePort } from '../support/http';

/**
 * The partner's webhook receiver is down (connection refused) while a collection run produces
 * events, then comes up on the same address: every event is delivered later, signed, exactly once;
 * the failed attempts are on record. (First retry after 30 s, so this scenario takes a minute.)
 */
const INVOICES = 10;

let server: Server | undefined;

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
});
const faultStack = useFaultStack();

test('a webhook receiver down for a while: every event is delivered later, once', async () => {
  const stack = faultStack();
  const seed = faultSeed();
  const random = seededRandom(seed);
  const port = await freePort();
  const run = await seedCollectionRun(stack, INVOICES, 0);
  const endpoint = await stack.request('POST', '/api/v2/webhook_endpoints', { key: run.key, body: { url: `http://127.0.0.1:${port}/hooks` } });
  expect(endpoint.status).toBe(201);
  await stack.startWorker();
  await ensureWebhookRelayRunning(stack.client, stack.taskQueue);
  await startCollectionRun(stack, run);

  // Down until a random number of deliveries have been refused (a fixed time could pass before the first attempt).
  const refusals = 1 + Math.floor(random() * 15);
  const refused = () => stack.database.db.select().from(webhookAttempts).where(and(eq(webhookAttempts.endpointId, endpoint.body.id), isNull(webhookAttempts.statusCode), isNotNull(webhookAttempts.error)));
  const downSince = Date.now();
  while ((await refused()).length < refusals && Date.now() - downSince < 180_000) await new Promise((r) => setTimeout(r, 200));
  const downMs = Date.now() - downSince;
  const refusedMeanwhile = await refused();
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
  process.stdout.write(`webhook-receiver-down: seed ${seed}, receiver down ${downMs} ms until ${refusals} refused attempts (${refusedMeanwhile.length})\n`);

  await waitForRunToSettle(stack, run, 240_000);
  const partnerEvents = () => stack.database.db.select({ id: events.id }).from(events).where(eq(events.partnerId, run.inputs[0]!.partnerId));
  const deadline = Date.now() + 240_000;
  for (;;) {
    const ids = new Set((await partnerEvents()).map((e) => e.id));
    const delivered = new Set(received.map((r) => r.headers['webhook-id']));
    if ([...ids].every((id) => delivered.has(id))) break;
    if (Date.now() > deadline) throw new Error(`${[...ids].filter((id) => !delivered.has(id)).length} of ${ids.size} events not delivered`);
    await new Promise((r) => setTimeout(r, 1000));
  }

  const all = await partnerEvents();
  const perEvent = new Map<string, number>();
  for (const r of received) perEvent.set(String(r.headers['webhook-id']), (perEvent.get(String(r.headers['webhook-id'])) ?? 0) + 1);
  expect([...perEvent].filter(([, n]) => n > 1)).toEqual([]);
  expect(received.filter((r) => !verifyStandardWebhook(endpoint.body.secret, r.headers, r.body))).toHaveLength(0);
  expect(refusedMeanwhile.length).toBeGreaterThan(0);
  const refusedEvents = new Set(refusedMeanwhile.map((a) => a.eventId));
  expect([...refusedEvents].filter((id) => perEvent.get(id) !== 1)).toEqual([]);

  console.log(
    `checked (seed ${seed}): receiver refused connections for ${downMs} ms (${refusedMeanwhile.length} failed attempts on record for ${refusedEvents.size} events); ` +
      `afterwards all ${all.length} events of the run delivered, each exactly once (${received.length} deliveries), every signature valid`,
  );
}, 480_000);
