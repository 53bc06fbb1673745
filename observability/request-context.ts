import { AsyncLocalStorage } from 'node:async_hooks';
import { newId } from '../services/ids';

/** The Temporal header that carries the API request's id into workflows and activities. */
export const REQUEST_ID_HEADER = 'recoup-request-id';

export interface RequestContext {
  requestId: string;
}

/**
 * The request id of the work in progress: set per API request (api/app.ts) and per activity
 * (the worker's activity interceptor); the logger, the Temporal client interceptor and the
 * activity interceptor read it.
 */
export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

// A caller's id goes into logs and Temporal headers: short and plain, or we make our own.
const acceptedRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** A valid incoming id (e.g. `X-Request-Id` set by a proxy or the partner), else undefined. */
export function acceptRequestId(value: unknown): string | undefined {
  return typeof value === 'string' && acceptedRequestId.test(value) ? value : undefined;
}

export function newRequestId(): string {
  return newId('req');
}
