import { cannon, draftInvoicePosts, API_POST, type RouteResult } from './api-throughput';
import type { BenchStack, RecoupProcess } from './harness';
import type { TemporalKind } from './temporal-server';
import { rate, seedImport, transmissionTimeoutMs, transmitAndAwaitNotices, type TransmissionTimes } from './transmission';

export interface ScaleOutPhase {
  apis: number;
  workers: number;
  /** POST /invoices through every API at once: the sum of their rates, the worst of their latencies. */
  post: { requestsPerSecond: number; p50: number; p99: number; requests: number; non2xx: number; errors: number };
  transmission: TransmissionTimes & { startsPerSecond: number; sentPerSecond: number };
  /** CPU seconds each worker process used during the transmission: that every worker took a share. */
  workerCpuSeconds: number[];
}

export interface ScaleOutResult {
  temporal: TemporalKind;
  invoices: number;
  connectionsPerApi: number;
  durationSeconds: number;
  one: ScaleOutPhase;
  two: ScaleOutPhase;
  /** Two of each over one of each: POST /invoices req/s, invoice starts and notices a second. */
  postRatio: number;
  startsRatio: number;
  sentRatio: number;
}

const ratio = (two: number, one: number) => Math.round((two / Math.max(one, 0.001)) * 1000) / 1000;

/**
 * Scale-out: POST /invoices through one API process and an import of `invoices` transmitted with
 * one worker process; then a second API and a second worker join (same database, Temporal server
 * and task queue) and both are measured again: autocannon against both APIs at once, a new import
 * of as many invoices handled by both workers. Needs PostgreSQL (PGlite belongs to one process).
 */
export async function runScaleOut(stack: BenchStack, o: { invoices: number; connections: number; duration: number; log(line: string): void }): Promise<ScaleOutResult> {
  const one = await measurePhase(stack, [stack.api], [stack.worker], o);
  o.log('  starting a second API process and a second worker process');
  const apis = [stack.api, await stack.addProcess('api')];
  const workers = [stack.worker, await stack.addProcess('worker')];
  const two = await measurePhase(stack, apis, workers, o);
  const result: ScaleOutResult = {
    temporal: stack.temporal.kind,
    invoices: o.invoices,
    connectionsPerApi: o.connections,
    durationSeconds: o.duration,
    one,
    two,
    postRatio: ratio(two.post.requestsPerSecond, one.post.requestsPerSecond),
    startsRatio: ratio(two.transmission.startsPerSecond, one.transmission.startsPerSecond),
    sentRatio: ratio(two.transmission.sentPerSecond, one.transmission.sentPerSecond),
  };
  o.log(`  two of each vs. one: POST /invoices ${result.postRatio}×, invoice starts ${result.startsRatio}×, notices ${result.sentRatio}×`);
  return result;
}

async function measurePhase(stack: BenchStack, apis: RecoupProcess[], workers: RecoupProcess[], o: { invoices: number; connections: number; duration: number; log(line: string): void }): Promise<ScaleOutPhase> {
  const label = `${apis.length} API${apis.length > 1 ? 's' : ''} + ${workers.length} worker${workers.length > 1 ? 's' : ''}`;
  const { seeded } = await seedImport(stack, { invoices: o.invoices }, o.log);
  const posts = await draftInvoicePosts(stack.api.apiUrl, seeded);
  const against = (duration: number) => Promise.all(apis.map((api) => cannon(API_POST, 'POST', `${api.apiUrl}/api/v2/invoices`, { ...posts, connections: o.connections, duration })));
  // A new process's first requests compile and fill its pools: not measured.
  await against(1);
  const routes: RouteResult[] = await against(o.duration);
  const post = {
    requestsPerSecond: Math.round(routes.reduce((sum, r) => sum + r.requestsPerSecond, 0)),
    p50: Math.max(...routes.map((r) => r.latencyMs.p50)),
    p99: Math.max(...routes.map((r) => r.latencyMs.p99)),
    requests: routes.reduce((sum, r) => sum + r.requests, 0),
    non2xx: routes.reduce((sum, r) => sum + r.non2xx, 0),
    errors: routes.reduce((sum, r) => sum + r.errors, 0),
  };
  o.log(`  ${label}: POST /invoices ${post.requestsPerSecond} req/s (${routes.map((r) => Math.round(r.requestsPerSecond)).join(' + ')}), p99 ${post.p99} ms, non-2xx ${post.non2xx}, errors ${post.errors}`);

  const cpuBefore = await Promise.all(workers.map((w) => w.call<number>({ type: 'cpuSeconds' })));
  const times = await transmitAndAwaitNotices(stack, seeded, o.invoices, transmissionTimeoutMs(o.invoices));
  const cpuAfter = await Promise.all(workers.map((w) => w.call<number>({ type: 'cpuSeconds' })));
  const workerCpuSeconds = cpuAfter.map((after, i) => Math.round((after - cpuBefore[i]!) * 10) / 10);
  const transmission = { ...times, startsPerSecond: rate(o.invoices, times.allStartedMs), sentPerSecond: rate(o.invoices, times.allSentMs) };
  o.log(`  ${label}: ${o.invoices} invoices started in ${times.allStartedMs} ms (${transmission.startsPerSecond}/s), notices sent in ${times.allSentMs} ms (${transmission.sentPerSecond}/s); worker CPU ${workerCpuSeconds.join(' + ')} s`);
  return { apis: apis.length, workers: workers.length, post, transmission, workerCpuSeconds };
}
