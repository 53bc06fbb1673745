import type { Server } from 'node:http';
import { loadConfigOrExit } from '../config/config';
import { createLogger } from '../bootstrap/logger';
import { openInfrastructure } from '../bootstrap/infrastructure';
import { createApp } from './app';

/** `npm run api`: the HTTP API alone, against TEMPORAL_ADDRESS. Stateless: run as many as needed. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL, 'recoup-api');
  const infra = await openInfrastructure(config, logger, config.TEMPORAL_ADDRESS ?? '127.0.0.1:7233');
  const app = createApp({ db: infra.database.db, temporal: infra.temporal, config, logger });
  const server: Server = app.listen(config.PORT, () => logger.info({ port: config.PORT }, 'API listening'));
  const stop = () => {
    server.close(() => void infra.close().then(() => process.exit(0)));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
