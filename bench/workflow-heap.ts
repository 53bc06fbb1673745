/**
 * What one cached invoice workflow holds in the workflow thread's V8 heap: the SDK's reusable-context
 * creator (the worker's default) makes `count` invoice workflows from the current workflow bundle and
 * activates each once (it starts, sets its search attributes and waits on its first activity), then
 * the heap growth per workflow is measured after a GC, with the CPU time to make one.
 *
 *   node --expose-gc --import tsx bench/workflow-heap.ts [count]
 *
 * No Temporal server or database: the workflows run in this process, as in the worker's thread.
 * The creator is the SDK's internal module (`@temporalio/worker/lib/workflow/reusable-vm`), the one
 * `Worker` uses with `reuseV8Context`; the Temporal core's own per-run state is not counted.
 */
import Long from 'long';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowInfo } from '@temporalio/workflow';
import { parseWorkflowCode } from '@temporalio/worker/lib/worker';
import { ReusableVMWorkflowCreator } from '@temporalio/worker/lib/workflow/reusable-vm';
import { defaultDunningPolicy } from '../domain/dunning-policy';
import type { InvoiceWorkflowInput } from '../workflows/invoice.messages';
import { bundleWorkflows } from '../worker/create-worker';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 200);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  // As the Worker loads a bundle: its code with the inline source map read out.
  const bundle = parseWorkflowCode((await bundleWorkflows()).code);
  const creator = await ReusableVMWorkflowCreator.create(bundle, 5000, new Set(), undefined);
  const now = Date.parse('2026-12-01T10:00:00Z');
  const timestamp = { seconds: Long.fromNumber(now / 1000), nanos: 0 };

  async function start(i: number) {
    const runId = `run-${i}`;
    const info = {
      workflowType: 'invoiceWorkflow', workflowId: `invoice-${i}`, runId, firstExecutionRunId: runId, taskQueue: 'bench', namespace: 'default',
      attempt: 1, historyLength: 1, historySize: 0, continueAsNewSuggested: false, startTime: new Date(now), runStartTime: new Date(now),
      searchAttributes: {}, typedSearchAttributes: [], memo: {}, priority: {}, unsafe: { isReplaying: false, now: () => now },
    } as unknown as WorkflowInfo;
    const workflow = await creator.createWorkflow({ info, randomnessSeed: Long.fromNumber(i + 1).toBytes(), now, showStackTraceSources: false });
    const input: InvoiceWorkflowInput = {
      invoiceId: `inv_${i}`, partnerId: 'prt_bench', companyId: 'cmp_bench', currency: 'EUR', dueDate: '2026-12-20',
      timezone: 'Europe/Amsterdam', amountTotalCents: 12_000, policy: defaultDunningPolicy, policyVersion: 1,
    };
    const completion = await workflow.activate({
      runId, timestamp, isReplaying: false, historyLength: 3,
      jobs: [{ initializeWorkflow: { workflowType: 'invoiceWorkflow', workflowId: info.workflowId, arguments: [defaultPayloadConverter.toPayload(input)], randomnessSeed: Long.fromNumber(i + 1), firstExecutionRunId: runId, attempt: 1, startTime: timestamp } }],
    });
    if (completion.failed) throw new Error(`the invoice workflow failed its first activation: ${completion.failed.failure?.message}`);
    return workflow;
  }

  await start(-1);
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const started = process.hrtime.bigint();
  const kept = [];
  for (let i = 0; i < count; i++) kept.push(await start(i));
  const msEach = Number(process.hrtime.bigint() - started) / 1e6 / count;
  gc();
  gc();
  const kbEach = (process.memoryUsage().heapUsed - before) / count / 1024;
  console.log(`${count} invoice workflows cached: ${kbEach.toFixed(0)} KB of heap each, ${msEach.toFixed(1)} ms to make and activate one`);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
