import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import type { Db } from '../db/client';
import { submitBatchFile } from './intake';
import { filesRoot } from './layout';
import { loadOrCreateSftpHostKey, startSftpServer, type SftpServer } from './sftp-server';

/**
 * The SFTP server in a Recoup process (`npm run api` with RECOUP_SFTP_PORT, `npm start`,
 * `npm run sftp`): every complete upload is handed to the batch-file intake at once (the
 * drop-folder watcher would find it too; the intake's move out of the inbox has one winner).
 * Null when there is no files root (an in-memory data dir without RECOUP_FILES_DIR).
 */
export async function startSftpService(deps: {
  config: Pick<Config, 'RECOUP_FILES_DIR' | 'RECOUP_DATA_DIR' | 'RECOUP_SFTP_HOST' | 'RECOUP_SFTP_HOST_KEY_FILE' | 'TEMPORAL_TASK_QUEUE' | 'RECOUP_MAX_BATCH_FILE_BYTES'>;
  port: number;
  db: Db;
  temporal: Client;
  logger: Logger;
}): Promise<(SftpServer & { root: string }) | null> {
  const { config, logger } = deps;
  const root = filesRoot(config);
  if (!root) {
    logger.warn('SFTP not started: no files root (set RECOUP_FILES_DIR with an in-memory data dir)');
    return null;
  }
  const intake = { temporal: deps.temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, root, maxFileBytes: config.RECOUP_MAX_BATCH_FILE_BYTES };
  const server = await startSftpServer({
    db: deps.db,
    root,
    port: deps.port,
    maxFileBytes: config.RECOUP_MAX_BATCH_FILE_BYTES,
    host: config.RECOUP_SFTP_HOST,
    hostKeys: [loadOrCreateSftpHostKey({ file: config.RECOUP_SFTP_HOST_KEY_FILE, dataDir: config.RECOUP_DATA_DIR, logger })],
    logger,
    onUploadComplete: async (partnerId, path) => {
      const result = await submitBatchFile(intake, { partnerId, path });
      logger.info({ partnerId, file: path, status: result.status }, 'batch file uploaded by SFTP');
    },
  });
  return { ...server, root };
}
