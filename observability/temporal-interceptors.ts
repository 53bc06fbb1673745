import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type { ClientInterceptors, WorkflowClientInterceptor } from '@temporalio/client';
import type { Context as ActivityContext } from '@temporalio/activity';
import type { ActivityInterceptors } from '@temporalio/worker';
import { acceptRequestId, currentRequestId, REQUEST_ID_HEADER, requestContext } from './request-context';

function withRequestId(headers: Headers): Headers {
  const requestId = currentRequestId();
  if (!requestId || headers[REQUEST_ID_HEADER]) return headers;
  return { ...headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(requestId) };
}

/** The request id a Temporal header carries, if it is one we would have written. */
export function requestIdFromHeaders(headers: Headers): string | undefined {
  const payload = headers[REQUEST_ID_HEADER];
  if (!payload) return undefined;
  try {
    return acceptRequestId(defaultPayloadConverter.fromPayload(payload));
  } catch {
    return undefined;
  }
}

/** Client side: every workflow start, update, signal and query made during an API request carries its id. */
export const requestIdClientInterceptor: WorkflowClientInterceptor = {
  startWithDetails: (input, next) => next({ ...input, headers: withRequestId(input.headers) }),
  signalWithStart: (input, next) => next({ ...input, headers: withRequestId(input.headers) }),
  startUpdate: (input, next) => next({ ...input, headers: withRequestId(input.headers) }),
  startUpdateWithStart: (input, next) =>
    next({ ...input, workflowStartHeaders: withRequestId(input.workflowStartHeaders), updateHeaders: withRequestId(input.updateHeaders) }),
  signal: (input, next) => next({ ...input, headers: withRequestId(input.headers) }),
  query: (input, next) => next({ ...input, headers: withRequestId(input.headers) }),
};

export const clientInterceptors: ClientInterceptors = {
  workflow: [requestIdClientInterceptor],
};

/**
 * Worker side: an activity scheduled by a workflow that a request started (or updated) runs in
 * that request's context, so `deps.logger` lines carry `request_id`, and the SDK's own activity
 * log lines (`log` from @temporalio/activity, routed into pino) carry it too.
 */
export function requestIdActivityInterceptor(_ctx: ActivityContext): ActivityInterceptors {
  let requestId: string | undefined;
  return {
    inbound: {
      execute: (input, next) => {
        requestId = requestIdFromHeaders(input.headers);
        return requestId ? requestContext.run({ requestId }, () => next(input)) : next(input);
      },
    },
    outbound: {
      getLogAttributes: (input, next) => next(requestId ? { ...input, request_id: requestId } : input),
    },
  };
}
