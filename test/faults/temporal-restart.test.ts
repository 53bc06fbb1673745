import { and, inArray, ne } from 'drizzle-orm';
import { invoices } from '../../db/schema';
import { checkCollectionRun, faultSeed, payDuringRun, seedCollectionRun, seededRandom, startCollectionRun, useFaultStack, waitForRunToSettle } from './support/collection-run';

/**
 * The Temporal dev server SIGKILLed in the middle of a collection run and started again on the same
 * SQLite file: the worker and the API reconnect by themselves, every invoice ends in its state and no
 * email reaches the SMTP server twice. While the server is down the API answers 503, never 500.
 */
// One notice each: as many messages as the run used to send.
const INVOICES = 200;

const faultStack = useFaultStack();

test('the Temporal server killed and restarted mid-run: every invoice ends in its state, no message sent twice', async () => {
  const stack = faultStack();
  const seed = faultSeed();
  const random = seededRandom(seed);
  const run = await seedCollectionRun(stack, INVOICES, 4);
  await stack.startWorker();
  await startCollectionRun(stack, run);
  const payments = payDuringRun(stack, run, 360_000);

  // A random moment in the middle of the run: after a random number of emails, plus a random fraction of a second.
  const target = 10 + Math.floor(random() * 60);
  const waitUntil = Date.now() + 180_000;
  while (stack.smtp.messages.length < target && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 20));
  const delay = Math.floor(random() * 1_000);
  await new Promise((r) => setTimeout(r, delay));
  const deliveredBefore = stack.smtp.messages.length;
  await stack.temporal.kill('SIGKILL');
  // An update while the server is down: the API says "try again", not "our bug".
  const transmitted = await stack.database.db
    .select({ id: invoices.id })
    .from(invoices)
    .where(and(inArray(invoices.id, run.inputs.map((i) => i.invoiceId).filter((id) => !run.paid.has(id))), ne(invoices.status, 'draft')))
    .limit(1);
  expect(transmitted).toHaveLength(1);
  const duringOutage = await stack.request('POST', `/api/v2/invoices/${transmitted[0]!.id}/hold`, { key: run.key, body: { reason: 'checking' } });
  const down = 3_000 + Math.floor(random() * 4_000);
  await new Promise((r) => setTimeout(r, down));
  await stack.temporal.start();
  process.stdout.write(`temporal-restart: seed ${seed}, killed at ${deliveredBefore} emails delivered (target ${target}, +${delay} ms), down ${down} ms\n`);

  const [paymentStatuses] = await Promise.all([payments, waitForRunToSettle(stack, run, 360_000)]);
  const counts = await checkCollectionRun(stack, run);
  expect(duringOutage.status).toBe(503);
  expect(duringOutage.headers.get('retry-after')).toBeTruthy();
  expect(paymentStatuses.get(500)).toBeUndefined();
  expect(counts.smtpDeliveries).toBeGreaterThan(deliveredBefore);

  console.log(
    `checked (seed ${seed}): Temporal server SIGKILLed at ${deliveredBefore} emails delivered, down ${down} ms (API answered ${duringOutage.status} meanwhile); ` +
      `${counts.invoices} invoices → ${counts.paid} paid, ${counts.open} open with their notice; ${counts.messageRows} message rows ` +
      `(${counts.sent} sent, ${counts.lost} lost, ${counts.resumed} interrupted sends resumed); ${counts.smtpDeliveries} SMTP deliveries = ${counts.distinctMessageIds} distinct Message-IDs + ${counts.repeatedDeliveries} resends; ` +
      `payment answers ${JSON.stringify(Object.fromEntries(paymentStatuses))}; API logged: ${JSON.stringify(stack.apiErrors())}`,
  );
}, 540_000);
