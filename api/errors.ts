import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { redactUrl } from '../observability/log-redaction';
import { DomainError, invalidFields, type ErrorDetail, type ErrorKind } from '../domain/errors';
import { isDroppedWithWorkflowTask } from '../temporal/execute-update';

export type { ErrorDetail };

/**
 * An error of the HTTP layer itself (authentication, body size and type, rate limit): the API
 * answers it with the contract's body `{ error: { code, message, details } }`. A use case refuses
 * with a `DomainError` instead; `statusOf` maps its kind.
 */
export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

/** The one place a domain error's kind becomes an HTTP status. */
export const statusOf: Record<ErrorKind, AppError['status']> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  unavailable: 503,
};

/** The refusal an error stands for at the HTTP edge: an AppError as it is, a DomainError by its kind; null for anything else. */
export function httpRefusal(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof DomainError) return new AppError(statusOf[err.kind], err.code, err.message, err.details);
  return null;
}

/** Validates with a zod schema; a failure is a 400 naming each field's path. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query' = 'body'): z.infer<S> {
  const result = schema.safeParse(input ?? (where === 'body' ? undefined : {}));
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => ({
    path: i.path.length ? i.path.map(String).join('.') : where,
    message: i.message,
  }));
  throw invalidFields(details, where);
}

/** Node's socket errors when the database cannot be reached at all. */
const unreachableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
/** PostgreSQL SQLSTATEs of a server shutting down or not accepting connections (57P01–57P03), and class 08 (connection exception). */
const unavailableStates = /^(57P0[1-3]|08...)$/;

/**
 * True when the error (or one it wraps: Drizzle wraps the driver's) says the database is down or
 * restarting rather than that the query was wrong: the client may try again, so the API answers 503.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (unreachableCodes.has(code) || unavailableStates.test(code))) return true;
    const message = (e as { message?: unknown }).message;
    // node-postgres: a pooled connection the server closed, or no connection within the pool's timeout.
    if (typeof message === 'string' && /^Connection terminated|timeout exceeded when trying to connect/.test(message)) return true;
    if (e instanceof AggregateError && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
  }
  return false;
}

/**
 * True when PostgreSQL refused a text value it cannot store (a NUL character, SQLSTATE 22021, or an
 * untranslatable one, 22P05): it came from the request (a path id, a field), so it is a 400.
 */
export function isUnstorableText(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === '22021' || code === '22P05') return true;
  }
  return false;
}

/**
 * True when Temporal could not answer in time: the server is unreachable or restarting (gRPC
 * UNAVAILABLE, DEADLINE_EXCEEDED), an update's call ran out of time before a worker took it, or the
 * workflow's task is being retried after a worker died, or kept dropping the update.
 * An update carries its id, so the client's retry cannot apply it twice.
 */
export function isTemporalUnavailable(err: unknown): boolean {
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  // Dropped with a failed workflow task even after `executeUpdate` sent it again: try later.
  if (isDroppedWithWorkflowTask(err)) return true;
  const grpcCode = (e: unknown) => (e && typeof e === 'object' ? (e as { code?: unknown }).code : undefined);
  if (!(err instanceof ServiceError)) return false;
  const code = grpcCode(err.cause);
  // FAILED_PRECONDITION "Workflow Task in failed state": the workflow's last task failed or timed out
  // (a worker died with it); updates are refused until a worker completes the next one.
  return code === 14 || code === 4 || (code === 9 && /Workflow Task in failed state/i.test(err.message));
}

export const notFoundRoute: RequestHandler = (req) => {
  throw new AppError(404, 'route_not_found', `No route ${req.method} ${req.path}`);
};

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let e: unknown = httpRefusal(err) ?? err;
    const status = (err as { status?: number; type?: string }).status;
    const type = (err as { type?: string }).type;
    if (type === 'entity.parse.failed') e = new AppError(400, 'malformed_json', 'The request body is not valid JSON');
    else if (type === 'entity.too.large') e = new AppError(413, 'payload_too_large', 'The request body is too large');
    else if (type === 'charset.unsupported' || type === 'encoding.unsupported') e = new AppError(415, 'unsupported_encoding', 'Unsupported body encoding');
    else if (!(e instanceof AppError) && typeof status === 'number' && status >= 400 && status < 500) {
      e = new AppError(400, 'bad_request', (err as Error).message);
    } else if (!(e instanceof AppError) && isUnstorableText(err)) {
      e = new AppError(400, 'invalid_text', 'The request contains characters that cannot be stored (e.g. a NUL character)');
    } else if (!(e instanceof AppError) && (isDatabaseUnavailable(err) || isTemporalUnavailable(err))) {
      logger.warn({ err, path: redactUrl(req.path) }, 'database or Temporal unavailable');
      res.set('Retry-After', '5');
      e = new AppError(503, 'service_unavailable', 'The service is temporarily unavailable; try again shortly');
    }
    if (e instanceof AppError) {
      res.status(e.status).json({ error: { code: e.code, message: e.message, details: e.details } });
      return;
    }
    logger.error({ err, path: redactUrl(req.path) }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal_error', message: 'Something went wrong on our side', details: [] } });
  };
}
