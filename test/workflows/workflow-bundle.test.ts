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
let bundle: Promise<string> | undefined;
function bundleCode(): Promise<string> {
  const codePath = process.env.RECOUP_TEST_WORKFLOW_BUNDLE;
  bundle ??= codePath ? Promise.resolve(readFileSync(codePath, 'utf8')) : bundleWorkflowCode(workflowBundleOptions()).then((b) => b.code);
  return bundle;
}

async function bundledModules(): Promise<string[]> {
  return [...(await bundleCode()).matchAll(/^\/\*\*\*\/ "([^"]+)"/gm)].map((m) => m[1]!);
}

/** Each bundled module's name with its code. */
async function bundledSources(): Promise<Array<{ module: string; code: string }>> {
  const parts = (await bundleCode()).split(/^\/\*\*\*\/ "([^"]+)"/m);
  const out: Array<{ module: string; code: string }> = [];
  for (let i = 1; i < parts.length; i += 2) out.push({ module: parts[i]!, code: parts[i + 1]! });
  return out;
}

test('workflow code imports no validation library and no schema module (they would be copied into every cached workflow)', async () => {
  const modules = await bundledModules();
  expect(modules.some((m) => m.includes('@temporalio/workflow/'))).toBe(true);
  expect(modules.filter((m) => /node_modules\/zod\/|\/domain\/(schemas|dunning-policy|debt-collector-configuration)\.ts$/.test(m))).toEqual([]);
});

test('workflow code of ours makes no AsyncLocalStorage (each would add a property to every promise of the workflow thread, per cached workflow)', async () => {
  const ours = (await bundledSources()).filter((m) => !m.module.includes('node_modules'));
  expect(ours.some((m) => m.module.endsWith('request-id.interceptors.ts'))).toBe(true);
  expect(ours.filter((m) => /new\s+[\w$.]*AsyncLocalStorage\s*\(/.test(m.code)).map((m) => m.module)).toEqual([]);
});
