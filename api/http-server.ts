import type { Server } from 'node:http';
import type { Express } from 'express';

/**
 * How long an idle kept-alive connection stays open. Longer than the idle timeout of the load
 * balancers and HTTP clients in front of us (60 s at most clouds' balancers, 4 s in Node's own
 * fetch): the client always gives up on an idle connection first. With Node's default of 5 s a
 * client could send its next request on a connection the server was closing at that moment, and
 * see the request fail with a reset instead of an answer (more likely the busier the process).
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Starts the API's HTTP server on `port` (0: any free one); rejects when the port is taken. */
export function listenHttp(app: Express, port: number, host?: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    // Express 5 hands a listen error to this callback.
    const onListening = (err?: Error) => (err ? reject(err) : resolve(server));
    const server: Server = host === undefined ? app.listen(port, onListening) : app.listen(port, host, onListening);
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    // A request's headers may take as long as the connection may idle, plus a margin.
    server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  });
}
