import { START_CONCURRENCY } from '../activities/import-transmission';
import { Client, Connection } from '@temporalio/client';
import { importTransmissionWorkflowId } from '../workflows/import-transmission.messages';
import type { BenchStack } from './harness';
import type { NoopResult, SeededImport } from './protocol';
import type { TemporalKind } from './temporal-server';

/** The no-op baseline: `workflows` started with the fan-out's client concurrency, each running one activity. */
export interface NoopRates {
  workflows: number;
  allStartedMs: number;
  startsPerSecond: number;
  allRanActivityMs: number;
  ranPerSecond: number;
}

export interface TransmissionResult {
  /** The Temporal server it ran on. */
  temporal: TemporalKind;
  invoices: number;
  seedMs: number;
  /** Client concurrency of the fan-out's starts, used for the no-op baseline too. */
  startConcurrency: number;
  noop: NoopRates;
  /** From POST /imports/{id}/transmit until the import's transmission workflow finished (every invoice workflow started). */
  allStartedMs: number;
  startsPerSecond: number;
  firstMessageMs: number;
  /** Until every invoice's first notice was accepted by the SMTP server. */
  allSentMs: number;
  sentPerSecond: number;
  /** Rows in `messages` with status `sent` for the import, counted afterwards. */
  sentInDatabase: number;
  /** Invoice start rate / no-op start rate, and notices a second / no-op workflows with their activity a second. */
  startRateRatio: number;
  sentRateRatio: number;
}

/** A timezone where it is now between 09:00 and 19:00, so the notices go out at once (no night rule). */
export function daytimeTimezone(now = new Date()): string {
  const candidates = ['Europe/Amsterdam', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Asia/Kolkata', 'Australia/Sydney', 'Pacific/Honolulu', 'Atlantic/Azores', 'Asia/Dubai'];
  const hour = (tz: string) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: 'numeric', hourCycle: 'h23' }).format(now));
  return candidates.reduce((best, tz) => (Math.abs(hour(tz) - 14) < Math.abs(hour(best) - 14) ? tz : best));
}

/** `n` a second over `ms`, to one decimal. */
export const rate = (n: number, ms: number) => Math.round((n / Math.max(ms, 1)) * 1000 * 10) / 10;

/** The no-op baseline: `workflows` no-op workflows started with the fan-out's client concurrency. */
export async function measureNoop(stack: BenchStack, workflows: number, timeoutMs: number, log: (line: string) => void): Promise<NoopRates> {
  const noop = await stack.worker.call<NoopResult>({ type: 'noop', count: workflows, concurrency: START_CONCURRENCY, timeoutMs });
  log(`  no-op: ${workflows} started in ${noop.allStartedMs} ms, all ran their activity in ${noop.allRanActivityMs} ms`);
  return { workflows, allStartedMs: noop.allStartedMs, startsPerSecond: rate(workflows, noop.allStartedMs), allRanActivityMs: noop.allRanActivityMs, ranPerSecond: rate(workflows, noop.allRanActivityMs) };
}

/**
 * POST /imports/{id}/transmit at `t0`; `started` resolves with the ms from then until the import's
 * transmission workflow finished (every invoice workflow started).
 */
export async function transmitImport(stack: BenchStack, client: Client, seeded: SeededImport): Promise<{ t0: number; started: Promise<number> }> {
  const t0 = Date.now();
  const res = await fetch(`${stack.api.apiUrl}/api/v2/imports/${seeded.importId}/transmit`, { method: 'POST', headers: { authorization: `Bearer ${seeded.key}` } });
  if (res.status !== 202) throw new Error(`transmit answered ${res.status}: ${await res.text()}`);
  // result() follows the import workflow through its continue-as-new runs to the last one.
  const started = client.workflow
    .getHandle(importTransmissionWorkflowId(seeded.importId))
    .result()
    .then(() => Date.now() - t0);
  return { t0, started };
}

/** What a transmission took, from POST /imports/{id}/transmit. */
export interface TransmissionTimes {
  /** Until the import's transmission workflow finished (every invoice workflow started). */
  allStartedMs: number;
  firstMessageMs: number;
  /** Until every invoice's first notice was accepted by the SMTP server. */
  allSentMs: number;
}

