import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ensureTemporalCli, ensureTestServer } from '../../temporal/binaries';
import { workflowBundleOptions } from '../../worker/create-worker';

/**
 * Once per run: provisions the Temporal binaries and bundles the workflow code, handing their
 * paths to every test file (bundling per file would cost seconds each).
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEMPORAL_CLI_PATH = ensureTemporalCli(process.env.TEMPORAL_CLI || undefined);
  process.env.TEMPORAL_TEST_SERVER_PATH = ensureTestServer(process.env.TEMPORAL_TEST_SERVER || undefined);
  const bundle = await bundleWorkflowCode(workflowBundleOptions());
  const codePath = path.join(os.tmpdir(), `recoup-test-workflows-${process.pid}.js`);
  writeFileSync(codePath, bundle.code);
  process.env.RECOUP_TEST_WORKFLOW_BUNDLE = codePath;
}
