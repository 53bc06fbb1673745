import { NativeConnection } from '@temporalio/worker';
import type { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { devOutboxShowsPortalLinks } from './logger';
import { createDb, type Database } from '../db/client';
import { createMailer, type Mailer } from '../messaging/mailer';
import { createSmsSender, type SmsSender } from '../messaging/sms';
import { secretBoxFor, type SecretBox } from '../services/secret-box';
import { sealStoredSecrets } from '../services/stored-secrets';
import { createTemporalClient, type TemporalEndpoint } from '../temporal/connection';
import { dataConverterFor } from '../temporal/data-converter';
import { registerSearchAttributes } from '../temporal/search-attributes';

/** The connections a Recoup process holds, opened in order and closed in reverse. */
export interface Infrastructure {
  database: Database;
  temporal: Client;
  connection: Connection;
  mailer: Mailer;
  sms: SmsSender;
  /** Seals and opens the secrets kept in the database. */
  secrets: SecretBox;
  close(): Promise<void>;
}

/**
 * `temporal`: from `temporalEndpointFrom(config)`, or a dev server `npm start` started. `database`:
 * one the caller opened already (`npm start` takes the embedded database's lock before anything
 * else); `holder`: how a second opener of the embedded database is told who has it (`npm run api`).
 */
export async function openInfrastructure(config: Config, logger: Logger, temporal: TemporalEndpoint, opened?: { database?: Database; holder?: string }): Promise<Infrastructure> {
  const database = opened?.database ?? createDb({ databaseUrl: config.DATABASE_URL, dataDir: config.RECOUP_DATA_DIR, holder: opened?.holder });
  const secrets = secretBoxFor(config);
  if (config.RECOUP_MIGRATE_ON_START) {
    await database.migrate();
    // Rows stored in clear before sealing existed are sealed once; a no-op afterwards.
    await sealStoredSecrets(database.db, secrets);
  }
  const { client, connection } = await createTemporalClient({ ...temporal, namespace: config.TEMPORAL_NAMESPACE, dataConverter: dataConverterFor(config) });
  // A server we did not start (docker-compose, a cluster) learns our search attributes here.
  await registerSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
  const mailer = createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, logger, showPortalLinks: devOutboxShowsPortalLinks(config) });
  const sms = createSmsSender({
    accountSid: config.TWILIO_ACCOUNT_SID,
    authToken: config.TWILIO_AUTH_TOKEN,
    from: config.TWILIO_FROM,
    messagingServiceSid: config.TWILIO_MESSAGING_SERVICE_SID,
    apiBaseUrl: config.TWILIO_API_BASE_URL,
    // Production never logs SMS to the dev outbox: without Twilio, SMS steps are skipped.
    devOutbox: !config.production,
    showPortalLinks: devOutboxShowsPortalLinks(config),
    logger,
  });
  return {
    database,
    temporal: client,
    connection,
    mailer,
    sms,
    secrets,
    async close() {
      mailer.close();
      await connection.close();
      await database.close();
    },
  };
}

/** The worker's own (native) connection, over the same TLS as the client's. */
export function connectWorker(temporal: TemporalEndpoint): Promise<NativeConnection> {
  return NativeConnection.connect({ address: temporal.address, ...(temporal.tls ? { tls: temporal.tls } : {}) });
}
