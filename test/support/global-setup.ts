import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ensureTemporalCli, ensureTestServer } from '../../temporal/binaries';
import { workflowBundleOptions } from '../../worker/create-worker';
import { createDb } from '../../db/client';

/**
 * Once per run: provisions the Temporal binaries, bundles the workflow code and migrates one
 * embedded database, handing their paths to every test file (bundling or migrating per file
 * would cost seconds each).
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEMPORAL_CLI_PATH = ensureTemporalCli(process.env.TEMPORAL_CLI || undefined);
  process.env.TEMPORAL_TEST_SERVER_PATH = ensureTestServer(process.env.TEMPORAL_TEST_SERVER || undefined);
  const bundle = await bundleWorkflowCode(workflowBundleOptions());
  const codePath = path.join(os.tmpdir(), `recoup-test-workflows-${process.pid}.js`);
  writeFileSync(codePath, bundle.code);
  process.env.RECOUP_TEST_WORKFLOW_BUNDLE = codePath;
  if (!process.env.RECOUP_TEST_DATABASE_URL) process.env.RECOUP_TEST_PGLITE_DUMP = await migratedDump();
}

/** A migrated, empty embedded database as a tarball file: each suite's database starts from it (test/support/database.ts). */
async function migratedDump(): Promise<string> {
  const database = createDb({ dataDir: 'memory://' });
  try {
    await database.migrate();
    const dump = await database.dump!();
    const dumpPath = path.join(os.tmpdir(), `recoup-test-pglite-${process.pid}.tar`);
    writeFileSync(dumpPath, Buffer.from(await dump.arrayBuffer()));
    return dumpPath;
  } finally {
    await database.close();
  }
}
