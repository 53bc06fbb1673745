import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { ensureEventsExtractSchedule } from '../services/events-extract-schedule';
import { DropFolderWatcher } from './drop-folder-watcher';
import { filesRoot } from './layout';

/**
 * Batch files in a worker process (`npm run worker`, `npm start`): the daily events extract's
 * Schedule and, with RECOUP_FILES_WATCH, the drop-folder watcher. Nothing without a files root.
 */
export async function startBatchFiles(deps: {
  config: Pick<Config, 'RECOUP_FILES_DIR' | 'RECOUP_DATA_DIR' | 'RECOUP_FILES_WATCH' | 'RECOUP_FILES_POLL_SECONDS' | 'TEMPORAL_TASK_QUEUE' | 'RECOUP_MAX_BATCH_FILE_BYTES'>;
  temporal: Client;
  logger: Logger;
}): Promise<{ root: string | null; stop(): Promise<void> }> {
  const root = filesRoot(deps.config);
  if (!root) return { root, stop: async () => undefined };
  await ensureEventsExtractSchedule(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE);
  if (!deps.config.RECOUP_FILES_WATCH) return { root, stop: async () => undefined };
  const watcher = new DropFolderWatcher({
    temporal: deps.temporal,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    root,
    maxFileBytes: deps.config.RECOUP_MAX_BATCH_FILE_BYTES,
    logger: deps.logger,
    intervalMs: deps.config.RECOUP_FILES_POLL_SECONDS * 1000,
  });
  watcher.start();
  deps.logger.info({ root }, 'watching partner inboxes for batch files');
  return { root, stop: () => watcher.stop() };
}
