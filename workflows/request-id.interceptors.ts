/**
 * Workflow interceptors (bundled as `workflowInterceptorModules`, see worker/create-worker.ts): the API
 * request id that started a workflow, or that sent the last update or signal carrying one, travels
 * on to the activities, child workflows and the next run it schedules, and into `log` lines.
 * Headers are not part of the determinism check: adding or dropping one never breaks a replay.
 */
import type { WorkflowInterceptors } from '@temporalio/workflow';
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
  // The request id of the last message (start, signal, update) that carried one: what the
  // workflow does next was asked for by that request. Deliberately not an AsyncLocalStorage: every
  // enabled one adds a property to every promise of the worker's workflow thread, one per cached
  // workflow, so with hundreds cached each promise grew by kilobytes and creating it slowed
  // (docs/operations.md, "Worker sizing").
  let latest: string | undefined;
  const received = (headers: Headers): void => {
    latest = readRequestId(headers) ?? latest;
  };
  const carry = (headers: Headers): Headers =>
    latest && !headers[REQUEST_ID_HEADER] ? { ...headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(latest) } : headers;
  return {
    inbound: [
      {
        execute: (input, next) => {
          received(input.headers);
          return next(input);
        },
        handleUpdate: (input, next) => {
          received(input.headers);
          return next(input);
        },
        handleSignal: (input, next) => {
          received(input.headers);
          return next(input);
        },
      },
    ],
    outbound: [
      {
        scheduleActivity: (input, next) => next({ ...input, headers: carry(input.headers) }),
        scheduleLocalActivity: (input, next) => next({ ...input, headers: carry(input.headers) }),
        startChildWorkflowExecution: (input, next) => next({ ...input, headers: carry(input.headers) }),
        continueAsNew: (input, next) => next({ ...input, headers: carry(input.headers) }),
        getLogAttributes: (input, next) => next(latest ? { ...input, request_id: latest } : input),
      },
    ],
  };
};
