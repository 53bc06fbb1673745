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
    // Second line of defence behind the HTTP serializers (observability/log-redaction.ts): a
    // credential passed as a field by mistake is censored, never printed.
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        'secret',
        '*.secret',
        'password',
        '*.password',
        'token',
        '*.token',
        'bearer_token',
        '*.bearer_token',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
