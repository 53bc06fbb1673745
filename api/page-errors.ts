import type { ErrorRequestHandler } from 'express';
import { redactUrl } from '../observability/log-redaction';
import { httpRefusal } from './errors';
import { sendErrorPage } from './portal/views';

/**
 * The error handler of the pages people reach from a message (the portal, the unsubscribe link):
 * they see a page, never the API's JSON. A body that does not parse is a 400, a refused use case
 * its own 4xx (api/errors.ts `statusOf`), anything else a 503 (logged without the token in the path).
 */
export function pageErrors(what: string): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const refusal = httpRefusal(err);
    if (refusal && refusal.status < 500) return sendErrorPage(res, refusal.status);
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) return sendErrorPage(res, 400);
    req.log.error({ err, path: redactUrl(req.path) }, `${what}: unhandled error`);
    sendErrorPage(res, 503);
  };
}