/** Generous (a loaded 2-core machine managed 4–6 notices a second): a timeout only guards against a hang. */
export const transmissionTimeoutMs = (workflows: number) => Math.max(300_000, workflows * 500);

/** Transmits a seeded import and waits until the SMTP sink accepted a notice for each of its `invoices`. */
export async function transmitAndAwaitNotices(stack: BenchStack, seeded: SeededImport, invoices: number, timeoutMs: number): Promise<TransmissionTimes> {
  const { smtp } = stack;
  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    const client = new Client({ connection, namespace: stack.namespace });
    const sentBefore = smtp.acceptedAt.length;
    const { t0, started } = await transmitImport(stack, client, seeded);
    const deadline = t0 + timeoutMs;
    while (smtp.acceptedAt.length - sentBefore < invoices) {
      if (Date.now() > deadline) throw new Error(`only ${smtp.acceptedAt.length - sentBefore} of ${invoices} notices within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const accepted = smtp.acceptedAt.slice(sentBefore);
    return { allStartedMs: await started, firstMessageMs: accepted[0]! - t0, allSentMs: accepted[invoices - 1]! - t0 };
  } finally {
    await connection.close();
  }
}

/**
 * Seeds an import of `invoices` draft invoices due in 60 days, of `debtors` debtors (default: one
 * each) in their daytime, so the notices go out at once.
 */
export async function seedImport(stack: BenchStack, o: { invoices: number; debtors?: number }, log: (line: string) => void): Promise<{ seeded: SeededImport; seedMs: number }> {
  const timezone = daytimeTimezone();
  const dueDate = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
  const seedStart = Date.now();
  const seeded = await stack.api.call<SeededImport>({ type: 'seed', ...o, timezone, dueDate });
  const seedMs = Date.now() - seedStart;
  log(`  seeded ${o.invoices} draft invoices${o.debtors ? ` of ${o.debtors} debtors` : ''} in ${seedMs} ms (debtors in ${timezone})`);
  return { seeded, seedMs };
}

/**
 * (a) An import of `invoices` invoices transmitted through POST /imports/{id}/transmit: time
 * until every invoice workflow started and until every first notice was accepted over SMTP; next
 * to the same server's rate for no-op workflows started with the same client concurrency.
 */
export async function runTransmission(stack: BenchStack, o: { invoices: number; noopWorkflows: number; log(line: string): void }): Promise<{ result: TransmissionResult; seeded: SeededImport }> {
  const { seeded, seedMs } = await seedImport(stack, { invoices: o.invoices }, o.log);
  const timeoutMs = transmissionTimeoutMs(Math.max(o.invoices, o.noopWorkflows));
  const baseline = await measureNoop(stack, o.noopWorkflows, timeoutMs, o.log);
  const times = await transmitAndAwaitNotices(stack, seeded, o.invoices, timeoutMs);
  const sentInDatabase = await stack.api.call<number>({ type: 'sentMessages', importId: seeded.importId });
  const result: TransmissionResult = {
    temporal: stack.temporal.kind,
    invoices: o.invoices,
    seedMs,
    startConcurrency: START_CONCURRENCY,
    noop: baseline,
    ...times,
    startsPerSecond: rate(o.invoices, times.allStartedMs),
    sentPerSecond: rate(o.invoices, times.allSentMs),
    sentInDatabase,
    startRateRatio: Math.round((rate(o.invoices, times.allStartedMs) / baseline.startsPerSecond) * 1000) / 1000,
    sentRateRatio: Math.round((rate(o.invoices, times.allSentMs) / baseline.ranPerSecond) * 1000) / 1000,
  };
  o.log(`  invoices: all started in ${times.allStartedMs} ms (${result.startsPerSecond}/s), all notices sent in ${times.allSentMs} ms (${result.sentPerSecond}/s); ratios ${result.startRateRatio} / ${result.sentRateRatio}`);
  return { result, seeded };
}
