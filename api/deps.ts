import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import type { Config } from '../config/config';
import type { DocumentStore } from '../storage/document-store';
import type { PaymentConfig } from '../payments/configured-provider';
import type { PaymentProvider } from '../payments/payment-provider';
import type { OutboundGuard } from '../outbound/guard';
import type { SecretBox } from '../services/secret-box';
import type { SignInThrottle } from '../services/sign-in-throttle';
import type { TwilioWebhookConfig } from './twilio/routes';
import type { CodecConfig } from './codec/routes';

/** The configuration the HTTP app reads. */
export type ApiConfig = Pick<
  Config,
  | 'RECOUP_RATE_LIMIT_PER_MINUTE'
  | 'RECOUP_BOOTSTRAP_OPS_KEY'
  | 'TEMPORAL_TASK_QUEUE'
  | 'portalSecret'
  | 'publicBaseUrl'
  | 'RECOUP_DATA_DIR'
  | 'RECOUP_COLLECTION_IBAN'
  | 'RECOUP_COLLECTION_BIC'
  | 'RECOUP_COLLECTION_ACCOUNT_NAME'
> &
  Partial<Pick<Config, 'RECOUP_ALLOW_PRIVATE_URLS' | 'RECOUP_SECRET_KEYS'>> &
  TwilioWebhookConfig &
  PaymentConfig &
  CodecConfig;

/**
 * What every route handler and router of the HTTP app is given: one object, built once by
 * `createApp` from its `AppDeps` with the defaults filled in.
 */
export interface ApiDeps {
  db: Db;
  temporal: Client;
  /** The task queue workflows started by the API run on. */
  taskQueue: string;
  config: ApiConfig;
  logger: Logger;
  documents: DocumentStore;
  payments: PaymentProvider;
  outbound: OutboundGuard;
  secrets: SecretBox;
  signInThrottle: SignInThrottle;
  /** Now; a test may move it. */
  clock: () => Date;
}
