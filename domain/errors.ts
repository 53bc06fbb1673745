/**
 * The errors a use case can refuse with, whoever calls it (the API, a batch file, the console, an
 * activity). They name what went wrong (`kind`, a stable `code`, the fields at fault); only
 * `api/errors.ts` turns a kind into an HTTP status.
 */

export interface ErrorDetail {
  /** The field at fault, as a dotted path (`debtor.phone`); `body` or `query` for the whole. */
  path: string;
  message: string;
}

/**
 * - `invalid`: the input breaks a rule of its own (a field's format, a missing value).
 * - `forbidden`: the caller may not do this.
 * - `not_found`: no such thing, or none the caller may see (never says which).
 * - `conflict`: the thing's state does not allow it now (already transmitted, closed).
 * - `unprocessable`: well-formed, but the rules of the domain refuse it (over the amount due).
 * - `unavailable`: a part we depend on cannot answer now; the caller may try again.
 */
export type ErrorKind = 'invalid' | 'forbidden' | 'not_found' | 'conflict' | 'unprocessable' | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError('not_found', 'not_found', `${what} not found`);
export const conflict = (code: string, message: string, details: ErrorDetail[] = []) => new DomainError('conflict', code, message, details);
export const unprocessable = (code: string, message: string, details: ErrorDetail[] = []) => new DomainError('unprocessable', code, message, details);
export const forbidden = (message = 'your role may not do this', code = 'forbidden') => new DomainError('forbidden', code, message);
/** One field (or several) at fault: the same body as a request that fails its schema. */
export const invalidField = (path: string, message: string, code = 'validation_failed') =>
  new DomainError('invalid', code, `The request body is invalid: ${path}: ${message}`, [{ path, message }]);
export const invalidFields = (details: ErrorDetail[], where = 'body', code = 'validation_failed') =>
  new DomainError('invalid', code, `The request ${where} is invalid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
/** A partner-configured URL that would reach a loopback, private, link-local or otherwise non-public address. */
export const urlNotAllowed = (path: string, message: string) => new DomainError('invalid', 'url_not_allowed', `${path} ${message}`, [{ path, message }]);
export const unavailable = (code: string, message: string) => new DomainError('unavailable', code, message);
