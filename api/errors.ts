import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { InvoiceFailure } from '../workflows/invoice.messages';

export interface ErrorDetail {
  path: string;
  message: string;
}

/** An error the API answers with the contract's body `{ error: { code, message, details } }`. */
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

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);
export const conflict = (code: string, message: string) => new AppError(409, code, message);
export const unprocessable = (code: string, message: string) => new AppError(422, code, message);
export const forbidden = (message = 'your role may not do this') => new AppError(403, 'forbidden', message);

/** Validates with a zod schema; a failure is a 400 naming each field's path. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query' = 'body'): z.infer<S> {
  const result = schema.safeParse(input ?? (where === 'body' ? undefined : {}));
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => ({
    path: i.path.length ? i.path.map(String).join('.') : where,
    message: i.message,
  }));
  throw new AppError(400, 'validation_failed', `The request ${where} is invalid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
}

const failureStatus: Record<string, { status: 409 | 422; }> = {
  [InvoiceFailure.closed]: { status: 409 },
  [InvoiceFailure.alreadyOnHold]: { status: 409 },
  [InvoiceFailure.notOnHold]: { status: 409 },
  [InvoiceFailure.duplicatePayment]: { status: 409 },
  [InvoiceFailure.creditExceedsDue]: { status: 422 },
  [InvoiceFailure.arrangementInPlace]: { status: 409 },
  [InvoiceFailure.notAllowedByPolicy]: { status: 422 },
};

/** Turns a rejected workflow update into the contract's error. */
export function fromWorkflowError(err: unknown): unknown {
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type && failureStatus[cause.type]) {
    return new AppError(failureStatus[cause.type]!.status, cause.type, cause.message);
  }
  if (err instanceof WorkflowNotFoundError) return new AppError(409, InvoiceFailure.closed, 'invoice collection has ended');
  return err;
}

export const notFoundRoute: RequestHandler = (req) => {
  throw new AppError(404, 'route_not_found', `No route ${req.method} ${req.path}`);
};

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let e: unknown = err;
    const status = (err as { status?: number; type?: string }).status;
    const type = (err as { type?: string }).type;
    if (type === 'entity.parse.failed') e = new AppError(400, 'malformed_json', 'The request body is not valid JSON');
    else if (type === 'entity.too.large') e = new AppError(413, 'payload_too_large', 'The request body is too large');
    else if (type === 'charset.unsupported' || type === 'encoding.unsupported') e = new AppError(415, 'unsupported_encoding', 'Unsupported body encoding');
    else if (!(err instanceof AppError) && typeof status === 'number' && status >= 400 && status < 500) {
      e = new AppError(400, 'bad_request', (err as Error).message);
    }
    if (e instanceof AppError) {
      res.status(e.status).json({ error: { code: e.code, message: e.message, details: e.details } });
      return;
    }
    logger.error({ err, path: req.path }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal_error', message: 'Something went wrong on our side', details: [] } });
  };
}
