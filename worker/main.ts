import { loadConfigOrExit } from '../config/config';
import { createProcessLogger } from '../bootstrap/logger';
import { openInfrastructure } from '../bootstrap/infrastructure';
import { temporalEndpointFrom } from '../temporal/connection';
import { startProcessWorker } from './process-worker';
import { startWorkerObservabilityServer } from './observability-server';
import { installRuntime } from '../observability/runtime';
import { createWorkerMetrics } from '../observability/metrics';
import { databaseCheck, type ReadinessCheck } from '../observability/health';
import type { Worker } from '@temporalio/worker';

/** `npm run worker`: a worker alone, against TEMPORAL_ADDRESS. Scale out by running more. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createProcessLogger(config, 'recoup-worker');
  // Before any native connection: SDK logs into pino, SDK metrics on a loopback port.
  installRuntime(logger, { sdkMetricsPort: config.RECOUP_WORKER_SDK_METRICS_PORT });
  const metrics = createWorkerMetrics();
  const temporal = temporalEndpointFrom(config);
  const infra = await openInfrastructure(config, logger, temporal, { holder: 'npm run worker' });
  const running = await startProcessWorker({ config, logger, temporal, infra, metrics: metrics.recoup });
  const { worker } = running;
  const observability =
    config.RECOUP_WORKER_METRICS_PORT > 0
      ? await startWorkerObservabilityServer({
          port: config.RECOUP_WORKER_METRICS_PORT,
          registry: metrics.registry,
          sdkMetricsUrl: config.RECOUP_WORKER_SDK_METRICS_PORT > 0 ? `http://127.0.0.1:${config.RECOUP_WORKER_SDK_METRICS_PORT}/metrics` : undefined,
          checks: [workerRunningCheck(worker), databaseCheck(infra.database.db)],
          logger,
        })
      : undefined;
  // SIGTERM/SIGINT: polling stops, running activities get RECOUP_WORKER_SHUTDOWN_GRACE to finish
  // (then they are cancelled and their tasks go back to the server for another worker).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  logger.info({ address: temporal.address, tls: Boolean(temporal.tls), taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
  await running.stopped;
  await running.stop();
  await observability?.close();
  await infra.close();
  logger.info('worker stopped');
  process.exit(0);
}

function workerRunningCheck(worker: Worker): ReadinessCheck {
  return {
    name: 'worker',
    check: async () => {
      if (worker.getState() !== 'RUNNING') throw new Error(`worker is ${worker.getState()}`);
    },
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
