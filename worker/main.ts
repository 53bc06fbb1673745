import { loadConfigOrExit } from '../config/config';
import { createLogger } from '../bootstrap/logger';
import { connectWorker, openInfrastructure } from '../bootstrap/infrastructure';
import { ensureWebhookRelayRunning } from '../temporal/webhook-relay';
import { bundleWorkflows, createWorker } from './create-worker';

/** `npm run worker`: a worker alone, against TEMPORAL_ADDRESS. Scale out by running more. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL, 'recoup-worker');
  const address = config.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const infra = await openInfrastructure(config, logger, address);
  const worker = await createWorker({
    connection: await connectWorker(address),
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle: await bundleWorkflows(),
    deps: { db: infra.database.db, mailer: infra.mailer, sms: infra.sms, temporal: infra.temporal, config, logger },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  await ensureWebhookRelayRunning(infra.temporal, config.TEMPORAL_TASK_QUEUE);
  logger.info({ address, taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
  await worker.run();
  await infra.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
