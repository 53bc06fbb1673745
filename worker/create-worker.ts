import path from 'node:path';
import { bundleWorkflowCode, NativeConnection, Worker, type BundleOptions, type WorkflowBundleOption, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { DataConverter, Duration } from '@temporalio/common';
import { createActivities, type ActivityDeps } from '../activities';
import { requestIdActivityInterceptor } from '../observability/temporal-interceptors';
import { dataConverterFor, type PayloadEncryptionConfig } from '../temporal/data-converter';
import type { Config } from '../config/config';

export const workflowsPath = path.join(__dirname, '..', 'workflows', 'index.ts');
/** Bundled with the workflows (`workflowInterceptorModules`): carries the request id to activities and logs. */
export const workflowInterceptorModules = [path.join(__dirname, '..', 'workflows', 'request-id.interceptors.ts')];

/**
 * Bundles the workflow code once; pass the result to every worker of the process. With payload
 * encryption on, the bundle carries the same failure converter as the process's data converter,
 * so failures raised in workflow code (update rejections, workflow failures) are encrypted too.
 */
export function bundleWorkflows(config: PayloadEncryptionConfig = {}): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode(workflowBundleOptions(dataConverterFor(config)));
}

/** What `bundleWorkflowCode` needs for workers using `dataConverter` (tests bundle with it too). */
export function workflowBundleOptions(dataConverter?: DataConverter): BundleOptions {
  const failureConverterPath = dataConverter?.failureConverterPath;
  return { workflowsPath, workflowInterceptorModules, logger: quietBundlerLogger, ...(failureConverterPath ? { failureConverterPath } : {}) };
}

/** Worker tuning from the configuration (`RECOUP_WORKER_*`); unset fields keep the SDK's defaults. */
export interface WorkerTuning {
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxCachedWorkflows?: number;
  /** How long a shutdown waits for running activities before cancelling them, e.g. `30s`. */
  shutdownGraceTime?: Duration;
}

/** The tuning a `Config` asks for (see config/config.ts). */
export function workerTuningFrom(config: {
  RECOUP_WORKER_MAX_CONCURRENT_ACTIVITIES?: number;
  RECOUP_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS?: number;
  RECOUP_WORKER_MAX_CACHED_WORKFLOWS?: number;
  RECOUP_WORKER_SHUTDOWN_GRACE?: string;
}): WorkerTuning {
  return {
    maxConcurrentActivityTaskExecutions: config.RECOUP_WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: config.RECOUP_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxCachedWorkflows: config.RECOUP_WORKER_MAX_CACHED_WORKFLOWS,
    shutdownGraceTime: config.RECOUP_WORKER_SHUTDOWN_GRACE as Duration | undefined,
  };
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A bundle from `bundleWorkflows()`, or its code written to a file (`{ codePath }`). */
  workflowBundle: WorkflowBundleOption;
  maxCachedWorkflows?: number;
  tuning?: WorkerTuning;
  /** From `dataConverterFor(config)`, the same as the process's client: payload encryption. */
  dataConverter?: DataConverter;
}

export function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle,
    activities: createActivities(options.deps),
    interceptors: { activity: [requestIdActivityInterceptor] },
    ...definedOnly({ ...options.tuning }),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
  });
}

/**
 * A worker as the configuration asks for it (namespace, task queue, tuning, payload encryption),
 * running Recoup's workflows and activities: what every process that runs a worker starts.
 */
export async function createConfiguredWorker(config: Config, connection: NativeConnection, deps: ActivityDeps): Promise<Worker> {
  return createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle: await bundleWorkflows(config),
    dataConverter: dataConverterFor(config),
    tuning: workerTuningFrom(config),
    deps,
  });
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, meta?: unknown) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: unknown) => console.error(message, meta ?? ''),
  log: () => undefined,
};
