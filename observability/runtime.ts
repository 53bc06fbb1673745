import { makeTelemetryFilterString, Runtime, type RuntimeOptions } from '@temporalio/worker';
import type { Logger as SdkLogger, LogLevel, LogMetadata } from '@temporalio/common';
import type { Logger } from 'pino';

const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * The Temporal SDK's logger as pino: workflow `log` lines (sunk out of the sandbox), activity
 * `log` lines and the worker's own lines, with their attributes (workflow id, activity type,
 * `request_id`, …) as fields.
 */
export function pinoSdkLogger(logger: Logger): SdkLogger {
  const sdk = logger.child({ component: 'temporal' });
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => sdk[levels[level] ?? 'info'](meta ?? {}, message);
  return {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}

/**
 * Installs the SDK runtime once per process, before any connection: logs into pino (the native
 * core's warnings too), and the SDK's metrics on a loopback Prometheus port (`sdkMetricsPort`,
 * 0 → none) that the worker's `/metrics` reads and appends.
 */
export function installRuntime(logger: Logger, options: { sdkMetricsPort: number; shutdownSignals?: NodeJS.Signals[] }): void {
  const runtimeOptions: RuntimeOptions = {
    logger: pinoSdkLogger(logger),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(options.sdkMetricsPort > 0 ? { metrics: { prometheus: { bindAddress: `127.0.0.1:${options.sdkMetricsPort}` } } } : {}),
    },
    ...(options.shutdownSignals ? { shutdownSignals: options.shutdownSignals } : {}),
  };
  Runtime.install(runtimeOptions);
}
