import { loadConfigOrExit } from '../config/config';
import { createProcessLogger } from '../bootstrap/logger';
import { openInfrastructure } from '../bootstrap/infrastructure';
import { temporalEndpointFrom } from '../temporal/connection';
import { startSftpService } from './sftp-service';

/** `npm run sftp`: the SFTP server alone (port RECOUP_SFTP_PORT, default 2222), against TEMPORAL_ADDRESS and the database. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createProcessLogger(config, 'recoup-sftp');
  const infra = await openInfrastructure(config, logger, temporalEndpointFrom(config), { holder: 'npm run sftp' });
  const sftp = await startSftpService({ config, port: config.RECOUP_SFTP_PORT ?? 2222, db: infra.database.db, temporal: infra.temporal, logger });
  if (!sftp) {
    await infra.close();
    process.exit(2);
  }
  const stop = () => void sftp.close().then(() => infra.close()).then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
