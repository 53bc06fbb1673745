import { checkCollectionRun, faultSeed, payDuringRun, seedCollectionRun, seededRandom, startCollectionRun, useFaultStack, waitForRunToSettle } from './support/collection-run';

/**
 * 300 invoices through their notice and (every fourth) a payment through the API, while the worker
 * process is SIGKILLed at random moments and started again: afterwards every invoice is in its
 * expected state, no notice is lost (a send cut off by a kill is resumed by the next attempt), and an
 * email reached the SMTP server twice only as such a resend, with the Message-ID of its first copy.
 */
const INVOICES = 300;
const KILLS = 3;

const faultStack = useFaultStack();

test('a worker SIGKILLed at random moments: every invoice ends in its state, no notice lost, a repeated email only as a resend with its first Message-ID', async () => {
  const stack = faultStack();
  const seed = faultSeed();
  const random = seededRandom(seed);
  const run = await seedCollectionRun(stack, INVOICES, 4);
  await stack.startWorker();
  await startCollectionRun(stack, run);
  const payments = payDuringRun(stack, run, 480_000);

  const killedAt: number[] = [];
  const started = Date.now();
  for (let k = 0; k < KILLS; k++) {
    // A random moment while this worker is sending: after a random number of its emails (a worker
    // killed before it sends anything tests little), plus a random fraction of a second.
    const target = stack.smtp.messages.length + 1 + Math.floor(random() * 30);
    const jitter = Math.floor(random() * 500);
    const waitUntil = Date.now() + 120_000;
    while (stack.smtp.messages.length < target && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, jitter));
    const deliveredBefore = stack.smtp.messages.length;
    await stack.worker!.kill('SIGKILL');
    killedAt.push(Math.round((Date.now() - started) / 100) / 10);
    process.stdout.write(`worker-killed: seed ${seed}, kill ${k + 1} at ${deliveredBefore} emails delivered (target ${target}, +${jitter} ms)\n`);
    await stack.startWorker();
  }
  const [paymentStatuses] = await Promise.all([payments, waitForRunToSettle(stack, run, 480_000)]);
  const counts = await checkCollectionRun(stack, run);
  expect(counts.smtpDeliveries).toBeGreaterThan(0);
  expect(counts.lost).toBe(0);
  // A payment while the worker was down is a "try again later" (503), never a 500.
  expect(paymentStatuses.get(500)).toBeUndefined();

  console.log(
    `checked (seed ${seed}): worker SIGKILLed ${KILLS}× at ${killedAt.join(', ')} s; ${counts.invoices} invoices → ${counts.paid} paid, ${counts.open} open with their notice; ` +
      `${counts.messageRows} message rows (${counts.sent} sent, lost notices = ${counts.lost}, ${counts.resumed} sends resumed after a kill of which ${counts.resent} resent, ${counts.stillSending} unsettled on paid invoices); ` +
      `${counts.smtpDeliveries} SMTP deliveries = ${counts.distinctMessageIds} distinct Message-IDs + ${counts.repeatedDeliveries} resends, each with its first copy's Message-ID (none without a row); ` +
      `payment answers ${JSON.stringify(Object.fromEntries(paymentStatuses))}; API logged: ${JSON.stringify(stack.apiErrors())}`,
  );
}, 720_000);
