import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { checkReadiness, type ReadinessCheck } from '../observability/health';

export interface WorkerObservabilityOptions {
  port: number;
  host?: string;
  /** Recoup's counters and the process metrics. */
  registry: Registry;
  /** The SDK's Prometheus endpoint (loopback, see observability/runtime.ts), appended to `/metrics`. */
  sdkMetricsUrl?: string;
  /** `/readyz`: e.g. the worker is RUNNING and the database answers. */
  checks: ReadinessCheck[];
  logger: Logger;
}

export interface ObservabilityServer {
  port: number;
  close(): Promise<void>;
}

/** The worker's small HTTP server: `/metrics` (Prometheus), `/healthz` (alive), `/readyz` (can work). */
export async function startWorkerObservabilityServer(options: WorkerObservabilityOptions): Promise<ObservabilityServer> {
  const server = http.createServer((req, res) => {
    void answer(req.url ?? '/').then(
      ({ status, type, body }) => res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body),
      (err: unknown) => {
        options.logger.error({ err }, 'worker observability request failed');
        res.writeHead(500).end();
      },
    );
  });

  async function answer(url: string): Promise<{ status: number; type: string; body: string }> {
    const path = url.split('?')[0];
    if (path === '/healthz') return json(200, { status: 'ok' });
    if (path === '/readyz') {
      const report = await checkReadiness(options.checks, options.logger);
      return json(report.status === 'ok' ? 200 : 503, report);
    }
    if (path === '/metrics') {
      const ours = await options.registry.metrics();
      const sdk = options.sdkMetricsUrl ? await sdkMetrics(options.sdkMetricsUrl) : '';
      return { status: 200, type: options.registry.contentType, body: `${ours}\n${sdk}` };
    }
    return json(404, { error: { code: 'route_not_found', message: `No route ${path}`, details: [] } });
  }

  async function sdkMetrics(url: string): Promise<string> {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return res.ok ? await res.text() : `# Temporal SDK metrics unavailable: HTTP ${res.status}\n`;
    } catch (err) {
      return `# Temporal SDK metrics unavailable: ${(err as Error).message}\n`;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function json(status: number, body: unknown) {
  return { status, type: 'application/json', body: JSON.stringify(body) };
}
