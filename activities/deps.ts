import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import type { Mailer } from '../messaging/mailer';
import type { SmsSender } from '../messaging/sms';
import type { Config } from '../config/config';

/** Everything activities touch in the outside world, passed in so tests can choose. */
export interface ActivityDeps {
  db: Db;
  mailer: Mailer;
  sms: SmsSender;
  temporal: Client;
  config: Pick<Config, 'publicBaseUrl' | 'portalSecret' | 'TEMPORAL_TASK_QUEUE'>;
  logger: Logger;
  clock?: () => Date;
}
