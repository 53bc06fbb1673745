/**
 * A Recoup worker in a process of its own, wired as `npm run worker` wires it, for tests that kill
 * it (SIGKILL) in the middle of an activity. Run with `npx tsx test/support/worker-process.ts`;
 * the settings come from the environment (config/config.ts). Prints `worker ready` once it polls.
 * Unlike `npm run worker` it starts no webhook relay: the tests that use it look at one invoice.
 */
import './quiet-runtime';
import { loadConfigOrExit } from '../../config/config';
import { createLogger } from '../../bootstrap/logger';
import { connectWorker, openInfrastructure } from '../../bootstrap/infrastructure';
import { temporalEndpointFrom } from '../../temporal/connection';
import { bundleWorkflows, createWorker } from '../../worker/create-worker';
import { dataConverterFor } from '../../temporal/data-converter';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL, 'test-worker');
  const temporal = temporalEndpointFrom(config);
  const infra = await openInfrastructure(config, logger, temporal);
  const worker = await createWorker({
    connection: await connectWorker(temporal),
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    // The bundle the test run's global setup made, when there is one: a restarted worker is ready sooner.
    workflowBundle: process.env.RECOUP_TEST_WORKFLOW_BUNDLE && !config.RECOUP_PAYLOAD_KEYS ? { codePath: process.env.RECOUP_TEST_WORKFLOW_BUNDLE } : await bundleWorkflows(config),
    dataConverter: dataConverterFor(config),
    deps: { db: infra.database.db, mailer: infra.mailer, sms: infra.sms, temporal: infra.temporal, config, logger },
  });
  process.once('SIGTERM', () => worker.shutdown());
  const running = worker.run();
  process.stdout.write(`worker ready ${process.pid}\n`);
  await running;
  await infra.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
