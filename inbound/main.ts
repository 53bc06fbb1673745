import { loadConfigOrExit } from '../config/config';
import { createProcessLogger } from '../bootstrap/logger';
import { openInfrastructure } from '../bootstrap/infrastructure';
import { temporalEndpointFrom } from '../temporal/connection';
import { startInboundEmail } from './service';

/** `npm run inbound-smtp`: the inbound SMTP server alone (port RECOUP_INBOUND_SMTP_PORT, default 2525), against the database. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createProcessLogger(config, 'recoup-inbound-smtp');
  const infra = await openInfrastructure(config, logger, temporalEndpointFrom(config), { holder: 'npm run inbound-smtp' });
  const inbound = await startInboundEmail({ config, port: config.RECOUP_INBOUND_SMTP_PORT ?? 2525, db: infra.database.db, logger });
  logger.info({ port: inbound.port, domain: config.inboundEmail.domain }, 'inbound SMTP listening');
  // Stopping closes the listener first: a sending server mid-transaction gets no 250 and retries elsewhere.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void inbound
        .close()
        .then(() => infra.close())
        .finally(() => process.exit(0));
    });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
