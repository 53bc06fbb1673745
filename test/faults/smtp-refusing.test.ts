import { checkCollectionRun, faultSeed, seedCollectionRun, seededRandom, startCollectionRun, useFaultStack, waitForRunToSettle } from './support/collection-run';

/**
 * The SMTP server refuses every recipient with a temporary error (451) for a while: the messages are
 * not lost and not marked failed, they go out once it accepts again, each exactly once.
 */
// One notice each: as many messages as the run used to send.
const INVOICES = 120;

let refusing = true;
const refused = new Map<string, number>();

const faultStack = useFaultStack({
  smtp: {
    rejectRecipient(address) {
      if (!refusing) return undefined;
      refused.set(address, (refused.get(address) ?? 0) + 1);
      return { code: 451, message: '4.3.2 Try again later' };
    },
  },
});

test('an SMTP server refusing for a while: every message is delivered later, once', async () => {
  const stack = faultStack();
  const seed = faultSeed();
  const random = seededRandom(seed);
  // Nobody pays here: every invoice's notice must go out.
  const run = await seedCollectionRun(stack, INVOICES, 0);
  await stack.startWorker();
  await startCollectionRun(stack, run);
  const refusalMs = 8_000 + Math.floor(random() * 7_000);
  await new Promise((r) => setTimeout(r, refusalMs));
  refusing = false;
  const refusedAttempts = [...refused.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(`smtp-refusing: seed ${seed}, refused for ${refusalMs} ms: ${refusedAttempts} attempts to ${refused.size} recipients\n`);
  expect(stack.smtp.messages).toHaveLength(0);

  await waitForRunToSettle(stack, run, 240_000);
  const counts = await checkCollectionRun(stack, run);
  // Temporary refusals are retried, never given up on: every row sent, none failed.
  expect(counts.lost).toBe(0);
  expect(counts.sent).toBe(counts.messageRows);
  const refusedThenDelivered = [...refused.keys()].filter((address) => stack.smtp.messages.some((m) => m.to && JSON.stringify(m.to).includes(address)));
  expect(refusedThenDelivered).toHaveLength(refused.size);
  expect(refused.size).toBeGreaterThan(0);

  console.log(
    `checked (seed ${seed}): SMTP answered 451 for ${refusalMs} ms (${refusedAttempts} refused attempts, ${refused.size} recipients, 0 delivered meanwhile); ` +
      `then ${counts.smtpDeliveries} deliveries = ${counts.distinctMessageIds} distinct Message-IDs for ${counts.messageRows} message rows, all sent, none failed, none twice; ` +
      `all ${refused.size} refused recipients got their mail later; ${counts.open} invoices open with their notice, ${counts.paid} paid`,
  );
}, 360_000);
