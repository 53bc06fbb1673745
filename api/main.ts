import type { Server } from 'node:http';
import { loadConfigOrExit } from '../config/config';
import { createProcessLogger } from '../bootstrap/logger';
import { openInfrastructure } from '../bootstrap/infrastructure';
import { temporalEndpointFrom } from '../temporal/connection';
import { createApp } from './app';
import { startApiKeyCache } from './api-key-cache';
import { listenHttp } from './http-server';
import { drainHttpServer } from './shutdown';
import { startSftpService } from '../files/sftp-service';
import { startInboundEmail } from '../inbound/service';

/** `npm run api`: the HTTP API alone, against TEMPORAL_ADDRESS. Stateless: run as many as needed. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createProcessLogger(config, 'recoup-api');
  const infra = await openInfrastructure(config, logger, temporalEndpointFrom(config), { holder: 'npm run api' });
  let draining = false;
  // Keys seen before are not read again; a revocation anywhere reaches this process by NOTIFY.
  const apiKeys = await startApiKeyCache(infra.database, logger);
  const app = createApp({
    apiKeyCache: apiKeys.cache,
    db: infra.database.db,
    temporal: infra.temporal,
    config,
    logger,
    secrets: infra.secrets,
    observability: { metricsToken: config.RECOUP_METRICS_TOKEN, isDraining: () => draining },
  });
  const server: Server = await listenHttp(app, config.PORT);
  logger.info({ port: config.PORT }, 'API listening');
  // Partners' batch files over SFTP, when RECOUP_SFTP_PORT is set.
  const sftp =
    config.RECOUP_SFTP_PORT === undefined
      ? null
      : await startSftpService({ config, port: config.RECOUP_SFTP_PORT, db: infra.database.db, temporal: infra.temporal, logger });
  // Replies and bounces by SMTP, when RECOUP_INBOUND_SMTP_PORT is set (docs/conversations.md: Inbound email).
  const inbound = config.RECOUP_INBOUND_SMTP_PORT === undefined ? null : await startInboundEmail({ config, port: config.RECOUP_INBOUND_SMTP_PORT, db: infra.database.db, logger });
  if (inbound) logger.info({ port: inbound.port, domain: config.inboundEmail.domain }, 'inbound SMTP listening');
  // SIGTERM/SIGINT: /readyz answers 503, no new connections, requests in flight are answered
  // (for at most RECOUP_SHUTDOWN_GRACE_MS), then the connections close and the process exits 0.
  const stop = async () => {
    if (draining) return;
    draining = true;
    logger.info({ graceMs: config.RECOUP_SHUTDOWN_GRACE_MS }, 'shutting down: finishing requests in flight');
    await drainHttpServer(server, config.RECOUP_SHUTDOWN_GRACE_MS, logger);
    await sftp?.close();
    await inbound?.close();
    await apiKeys.stop();
    await infra.close();
    logger.info('API stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
