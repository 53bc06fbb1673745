import type { Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { connectWorker, type Infrastructure } from '../bootstrap/infrastructure';
import { startBatchFiles } from '../files/batch-files-service';
import type { RecoupMetrics } from '../observability/metrics';
import type { TemporalEndpoint } from '../temporal/connection';
import { ensureWebhookRelayRunning } from '../workflows/webhook-relay.client';
import { createConfiguredWorker } from './create-worker';

/** The worker of a Recoup process with what runs beside it: the webhook relay and the batch files. */
export interface ProcessWorker {
  worker: Worker;
  /** Where batch files are picked up, or null without a files root. */
  filesRoot: string | null;
  /** Settles once the worker has stopped (after a shutdown, or on a fatal error, which it rejects with). */
  stopped: Promise<void>;
  /**
   * Stops watching for batch files, asks the worker to shut down unless a signal already did
   * (the SDK's runtime also shuts workers down on SIGINT/SIGTERM), and waits until it has.
   */
  stop(): Promise<void>;
}

/**
 * Connects and runs a worker on the process's infrastructure (`npm start`, `npm run worker`),
 * makes sure the webhook relay workflow runs, and starts the batch files' schedule and watcher.
 */
export async function startProcessWorker(deps: { config: Config; logger: Logger; temporal: TemporalEndpoint; infra: Infrastructure; metrics?: RecoupMetrics }): Promise<ProcessWorker> {
  const { config, logger, infra } = deps;
  const worker = await createConfiguredWorker(config, await connectWorker(deps.temporal), {
    db: infra.database.db,
    mailer: infra.mailer,
    sms: infra.sms,
    temporal: infra.temporal,
    config,
    logger,
    secrets: infra.secrets,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
  const stopped = worker.run();
  await ensureWebhookRelayRunning(infra.temporal, config.TEMPORAL_TASK_QUEUE);
  const batchFiles = await startBatchFiles({ config, temporal: infra.temporal, logger });
  return {
    worker,
    filesRoot: batchFiles.root,
    stopped,
    stop: async () => {
      await batchFiles.stop();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await stopped;
    },
  };
}
