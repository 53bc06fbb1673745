import { apiRatios, median, runApiThroughput } from './api-throughput';
import { startBenchStack } from './harness';
import type { MemorySample } from './protocol';
import { checkRatios, RATIO_TARGETS, SMOKE_FAILS_BELOW, type RatioCheck } from './targets';
import { runTransmission, seedImport, type TransmissionResult } from './transmission';
import { measureWorkerMemory } from './worker-memory';

/**
 * Small enough for CI on 2 cores (under three minutes with start-up), repeated enough that a busy
 * machine does not fail it: every ratio is the median of rounds, and each round measures a case
 * and its baseline back to back, so a load that comes and goes touches both.
 */
export const SMOKE_SIZES = {
  /** (b): each of the four routes for `apiSeconds` a round, after `apiWarmupSeconds` of each. */
  connections: 10,
  apiSeconds: 2,
  apiRounds: 3,
  apiWarmupSeconds: 1,
  /** (a): a round is `invoices` no-op workflows, then an import of as many invoices; one small round first warms the worker. */
  warmupInvoices: 10,
  invoices: 40,
  transmissionRounds: 3,
} as const;

/**
 * `npm run bench -- --smoke`: the regression guard. The cases with a ratio target, small, on the
 * dev server: each ratio against half its target (bench/targets.ts); a line per ratio and
 * `N passed, N failed` last. Writes nothing. Resolves whether every ratio passed.
 */
export async function runSmoke(o: { cliPath: string; databaseUrl?: string; log(line: string): void }): Promise<boolean> {
  const began = Date.now();
  const { log } = o;
  log(`smoke: starting the stack (Temporal dev server, ${o.databaseUrl ? 'PostgreSQL' : 'PGlite'}, SMTP)…`);
  const stack = await startBenchStack({ cliPath: o.cliPath, databaseUrl: o.databaseUrl, smtpPool: true, temporal: 'dev', log });
  let checks: RatioCheck[];
  try {
    const idle = await stack.worker.call<MemorySample>({ type: 'memory' });
    const s = SMOKE_SIZES;
    log(`(b) API vs. bare Express: ${s.apiRounds} rounds of ${s.apiSeconds} s per route, ${s.connections} connections`);
    const { seeded } = await seedImport(stack, { invoices: 20 }, log);
    const api = apiRatios(await runApiThroughput(stack, seeded, { connections: s.connections, duration: s.apiSeconds, rounds: s.apiRounds, warmup: s.apiWarmupSeconds, log }));

    log(`(a) warm-up: ${s.warmupInvoices} invoices`);
    await runTransmission(stack, { invoices: s.warmupInvoices, noopWorkflows: s.warmupInvoices, log });
    const rounds: TransmissionResult[] = [];
    for (let round = 1; round <= s.transmissionRounds; round += 1) {
      log(`(a) round ${round} of ${s.transmissionRounds}: ${s.invoices} no-op workflows, then ${s.invoices} invoices`);
      rounds.push((await runTransmission(stack, { invoices: s.invoices, noopWorkflows: s.invoices, log })).result);
    }
    const open = s.warmupInvoices + s.invoices * s.transmissionRounds;
    log(`(c) worker memory with ${open} open invoices`);
    const memory = await measureWorkerMemory(stack, idle, open, log);
    log(`smoke: worker RSS per open invoice ${(memory.rssPerOpenInvoiceBytes / 1024).toFixed(1)} KB (${memory.processHolds}; no target)`);

    checks = checkRatios({
      ...api,
      invoiceStarts: median(rounds.map((r) => r.startRateRatio)),
      notices: median(rounds.map((r) => r.sentRateRatio)),
    });
  } finally {
    await stack.close();
  }
  log('');
  log(`smoke: each ratio is the median of its rounds; it fails below ${SMOKE_FAILS_BELOW} of its target, or below its interim floor while it has not reached that yet`);
  for (const c of checks) log(`smoke: ${RATIO_TARGETS[c.name].name}: ${c.ratio.toFixed(3)} (target ≥ ${c.target}, threshold ${c.threshold}${RATIO_TARGETS[c.name].notYetAt === undefined ? '' : ', an interim floor: not yet at half its target'}) ${c.passed ? 'ok' : 'FAILED'}`);
  for (const c of checks.filter((x) => !x.passed)) log(`smoke FAILED: ${RATIO_TARGETS[c.name].name} is ${c.ratio.toFixed(3)}, below ${c.threshold} (${RATIO_TARGETS[c.name].notYetAt === undefined ? 'half its target' : 'its interim floor; target'} ${c.target})`);
  const failed = checks.filter((c) => !c.passed).length;
  log(`smoke: done in ${Math.round((Date.now() - began) / 1000)} s`);
  log(`${checks.length - failed} passed, ${failed} failed`);
  return failed === 0;
}
