import express from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Db } from '../db/client';
import type { Config } from '../config/config';
import { documentStoreFor, type DocumentStore } from '../storage/document-store';
import { authenticate } from './auth';
import { errorMiddleware, notFoundRoute } from './errors';
import { idempotency } from './idempotency';
import { openApiRoutes } from './openapi/routes';
import { rateLimit } from './rate-limit';
import { companyRoutes } from './routes/companies';
import { debtCollectorConfigurationRoutes } from './routes/debt-collector-configurations';
import { documentRoutes } from './routes/documents';
import { dunningPolicyRoutes } from './routes/dunning-policy';
import { dunningPolicyPreviewRoutes } from './routes/dunning-policy-preview';
import { eventRoutes } from './routes/events';
import { importRoutes } from './routes/imports';
import { batchFileRoutes } from './routes/batch-files';
import { invoiceRoutes } from './routes/invoices';
import { partnerRoutes } from './routes/partners';
import { pullSourceRoutes } from './routes/pull-source';
import { portalRoutes } from './portal/routes';
import { invoiceMessageRoutes } from './invoice-messages/routes';
import { paymentRoutes } from './payments/routes';
import { paymentProviderFor, type PaymentConfig } from '../payments/configured-provider';
import type { PaymentProvider } from '../payments/payment-provider';
import { twilioWebhookRoutes, type TwilioWebhookConfig } from './twilio/routes';
import { webhookEndpointRoutes } from './webhooks/routes';
import { collectorCallbackRoutes } from './debt-cases/collector-callbacks';
import { debtCaseRoutes } from './debt-cases/routes';
import { consoleRoutes } from './console/routes';
import { statementRoutes } from './statements/routes';
import { printBatchRoutes } from './print-batches/routes';
import { httpLogOptions, observabilityRoutes, type ObservabilityDeps } from './observability';
import { codecRoutes, type CodecConfig } from './codec/routes';
import { createOutboundGuard, type OutboundGuard } from '../outbound/guard';
import { secretBoxFor, type SecretBox } from '../services/secret-box';
import { SignInThrottle } from '../services/sign-in-throttle';
import { adminChannelRoutes, type AdminChannel } from './admin-channel';

export interface AppDeps {
  db: Db;
  temporal: Client;
  config: Pick<Config, 'RECOUP_RATE_LIMIT_PER_MINUTE' | 'RECOUP_BOOTSTRAP_OPS_KEY' | 'TEMPORAL_TASK_QUEUE' | 'portalSecret' | 'publicBaseUrl' | 'RECOUP_DATA_DIR' | 'RECOUP_COLLECTION_IBAN' | 'RECOUP_COLLECTION_BIC' | 'RECOUP_COLLECTION_ACCOUNT_NAME'> & Partial<Pick<Config, 'RECOUP_ALLOW_PRIVATE_URLS' | 'RECOUP_SECRET_KEYS'>> & TwilioWebhookConfig & PaymentConfig & CodecConfig;
  logger: Logger;
  /** Where company documents are kept; default: `RECOUP_DATA_DIR/documents` (memory for `memory://`). */
  documents?: DocumentStore;
  /** The debtor portal's payment provider; default: the one PAYMENT_PROVIDER names. */
  payments?: PaymentProvider;
  /** Metrics registry and shutdown state for `/metrics` and `/readyz` (api/observability.ts). */
  observability?: ObservabilityDeps;
  /** Checks partner-configured URLs when registered; default: from `RECOUP_ALLOW_PRIVATE_URLS` with the system resolver. */
  outbound?: OutboundGuard;
  /** Seals stored secrets; default: the box of RECOUP_SECRET_KEYS (or the data folder's development key). */
  secrets?: SecretBox;
  /** Console sign-in throttling; default: the standard policy on this database. */
  signInThrottle?: SignInThrottle;
  /** `npm start` only: runs the ops CLI's commands for the same OS user while this process holds the embedded database (api/admin-channel.ts). */
  adminChannel?: AdminChannel;
}

/** The HTTP app, without listening: the entry point and the tests listen themselves. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  const secrets = deps.secrets ?? secretBoxFor(deps.config);
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(pinoHttp({ logger: deps.logger, ...httpLogOptions, autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') } }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(observabilityRoutes(deps));
  const payments = deps.payments ?? paymentProviderFor(deps.config);
  const outbound = deps.outbound ?? createOutboundGuard({ allowPrivateUrls: deps.config.RECOUP_ALLOW_PRIVATE_URLS });
  // Before any body parser: payment webhooks are verified over their raw bytes.
  app.use(paymentRoutes({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.TEMPORAL_TASK_QUEUE, payments }));
  app.use(portalRoutes({ db: deps.db, temporal: deps.temporal, payments, config: deps.config }));
  // Twilio posts forms, signed: only these routes parse them.
  app.use('/webhooks/twilio', express.urlencoded({ extended: false, limit: '64kb' }), twilioWebhookRoutes(deps.db, deps.config));

  // The Temporal Web UI's codec server; also under /console, where the console session cookie goes.
  app.use(['/codec', '/console/codec'], codecRoutes(deps.db, deps.config));
  app.use('/console', consoleRoutes({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.TEMPORAL_TASK_QUEUE, secret: deps.config.portalSecret, throttle: deps.signInThrottle ?? new SignInThrottle(deps.db, deps.logger) }));
  app.use(openApiRoutes());
  if (deps.adminChannel) app.use(adminChannelRoutes(deps.adminChannel));

  const api = express.Router();
  api.use(express.json({ limit: '1mb' }));
  api.use(authenticate(deps.db, deps.config.RECOUP_BOOTSTRAP_OPS_KEY));
  api.use(rateLimit(deps.db, deps.config.RECOUP_RATE_LIMIT_PER_MINUTE));
  api.use(idempotency(deps.db, { secrets }));
  api.use(partnerRoutes(deps.db));
  api.use(companyRoutes(deps.db));
  api.use(documentRoutes(deps.db, deps.documents ?? documentStoreFor(deps.config.RECOUP_DATA_DIR)));
  api.use(dunningPolicyRoutes(deps.db));
  api.use(dunningPolicyPreviewRoutes(deps.db));
  api.use(debtCollectorConfigurationRoutes(deps.db, outbound));
  api.use(pullSourceRoutes(deps.db, deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, outbound, secrets));
  api.use(importRoutes(deps.db, deps.temporal, deps.config.TEMPORAL_TASK_QUEUE));
  api.use(invoiceRoutes(deps.db, deps.temporal));
  api.use(invoiceMessageRoutes(deps.db, deps.config));
  api.use(eventRoutes(deps.db));
  api.use(batchFileRoutes(deps.db));
  api.use(webhookEndpointRoutes(deps.db, deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, outbound, secrets));
  api.use(debtCaseRoutes({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.TEMPORAL_TASK_QUEUE, documents: deps.documents ?? documentStoreFor(deps.config.RECOUP_DATA_DIR) }));
  api.use(statementRoutes({ db: deps.db, temporal: deps.temporal, account: { iban: deps.config.RECOUP_COLLECTION_IBAN, bic: deps.config.RECOUP_COLLECTION_BIC, name: deps.config.RECOUP_COLLECTION_ACCOUNT_NAME } }));
  api.use(printBatchRoutes(deps.db));
  app.use('/api/v2', api);
  // Debt collectors' signed status callbacks: outside /api/v2, authenticated by their signature.
  app.use(collectorCallbackRoutes({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.TEMPORAL_TASK_QUEUE }));

  app.use(notFoundRoute);
  app.use(errorMiddleware(deps.logger));
  return app;
}
