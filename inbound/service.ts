import type { Logger } from 'pino';
import type { Config } from '../config/config';
import type { Db } from '../db/client';
import { startInboundSmtpServer, type InboundSmtpServer } from './server';

/**
 * The inbound SMTP server in a Recoup process (`npm start`, `npm run api` with
 * RECOUP_INBOUND_SMTP_PORT, `npm run inbound-smtp`), from the configuration: its port (given, as
 * `npm start` defaults it), address, reply-address domain and signing key.
 */
export function startInboundEmail(deps: { config: Pick<Config, 'inboundEmail' | 'RECOUP_INBOUND_SMTP_HOST'>; port: number; db: Db; logger: Logger }): Promise<InboundSmtpServer> {
  return startInboundSmtpServer({ db: deps.db, key: deps.config.inboundEmail, port: deps.port, host: deps.config.RECOUP_INBOUND_SMTP_HOST, logger: deps.logger });
}
