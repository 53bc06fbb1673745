import path from 'node:path';
import type { Server } from 'node:http';
import { loadConfigOrExit } from '../config/config';
import { createProcessLogger } from '../bootstrap/logger';
import { connectWorker, openInfrastructure } from '../bootstrap/infrastructure';
import { temporalEndpointFrom, type TemporalEndpoint } from '../temporal/connection';
import { ensureDemoData, ensureDemoSftpLogin } from '../bootstrap/demo-data';
import { ensureTemporalCli } from '../temporal/binaries';
import { startDevServer, type DevServer } from '../temporal/dev-server';
import { bundleWorkflows, createWorker, workerTuningFrom } from '../worker/create-worker';
import { dataConverterFor } from '../temporal/data-converter';
import { createApp } from '../api/app';
import { ensureWebhookRelayRunning } from '../temporal/webhook-relay';
import { startBatchFiles } from '../files/batch-files-service';
import { startSftpService } from '../files/sftp-service';

/**
 * `npm start`: everything on one machine — a Temporal dev server (unless TEMPORAL_ADDRESS is set),
 * the database with migrations, a worker and the API in this process, and demo data.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createProcessLogger(config);
  let devServer: DevServer | undefined;
  // An external Temporal (TEMPORAL_ADDRESS) over mTLS when TEMPORAL_TLS_* say so; the dev server speaks plain gRPC on loopback.
  let temporal: TemporalEndpoint | undefined = config.TEMPORAL_ADDRESS ? temporalEndpointFrom(config) : undefined;
  if (!temporal) {
    const cliPath = ensureTemporalCli(config.TEMPORAL_CLI);
    logger.info({ cliPath }, 'starting the Temporal dev server');
    devServer = await startDevServer({
      cliPath,
      dataDir: path.resolve(config.RECOUP_DATA_DIR, 'temporal'),
      namespace: config.TEMPORAL_NAMESPACE,
      uiPort: config.TEMPORAL_UI_PORT,
      // The UI decodes encrypted payloads here with the console session of an ops user (README: Payload encryption).
      codecEndpoint: config.RECOUP_PAYLOAD_KEYS ? `${config.publicBaseUrl}/console/codec` : undefined,
      onOutput: (line) => logger.debug({ temporal: line }),
    });
    temporal = { address: devServer.address };
  }
  const infra = await openInfrastructure(config, logger, temporal);
  const db = infra.database.db;
  const worker = await createWorker({
    connection: await connectWorker(temporal),
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle: await bundleWorkflows(config),
    dataConverter: dataConverterFor(config),
    tuning: workerTuningFrom(config),
    deps: { db, mailer: infra.mailer, sms: infra.sms, temporal: infra.temporal, config, logger, secrets: infra.secrets },
  });
  const workerRun = worker.run();
  await ensureWebhookRelayRunning(infra.temporal, config.TEMPORAL_TASK_QUEUE);
  const batchFiles = await startBatchFiles({ config, temporal: infra.temporal, logger });
  const app = createApp({ db, temporal: infra.temporal, config, logger, secrets: infra.secrets });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(config.PORT, () => resolve(s));
  });
  // Never in production: a verified demo company, its key and an SFTP password would be ways in.
  const demo = config.production ? null : await ensureDemoData(db, config.RECOUP_DATA_DIR);
  // Batch files over SFTP on RECOUP_SFTP_PORT, else 2222; a port in use costs only the SFTP server.
  const sftp = await startSftpService({ config, port: config.RECOUP_SFTP_PORT ?? 2222, db, temporal: infra.temporal, logger }).catch((err: unknown) => {
    logger.warn({ err }, 'SFTP server not started');
    return null;
  });
  const sftpLogin = sftp && demo ? await ensureDemoSftpLogin(db, config.RECOUP_DATA_DIR) : null;

  const apiUrl = `${config.publicBaseUrl}/api/v2`;
  console.log(`
Recoup is running.
  API:          ${apiUrl}
  Temporal UI:  ${devServer?.uiUrl ?? `(external Temporal at ${temporal.address})`}
  Database:     ${infra.database.kind === 'pglite' ? `embedded PGlite in ${path.resolve(config.RECOUP_DATA_DIR, 'pglite')}` : 'PostgreSQL (DATABASE_URL)'}
  Batch files:  ${batchFiles.root ? `${batchFiles.root}/<partner id>/inbox (docs/batch-files.md)` : 'off'}
  Email/SMS:    ${infra.mailer.transport === 'smtp' ? 'SMTP' : 'dev outbox (kept in the messages table, shown at /console/outbox)'} / ${infra.sms.transport}
${demo ? `  Demo API key: ${demo.partnerKey}\n  Demo company: ${demo.companyId} (verified)\n\n  Try:  curl -H "Authorization: Bearer ${demo.partnerKey}" ${apiUrl}/companies` : ''}
${sftp ? `  SFTP:         port ${sftp.port}, files in ${sftp.root}/<partner id>/{inbox,processed,outbox}\n` : ''}${sftp && sftpLogin ? `  Demo SFTP:    sftp -P ${sftp.port} ${sftpLogin.username}@localhost   (password ${sftpLogin.password})\n` : ''}Press Ctrl-C to stop.
`);

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sftp?.close();
    // The SDK's runtime also shuts workers down on SIGINT/SIGTERM; only ask if it has not yet.
    await batchFiles.stop();
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun;
    await infra.close();
    await devServer?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
