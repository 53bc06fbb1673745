import { readFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleOptions } from '../../worker/create-worker';

/**
 * What the workflow bundle holds. With the SDK's reusable V8 context, every module a workflow
 * imports (other than the SDK's own) is evaluated again for each workflow in the worker's cache,
 * so a heavy module imported by workflow code costs its size once per cached workflow
 * (docs/operations.md, "Worker sizing"). zod was that module: hundreds of KB of heap per cached
 * invoice workflow.
 */
async function bundledModules(): Promise<string[]> {
  const codePath = process.env.RECOUP_TEST_WORKFLOW_BUNDLE;
  const code = codePath ? readFileSync(codePath, 'utf8') : (await bundleWorkflowCode(workflowBundleOptions())).code;
  return [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"/gm)].map((m) => m[1]!);
}

test('workflow code imports no validation library and no schema module (they would be copied into every cached workflow)', async () => {
  const modules = await bundledModules();
  expect(modules.some((m) => m.includes('@temporalio/workflow/'))).toBe(true);
  expect(modules.filter((m) => /node_modules\/zod\/|\/domain\/(schemas|dunning-policy|debt-collector-configuration)\.ts$/.test(m))).toEqual([]);
});
