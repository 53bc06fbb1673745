import express from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Db } from '../db/client';
import { documentStoreFor, type DocumentStore } from '../storage/document-store';
import { authenticate } from './auth';
import { errorMiddleware, notFoundRoute } from './errors';
import { idempotency } from './idempotency';
import { openApiRoutes } from './openapi/routes';
import { partnerApiDefinitions, partnerApiRoutes } from './partner-api';
import { mountRoutes } from './route-definition';
import type { ApiConfig, ApiDeps } from './deps';
import { rateLimit } from './rate-limit';
import { portalRoutes } from './portal/routes';
import { unsubscribeRoutes } from './unsubscribe/routes';
import { paymentRoutes } from './payments/routes';
import { paymentProviderFor } from '../payments/configured-provider';
import type { PaymentProvider } from '../payments/payment-provider';
import { twilioWebhookRoutes } from './twilio/routes';
import { collectorCallbackRoutes } from './debt-cases/collector-callbacks';
import { consoleRoutes } from './console/routes';
import { dashboardRoutes } from './dashboard/routes';
import { httpLogOptions, observabilityRoutes, type ObservabilityDeps } from './observability';
import { codecRoutes } from './codec/routes';
import { createOutboundGuard, type OutboundGuard } from '../outbound/guard';
import { secretBoxFor, type SecretBox } from '../services/secret-box';
import { SignInThrottle } from '../services/sign-in-throttle';
import { adminChannelRoutes, type AdminChannel } from './admin-channel';

export interface AppDeps {
  db: Db;
  temporal: Client;
  config: ApiConfig;
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
  // The one deps object every router and route handler gets, defaults filled in.
  const apiDeps: ApiDeps = {
    db: deps.db,
    temporal: deps.temporal,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    config: deps.config,
    logger: deps.logger,
    documents: deps.documents ?? documentStoreFor(deps.config.RECOUP_DATA_DIR),
    payments: deps.payments ?? paymentProviderFor(deps.config),
    outbound: deps.outbound ?? createOutboundGuard({ allowPrivateUrls: deps.config.RECOUP_ALLOW_PRIVATE_URLS }),
    secrets: deps.secrets ?? secretBoxFor(deps.config),
    signInThrottle: deps.signInThrottle ?? new SignInThrottle(deps.db, deps.logger),
    clock: () => new Date(),
  };
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(pinoHttp({ logger: deps.logger, ...httpLogOptions, autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') } }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(observabilityRoutes(deps));
  // Before any body parser: payment webhooks are verified over their raw bytes.
  app.use(paymentRoutes(apiDeps));
  app.use(portalRoutes(apiDeps));
  // RFC 8058 one-click unsubscribe: posted by mail clients, no session, no form token (the signed link is the authority).
  app.use(unsubscribeRoutes(apiDeps));
  // Twilio posts forms, signed: only these routes parse them.
  app.use('/webhooks/twilio', express.urlencoded({ extended: false, limit: '64kb' }), twilioWebhookRoutes(apiDeps));

  // The Temporal Web UI's codec server; also under /console, where the console session cookie goes.
  app.use(['/codec', '/console/codec'], codecRoutes(apiDeps));
  app.use('/console', consoleRoutes(apiDeps));
  app.use('/dashboard', dashboardRoutes(apiDeps));
  app.use(openApiRoutes(partnerApiRoutes));
  if (deps.adminChannel) app.use(adminChannelRoutes(deps.adminChannel));

  const api = express.Router();
  api.use(express.json({ limit: '1mb' }));
  api.use(authenticate(deps.db, deps.config.RECOUP_BOOTSTRAP_OPS_KEY));
  api.use(rateLimit(deps.db, deps.config.RECOUP_RATE_LIMIT_PER_MINUTE));
  api.use(idempotency(deps.db, { secrets: apiDeps.secrets }));
  mountRoutes(api, partnerApiDefinitions, apiDeps);
  app.use('/api/v2', api);
  // Debt collectors' signed status callbacks: outside /api/v2, authenticated by their signature.
  app.use(collectorCallbackRoutes(apiDeps));

  app.use(notFoundRoute);
  app.use(errorMiddleware(deps.logger));
  return app;
}
