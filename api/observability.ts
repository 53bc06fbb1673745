import express from 'express';
import type { Client } from '@temporalio/client';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { databaseCheck, readinessHandler, temporalCheck } from '../observability/health';
import { createApiMetrics, metricsHandler, type ApiMetrics } from '../observability/metrics';
import { httpLogSerializers } from '../observability/log-redaction';
import { acceptRequestId, newRequestId, requestContext } from '../observability/request-context';

export interface ObservabilityDeps {
  /** Default: a registry of its own per app. */
  metrics?: ApiMetrics;
  /** `RECOUP_METRICS_TOKEN`: when set, `/metrics` needs it as a bearer token. */
  metricsToken?: string;
  /** True once the process is shutting down: `/readyz` answers 503 so load balancers stop sending. */
  isDraining?: () => boolean;
}

/**
 * pino-http options: the request id is the caller's `X-Request-Id` when it is short and plain,
 * else a new one; it is echoed in the answer's `X-Request-Id` and logged as `req.id`. Request
 * and response are logged without credentials (tokens in URLs, Authorization, cookies):
 * observability/log-redaction.ts.
 */
export const httpLogOptions = {
  genReqId(req: IncomingMessage, res: ServerResponse): string {
    const id = acceptRequestId(req.headers['x-request-id']) ?? newRequestId();
    res.setHeader('X-Request-Id', id);
    return id;
  },
  serializers: httpLogSerializers,
};

/**
 * Request context (every log line and Temporal call of the request carries its id), request
 * metrics, `GET /readyz` (database and Temporal reachable) and `GET /metrics` (Prometheus).
 */
export function observabilityRoutes(deps: { db: Db; temporal: Client; logger: Logger; observability?: ObservabilityDeps }): express.Router {
  const o = deps.observability ?? {};
  const metrics = o.metrics ?? createApiMetrics();
  const router = express.Router();
  router.use((req, _res, next) => requestContext.run({ requestId: String(req.id) }, next));
  router.use(metrics.middleware);
  router.get('/readyz', readinessHandler([databaseCheck(deps.db), temporalCheck(deps.temporal)], deps.logger, o.isDraining));
  router.get('/metrics', metricsHandler(metrics.registry, o.metricsToken));
  return router;
}
