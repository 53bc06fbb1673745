import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfigOrExit } from '../config/config';
import { createProcessLogger } from '../bootstrap/logger';
import { openInfrastructure } from '../bootstrap/infrastructure';
import { temporalEndpointFrom, type TemporalEndpoint } from '../temporal/connection';
import { ensureDemoData, ensureDemoSftpLogin } from '../bootstrap/demo-data';
import { ensureTemporalCli } from '../temporal/binaries';
import { DevServerExited, startDevServer, type DevServer } from '../temporal/dev-server';
import { createDb } from '../db/client';
import { acquireDataFolderLock, DataFolderInUse } from '../db/data-folder-lock';
import { portsInUse, type PortNeed } from '../bootstrap/port-holder';
import { runDatabaseCommand } from './commands';
import { startProcessWorker } from '../worker/process-worker';
import { createApp } from '../api/app';
import { startApiKeyCache } from '../api/api-key-cache';
import { listenHttp } from '../api/http-server';
import { startSftpService } from '../files/sftp-service';
import { startInboundEmail } from '../inbound/service';

/** The dev server this process started, stopped again should the start fail after it. */
let startedDevServer: DevServer | undefined;

/**
 * `npm start`: everything on one machine — a Temporal dev server (unless TEMPORAL_ADDRESS is set),
 * the database with migrations, a worker and the API in this process, and demo data.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createProcessLogger(config);
  // First the embedded database's lock: a second `npm start` on this folder is told who holds it
  // before it could trip over the first one's ports. The database itself opens once the ports are
  // known to be free (a start refused midway never leaves a half-made database behind).
  const embedded = !config.DATABASE_URL && config.RECOUP_DATA_DIR !== 'memory://';
  const lock = embedded ? acquireDataFolderLock(path.resolve(config.RECOUP_DATA_DIR), 'npm start') : undefined;
  // An external Temporal (TEMPORAL_ADDRESS) over mTLS when TEMPORAL_TLS_* say so; the dev server speaks plain gRPC on loopback.
  let temporal: TemporalEndpoint | undefined = config.TEMPORAL_ADDRESS ? temporalEndpointFrom(config) : undefined;
  // Ports are named, with who holds them, rather than moved: the Web UI's URL and 7233 stay where the README says.
  const needs: PortNeed[] = [
    ...(temporal
      ? []
      : [
          { port: config.TEMPORAL_PORT, what: 'the Temporal dev server (gRPC)', setting: 'TEMPORAL_PORT', host: '127.0.0.1' },
          { port: config.TEMPORAL_UI_PORT, what: 'the Temporal Web UI', setting: 'TEMPORAL_UI_PORT', host: '127.0.0.1' },
        ]),
    ...(config.PORT ? [{ port: config.PORT, what: 'the API', setting: 'PORT' }] : []),
  ];
  const taken = await portsInUse(needs);
  if (taken.length) throw new StartupFailure(`Cannot start:\n${taken.map((l) => `  ${l}`).join('\n')}`);
  if (!temporal) {
    const cliPath = ensureTemporalCli(config.TEMPORAL_CLI);
    logger.info({ cliPath }, 'starting the Temporal dev server');
    startedDevServer = await startDevServer({
      cliPath,
      dataDir: path.resolve(config.RECOUP_DATA_DIR, 'temporal'),
      namespace: config.TEMPORAL_NAMESPACE,
      port: config.TEMPORAL_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      // The UI decodes encrypted payloads here with the console session of an ops user (docs/encryption.md: Payload encryption).
      codecEndpoint: config.RECOUP_PAYLOAD_KEYS ? `${config.publicBaseUrl}/console/codec` : undefined,
      onOutput: (line) => logger.debug({ temporal: line }),
    });
    temporal = { address: startedDevServer.address };
  }
  const database = createDb({ databaseUrl: config.DATABASE_URL, dataDir: config.RECOUP_DATA_DIR, lock });
  const infra = await openInfrastructure(config, logger, temporal, { database });
  const db = infra.database.db;
  const worker = await startProcessWorker({ config, logger, temporal, infra });
  // The ops CLI's commands come here while this process holds the embedded database (api/admin-channel.ts).
  const adminChannel = lock ? { secret: randomBytes(32).toString('base64url'), run: (command: string, values: Record<string, string | string[] | undefined>) => runDatabaseCommand({ db, config }, command, values) } : undefined;
  const apiKeys = await startApiKeyCache(infra.database, logger);
  const app = createApp({ db, temporal: infra.temporal, config, logger, secrets: infra.secrets, adminChannel, apiKeyCache: apiKeys.cache });
  const server: Server = await listenHttp(app, config.PORT);
  if (adminChannel) lock!.advertise({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, secret: adminChannel.secret });
  // Never in production: a verified demo company, its key and an SFTP password would be ways in.
  const demo = config.production ? null : await ensureDemoData(db, config.RECOUP_DATA_DIR);
  // Batch files over SFTP on RECOUP_SFTP_PORT, else 2222; a port in use costs only the SFTP server.
  const sftp = await startSftpService({ config, port: config.RECOUP_SFTP_PORT ?? 2222, db, temporal: infra.temporal, logger }).catch((err: unknown) => {
    logger.warn({ err }, 'SFTP server not started');
    return null;
  });
  const sftpLogin = sftp && demo ? await ensureDemoSftpLogin(db, config.RECOUP_DATA_DIR) : null;
  // Replies and bounces on RECOUP_INBOUND_SMTP_PORT, else 2525; a port in use costs only this server.
  const inbound = await startInboundEmail({ config, port: config.RECOUP_INBOUND_SMTP_PORT ?? 2525, db, logger }).catch((err: unknown) => {
    logger.warn({ err }, 'inbound SMTP server not started');
    return null;
  });

  // The port really listened on (PORT=0 picks one), unless a public URL was configured.
  const listening = (server.address() as AddressInfo).port;
  const apiUrl = `${config.PUBLIC_BASE_URL ? config.publicBaseUrl : `http://localhost:${listening}`}/api/v2`;
  console.log(`
Recoup is running.
  API:          ${apiUrl}
  Temporal UI:  ${startedDevServer?.uiUrl ?? `(external Temporal at ${temporal.address})`}
  Database:     ${infra.database.kind === 'pglite' ? `embedded PGlite in ${path.resolve(config.RECOUP_DATA_DIR, 'pglite')}` : 'PostgreSQL (DATABASE_URL)'}
  Batch files:  ${worker.filesRoot ? `${worker.filesRoot}/<partner id>/inbox (docs/batch-files.md)` : 'off'}
  Email/SMS:    ${infra.mailer.transport === 'smtp' ? 'SMTP' : 'dev outbox (kept in the messages table, shown at /console/outbox)'} / ${infra.sms.transport}
  Inbound SMTP: ${inbound ? `port ${inbound.port}, replies to *@${config.inboundEmail.domain} (docs/conversations.md)` : 'off (port in use)'}
${demo ? `  Demo API key: ${demo.partnerKey}\n  Demo company: ${demo.companyId} (verified)\n\n  To try the API in another terminal, paste this line first (README: See an invoice paid):\n  export KEY=${demo.partnerKey} COMPANY=${demo.companyId} API=${apiUrl}\n` : ''}
${sftp ? `  SFTP:         port ${sftp.port}, files in ${sftp.root}/<partner id>/{inbox,processed,outbox}\n` : ''}${sftp && sftpLogin ? `  Demo SFTP:    sftp -P ${sftp.port} ${sftpLogin.username}@localhost   (password ${sftpLogin.password})\n` : ''}Press Ctrl-C to stop.
`);

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sftp?.close();
    await inbound?.close();
    await worker.stop();
    await apiKeys.stop();
    await infra.close();
    await startedDevServer?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/** A start-up failure whose message says all a person needs (no stack trace). */
class StartupFailure extends Error {}

main().catch(async (err) => {
  const explained = err instanceof StartupFailure || err instanceof DataFolderInUse || err instanceof DevServerExited;
  console.error(explained ? `${(err as Error).message}` : err);
  // A start that fails after the dev server came up leaves no server behind holding its ports.
  await startedDevServer?.stop().catch(() => undefined);
  process.exit(1);
});
