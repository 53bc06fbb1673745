import type { Server } from 'node:http';
import type { Logger } from 'pino';

/**
 * Stops an HTTP server gracefully: no new connections, idle keep-alive connections closed,
 * requests in flight answered; after `graceMs` whatever is still open is cut.
 * Resolves once every connection is gone.
 */
export function drainHttpServer(server: Server, graceMs: number, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      logger.warn({ graceMs }, 'requests still open after the shutdown grace period: closing them');
      server.closeAllConnections();
    }, graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    // A kept-alive connection waiting for its next request would hold close() up.
    server.closeIdleConnections();
  });
}
