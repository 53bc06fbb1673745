import pino, { type Logger } from 'pino';
import { currentRequestId } from '../observability/request-context';

/** `destination`: where lines go (default stdout); tests pass a stream to read them. */
export function createLogger(level: string, name = 'recoup', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: { service: name },
    // The API request (or the activity it led to) this line belongs to, when there is one.
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { request_id: requestId } : {};
    },
    // API keys and webhook secrets never reach the logs.
    redact: ['req.headers.authorization', 'req.headers.cookie', 'secret'],
  };
  return destination ? pino(options, destination) : pino(options);
}
