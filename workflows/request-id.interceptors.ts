/**
 * Workflow interceptors (bundled as `workflowInterceptorModules`, see worker/create-worker.ts): the API
 * request id that started a workflow, or that sent the update or signal being handled, travels on
 * to the activities, child workflows and the next run it schedules, and into `log` lines.
 * Headers are not part of the determinism check: adding or dropping one never breaks a replay.
 */
import { AsyncLocalStorage, type WorkflowInterceptors } from '@temporalio/workflow';
import { defaultPayloadConverter, type Headers } from '@temporalio/common';

const REQUEST_ID_HEADER = 'recoup-request-id';

function readRequestId(headers: Headers): string | undefined {
  const payload = headers[REQUEST_ID_HEADER];
  if (!payload) return undefined;
  try {
    const value = defaultPayloadConverter.fromPayload(payload);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export const interceptors = (): WorkflowInterceptors => {
  // One factory call per workflow execution: this state belongs to this execution only.
  let started: string | undefined;
  const handling = new AsyncLocalStorage<string>();
  const current = (): string | undefined => handling.getStore() ?? started;
  const carry = (headers: Headers): Headers => {
    const requestId = current();
    return requestId && !headers[REQUEST_ID_HEADER] ? { ...headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(requestId) } : headers;
  };
  return {
    inbound: [
      {
        execute: (input, next) => {
          started = readRequestId(input.headers);
          return next(input);
        },
        handleUpdate: (input, next) => {
          const requestId = readRequestId(input.headers);
          return requestId ? handling.run(requestId, () => next(input)) : next(input);
        },
        handleSignal: (input, next) => {
          const requestId = readRequestId(input.headers);
          return requestId ? handling.run(requestId, () => next(input)) : next(input);
        },
      },
    ],
    outbound: [
      {
        scheduleActivity: (input, next) => next({ ...input, headers: carry(input.headers) }),
        scheduleLocalActivity: (input, next) => next({ ...input, headers: carry(input.headers) }),
        startChildWorkflowExecution: (input, next) => next({ ...input, headers: carry(input.headers) }),
        continueAsNew: (input, next) => next({ ...input, headers: carry(input.headers) }),
        getLogAttributes: (input, next) => {
          const requestId = current();
          return next(requestId ? { ...input, request_id: requestId } : input);
        },
      },
    ],
  };
};
