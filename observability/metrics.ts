import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * Recoup's own facts, counted by the worker's activities at the moment they become durable
 * (the transaction that records them has committed).
 */
export interface RecoupMetrics {
  /** A message handed to the provider (or the dev outbox) and recorded as sent. */
  messageSent(channel: string): void;
  /** A payment entered the ledger (`source`: api, portal, collector, … or `reversal`). */
  paymentRecorded(source: string): void;
  /** A debt collection case changed (`created`, `closed`). */
  debtCase(event: 'created' | 'closed'): void;
}

export interface WorkerMetrics {
  registry: Registry;
  recoup: RecoupMetrics;
}

/** The worker's registry: process metrics and Recoup's counters. */
export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const messages = new Counter({ name: 'recoup_messages_sent_total', help: 'Messages sent to debtors, by channel', labelNames: ['channel'], registers: [registry] });
  const payments = new Counter({ name: 'recoup_payments_total', help: 'Payments recorded on invoices, by source', labelNames: ['source'], registers: [registry] });
  const debtCases = new Counter({ name: 'recoup_debt_cases_total', help: 'Debt collection case changes, by event', labelNames: ['event'], registers: [registry] });
  return {
    registry,
    recoup: {
      messageSent: (channel) => messages.inc({ channel }),
      paymentRecorded: (source) => payments.inc({ source }),
      debtCase: (event) => debtCases.inc({ event }),
    },
  };
}

export interface ApiMetrics {
  registry: Registry;
  /** Counts and times every request by method, route pattern and status. */
  middleware: RequestHandler;
}

const UNMATCHED = '<unmatched>';

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered, by method, route pattern and status', labelNames, registers: [registry] });
  const errors = new Counter({
    name: 'http_request_errors_total',
    help: 'HTTP requests answered with 4xx or 5xx, by method, route pattern and status class',
    labelNames: ['method', 'route', 'status_class'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method, route pattern and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const middleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    const route = captureRoutePattern(req);
    res.once('finish', () => {
      const labels = { method: req.method, route: route() ?? UNMATCHED, status: String(res.statusCode) };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      if (res.statusCode >= 400) errors.inc({ method: labels.method, route: labels.route, status_class: `${Math.floor(res.statusCode / 100)}xx` });
    });
    next();
  };
  return { registry, middleware };
}

/**
 * The full pattern of the route that handled a request ("/api/v2/invoices/:id"), never the raw
 * path: ids would make a time series each. Express sets `req.route` when a route matches, while
 * `req.baseUrl` is still the mount path of its router; both are read at that moment.
 */
function captureRoutePattern(req: Request): () => string | undefined {
  let pattern: string | undefined;
  let route: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: { path?: unknown } | undefined) => {
      route = value;
      if (value && value.path !== undefined) pattern = `${req.baseUrl}${String(value.path)}`;
    },
  });
  return () => pattern;
}

/** `GET /metrics` in the Prometheus text format; with a token, only for `Authorization: Bearer <token>`. */
export function metricsHandler(registry: Registry, token?: string): RequestHandler {
  return async (req, res) => {
    if (token && !bearerMatches(req.headers.authorization, token)) {
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: { code: 'unauthorized', message: 'metrics need the metrics token', details: [] } });
      return;
    }
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  };
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
