import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { workflowBundle } from '../support/stack';

/**
 * Histories recorded from earlier versions of the workflows, replayed against today's code:
 * a change that would break running workflows (without `patched()`) fails here.
 */
const dir = path.join(__dirname, '..', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.history.bin'));

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(3);
});

test.each(files)('replays %s deterministically', async (file) => {
  // Stored as the protobuf bytes the server sent (`History.encode`), read back exactly.
  const history = temporal.api.history.v1.History.decode(readFileSync(path.join(dir, file)));
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
});
