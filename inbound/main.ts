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
  const stop = () => void inbound.close().then(() => infra.close()).then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
