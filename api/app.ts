import express from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Db } from '../db/client';
import type { Config } from '../config/config';
import { authenticate } from './auth';
import { errorMiddleware, notFoundRoute } from './errors';
import { companyRoutes } from './routes/companies';
import { eventRoutes } from './routes/events';
import { importRoutes } from './routes/imports';
import { invoiceRoutes } from './routes/invoices';
import { partnerRoutes } from './routes/partners';
import { portalRoutes } from './portal/routes';

export interface AppDeps {
  db: Db;
  temporal: Client;
  config: Pick<Config, 'RECOUP_BOOTSTRAP_OPS_KEY' | 'TEMPORAL_TASK_QUEUE' | 'portalSecret'>;
  logger: Logger;
}

/** The HTTP app, without listening: the entry point and the tests listen themselves. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(pinoHttp({ logger: deps.logger, autoLogging: { ignore: (req) => req.url === '/healthz' } }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(portalRoutes(deps.db, deps.config.portalSecret));

  const api = express.Router();
  api.use(express.json({ limit: '1mb' }));
  api.use(authenticate(deps.db, deps.config.RECOUP_BOOTSTRAP_OPS_KEY));
  api.use(partnerRoutes(deps.db));
  api.use(companyRoutes(deps.db));
  api.use(importRoutes(deps.db, deps.temporal, deps.config.TEMPORAL_TASK_QUEUE));
  api.use(invoiceRoutes(deps.db, deps.temporal));
  api.use(eventRoutes(deps.db));
  app.use('/api/v2', api);

  app.use(notFoundRoute);
  app.use(errorMiddleware(deps.logger));
  return app;
}
