import type { BenchStack } from './harness';
import type { MemorySample } from './protocol';

export interface WorkerMemoryResult {
  openInvoices: number;
  /** Right after start, before any workflow (after a GC). */
  idle: MemorySample;
  /** With every invoice workflow open and waiting on its next step (after a GC). */
  open: MemorySample;
  /** (open − idle) RSS per open invoice. */
  rssPerOpenInvoiceBytes: number;
  /** (open − idle) RSS per workflow in the worker's cache: what sizes `maxCachedWorkflows` (docs/operations.md, "Worker sizing"). */
  rssPerCachedWorkflowBytes: number;
  /** What the process holds besides the worker (with PGlite the benchmark runs them together). */
  processHolds: string;
}

/** (c) RSS of the Recoup process with `openInvoices` invoice workflows open and waiting. */
export async function measureWorkerMemory(stack: BenchStack, idle: MemorySample, openInvoices: number, log: (line: string) => void): Promise<WorkerMemoryResult> {
  // Let the last activities and workflow tasks finish before sampling.
  await new Promise((r) => setTimeout(r, 3000));
  const open = await stack.worker.call<MemorySample>({ type: 'memory' });
  const mb = (b: number) => Math.round(b / 1024 / 1024);
  // What the cached workflows hold, object by object: `npx tsx bench/heap-summary.ts <file>` reads it.
  const snapshotPath = process.env.RECOUP_BENCH_WORKFLOW_HEAP_SNAPSHOT;
  if (snapshotPath) log(`  workflow thread heap snapshot: ${snapshotPath} (${mb(await stack.worker.call<number>({ type: 'workflowThreadSnapshot', path: snapshotPath }))} MB)`);
  const perCached = Math.round((open.rssBytes - idle.rssBytes) / Math.max(open.cachedWorkflows, 1));
  log(`  memory: idle ${mb(idle.rssBytes)} MB RSS, with ${openInvoices} open ${mb(open.rssBytes)} MB RSS (${mb(open.rssBeforeWorkflowThreadGcBytes ?? open.rssBytes)} MB before the workflow thread's GC, workflow thread heap ${(open.workflowThreads ?? []).map((t) => `${mb(t.heapUsedBytes)} of ${mb(t.heapTotalBytes)} MB (physical ${mb(t.physicalBytes)}, malloced ${mb(t.mallocedBytes)}, external ${mb(t.externalBytes)})`).join(', ')}, peak ${mb(open.peakRssBytes)} MB, heap ${mb(open.heapUsedBytes)} of ${mb(open.heapTotalBytes)} MB, external ${mb(open.externalBytes)} MB, ${open.cachedWorkflows} cached workflows, ${(perCached / 1024).toFixed(0)} KB RSS per cached workflow)`);
  return {
    openInvoices,
    idle,
    open,
    rssPerOpenInvoiceBytes: Math.round((open.rssBytes - idle.rssBytes) / Math.max(openInvoices, 1)),
    rssPerCachedWorkflowBytes: perCached,
    processHolds: stack.worker === stack.api ? 'worker, the API and the embedded PGlite database' : 'worker alone (PostgreSQL pool; the API runs in another process)',
  };
}
