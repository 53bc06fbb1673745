import pino, { type Logger } from 'pino';

export function createLogger(level: string, name = 'recoup'): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    // API keys and webhook secrets never reach the logs.
    redact: ['req.headers.authorization', 'req.headers.cookie', 'secret'],
  });
}
