import { START_CONCURRENCY } from '../activities/import-transmission';
import { GATHERING_WINDOW_MS } from '../domain/debtor-contact';
import { Client, Connection } from '@temporalio/client';
import type { BenchStack } from './harness';
import type { NoticesRecorded } from './protocol';
import { measureNoop, rate, seedImport, transmissionTimeoutMs, transmitImport, type NoopRates } from './transmission';

export interface DebtorTransmissionResult {
  invoices: number;
  debtors: number;
  seedMs: number;
  startConcurrency: number;
  /** The same run's no-op baseline: (a)'s when it ran, else one of this case's own. */
  noop: NoopRates;
  /** From POST /imports/{id}/transmit until the import's transmission workflow finished (every invoice workflow started). */
  allStartedMs: number;
  startsPerSecond: number;
  /** Invoices whose notice (`invoice_notice`) was recorded as accepted; all of them unless the run stopped waiting (`complete`). */
  noticesRecorded: number;
  complete: boolean;
  firstNoticeMs: number | null;
  /** Until the last recorded notice was sent (its `sent_at`). */
  lastNoticeMs: number | null;
  noticesPerSecond: number;
  /** Emails the SMTP server accepted meanwhile: fewer than the notices when one email covers several invoices. */
  emailsAccepted: number;
  startRateRatio: number;
  noticeRateRatio: number;
}

/**
 * How long the count of recorded notices may stand still, once every invoice started, before the
 * run stops waiting: a minute longer than a debtor's workflow gathers the requests that come
 * together (the worker's RECOUP_DEBTOR_GATHERING_WINDOW_MS, default a minute), during which
 * nothing is sent at all.
 */
const SETTLED_MS = (Number(process.env.RECOUP_DEBTOR_GATHERING_WINDOW_MS) || GATHERING_WINDOW_MS) + 60_000;

/**
 * (f) An import of `invoices` invoices over `debtors` debtors (consecutive invoices share one)
 * transmitted through POST /imports/{id}/transmit: notices a second against the no-op rate, as
 * (a) for invoices of their own. It counts what the code does: an invoice's notice is its
 * `invoice_notice` message recorded as accepted, whatever decided when it went out (a debtor's
 * contact budget may hold some back; the run then stops once the count stands still).
 */
export async function runDebtorTransmission(
  stack: BenchStack,
  o: { invoices: number; debtors: number; noopWorkflows: number; noop?: NoopRates; log(line: string): void },
): Promise<DebtorTransmissionResult> {
  const { api, smtp } = stack;
  const { seeded, seedMs } = await seedImport(stack, { invoices: o.invoices, debtors: o.debtors }, o.log);
  const timeoutMs = transmissionTimeoutMs(Math.max(o.invoices, o.noopWorkflows));
  const noop = o.noop ?? (await measureNoop(stack, o.noopWorkflows, timeoutMs, o.log));

  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    const client = new Client({ connection, namespace: stack.namespace });
    const emailsBefore = smtp.acceptedAt.length;
    const { t0, started: fanOut } = await transmitImport(stack, client, seeded);
    let allStartedMs: number | undefined;
    const started = fanOut.then((ms) => (allStartedMs = ms));
    const deadline = t0 + timeoutMs;
    let recorded: NoticesRecorded = { invoices: 0, firstSentAt: null, lastSentAt: null };
    let changedAt = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 1_000));
      const now = await api.call<NoticesRecorded>({ type: 'noticesRecorded', importId: seeded.importId });
      if (now.invoices !== recorded.invoices) changedAt = Date.now();
      recorded = now;
      if (recorded.invoices >= o.invoices) break;
      if (allStartedMs !== undefined && Date.now() - changedAt > SETTLED_MS) {
        o.log(`  stopped waiting: ${recorded.invoices} of ${o.invoices} notices recorded, none for ${SETTLED_MS / 1000} s`);
        break;
      }
      if (Date.now() > deadline) throw new Error(`only ${recorded.invoices} of ${o.invoices} notices within ${timeoutMs} ms`);
    }
    await started;
    const lastNoticeMs = recorded.lastSentAt === null ? null : recorded.lastSentAt - t0;
    const noticesPerSecond = lastNoticeMs === null ? 0 : rate(recorded.invoices, lastNoticeMs);
    const startsPerSecond = rate(o.invoices, allStartedMs!);
    const result: DebtorTransmissionResult = {
      invoices: o.invoices,
      debtors: o.debtors,
      seedMs,
      startConcurrency: START_CONCURRENCY,
      noop,
      allStartedMs: allStartedMs!,
      startsPerSecond,
      noticesRecorded: recorded.invoices,
      complete: recorded.invoices >= o.invoices,
      firstNoticeMs: recorded.firstSentAt === null ? null : recorded.firstSentAt - t0,
      lastNoticeMs,
      noticesPerSecond,
      emailsAccepted: smtp.acceptedAt.length - emailsBefore,
      startRateRatio: Math.round((startsPerSecond / noop.startsPerSecond) * 1000) / 1000,
      noticeRateRatio: Math.round((noticesPerSecond / noop.ranPerSecond) * 1000) / 1000,
    };
    o.log(
      `  invoices: all started in ${allStartedMs} ms (${startsPerSecond}/s), ${recorded.invoices} notices recorded, the last at ${lastNoticeMs} ms (${noticesPerSecond}/s), ${result.emailsAccepted} emails; ratios ${result.startRateRatio} / ${result.noticeRateRatio}`,
    );
    return result;
  } finally {
    await connection.close();
  }
}
