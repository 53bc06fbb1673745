import pino, { type Logger } from 'pino';
import type { Config } from '../config/config';
import { prettyLogStream } from '../observability/pretty-log';
import { currentRequestId } from '../observability/request-context';

export type LogFormat = Config['logFormat'];

/** Fields no log line may print: credentials passed as a field by mistake. */
const CREDENTIAL_FIELDS = [
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
];
/**
 * The debtor's portal link: the dev outbox names it only for a developer's terminal
 * (`devOutboxShowsPortalLinks`); a JSON line, which is kept and shipped, censors it if it ever gets there.
 */
const PORTAL_LINK_FIELDS = ['portal_link', '*.portal_link'];

/**
 * `destination`: where lines go (default stdout); tests pass a stream to read them. `format`:
 * `json` (pino's lines) or `pretty` (readable lines, observability/pretty-log.ts).
 */
export function createLogger(level: string, name = 'recoup', destination?: pino.DestinationStream, format: LogFormat = 'json'): Logger {
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
      paths: format === 'json' ? [...CREDENTIAL_FIELDS, ...PORTAL_LINK_FIELDS] : CREDENTIAL_FIELDS,
      censor: '[redacted]',
    },
  };
  if (format === 'pretty') return pino(options, prettyLogStream(destination ?? process.stdout, { colors: !destination && Boolean(process.stdout.isTTY) }));
  return destination ? pino(options, destination) : pino(options);
}

/** The process's logger, as configured (LOG_LEVEL, LOG_FORMAT). */
export function createProcessLogger(config: Pick<Config, 'LOG_LEVEL' | 'logFormat'>, name?: string): Logger {
  return createLogger(config.LOG_LEVEL, name, undefined, config.logFormat);
}

/**
 * Whether the dev outbox prints each message's portal link: only to a developer reading pretty
 * logs, so that the portal can be opened from the terminal; never in JSON logs, never in production.
 */
export function devOutboxShowsPortalLinks(config: Pick<Config, 'logFormat' | 'production'>): boolean {
  return config.logFormat === 'pretty' && !config.production;
}
