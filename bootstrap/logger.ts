import pino, { type Logger } from 'pino';

export function createLogger(level: string, name = 'recoup'): Logger {
  return pino({ name, level, base: { service: name } });
}
