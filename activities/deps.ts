import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import type { Mailer } from '../messaging/mailer';
import type { SmsSender } from '../messaging/sms';
import type { Config } from '../config/config';
import type { DocumentStore } from '../storage/document-store';
import type { RecoupMetrics } from '../observability/metrics';
import { createOutboundGuard, type OutboundGuard } from '../outbound/guard';
import type { SecretBox } from '../services/secret-box';
import { printBatchAdapter, printMailApiAdapter, type PrintMail } from '../messaging/print-mail';

/** Everything activities touch in the outside world, passed in so tests can choose. */
export interface ActivityDeps {
  db: Db;
  mailer: Mailer;
  sms: SmsSender;
  temporal: Client;
  config: Pick<Config, 'publicBaseUrl' | 'portalSecret' | 'TEMPORAL_TASK_QUEUE'> &
    Partial<Pick<Config, 'RECOUP_DATA_DIR' | 'RECOUP_COLLECTOR_OUTBOX_DIR' | 'RECOUP_FILES_DIR' | 'RECOUP_ALLOW_PRIVATE_URLS' | 'RECOUP_MAX_BATCH_LINE_BYTES' | 'RECOUP_SECRET_KEYS' | 'PRINT_MAIL_API_URL' | 'PRINT_MAIL_API_KEY' | 'RECOUP_DEBTOR_GATHERING_WINDOW_MS' | 'inboundEmail'>>;
  logger: Logger;
  clock?: () => Date;
  /** Where debt case documents are kept; default: the store of `config.RECOUP_DATA_DIR` (memory when unset). */
  documents?: DocumentStore;
  /** Counters of messages, payments and debt cases (the worker's `/metrics`); unset → not counted. */
  metrics?: RecoupMetrics;
  /** Opens stored webhook secrets and pull tokens; default: the box of `config` (services/secret-box.ts). */
  secrets?: SecretBox;
  /** Checks every connection to a partner-configured URL; default: from `config.RECOUP_ALLOW_PRIVATE_URLS` with the system resolver. */
  outbound?: OutboundGuard;
  /** Where letters go; default: the print-and-mail API of `config.PRINT_MAIL_API_URL`, else daily print batches. */
  printMail?: PrintMail;
}

/** The guard of partner-configured URLs these activities use (built from the configuration unless given). */
export function outboundGuardOf(deps: Pick<ActivityDeps, 'outbound' | 'config'>): OutboundGuard {
  return deps.outbound ?? createOutboundGuard({ allowPrivateUrls: deps.config.RECOUP_ALLOW_PRIVATE_URLS });
}

/** The print-and-mail adapter letters go to (built from the configuration unless given). */
export function printMailOf(deps: Pick<ActivityDeps, 'printMail' | 'outbound' | 'config'>): PrintMail {
  if (deps.printMail) return deps.printMail;
  const { PRINT_MAIL_API_URL: url, PRINT_MAIL_API_KEY: apiKey } = deps.config;
  return url && apiKey ? printMailApiAdapter({ url, apiKey, guard: outboundGuardOf(deps) }) : printBatchAdapter();
}
