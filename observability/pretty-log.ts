import type { DestinationStream } from 'pino';

/**
 * Log lines for a person at a terminal (LOG_FORMAT=pretty): pino still builds each entry (with its
 * redaction and serializers), this destination turns the JSON line into one readable line: time,
 * level, message and the entry's own fields; a dev-outbox message becomes a small block. Written
 * here rather than with pino-pretty: a few dozen lines, no dependency, and the block is ours.
 */

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLORS: Record<number, string> = { 10: '90', 20: '90', 30: '32', 40: '33', 50: '31', 60: '35' };

/**
 * Fields a reader at a terminal does not need on every line: pino's own (shown as time and level or
 * the same on every line), what the message line already says, and the Temporal SDK's ids beyond
 * the workflow id and the activity or workflow type.
 */
const HIDDEN_FIELDS = new Set([
  'level', 'time', 'msg', 'pid', 'hostname', 'name', 'service', 'v',
  'req', 'res', 'responseTime', 'err', 'component', 'dev_outbox', 'portal_link',
  'namespace', 'taskQueue', 'runId', 'workflowRunId', 'taskToken', 'activityId', 'isLocal', 'sdkComponent',
]);
/** Shown in a dev-outbox entry's block instead of on its line. */
const DEV_OUTBOX_FIELDS = new Set(['to', 'subject']);
/** Longer values are cut: a line stays a line. */
const MAX_VALUE_LENGTH = 80;

export interface PrettyLogOptions {
  /** ANSI colours for the level (a terminal); off in tests and files. */
  colors?: boolean;
}

type LogRecord = Record<string, unknown>;

/** One pino entry as readable text: a line, followed by a block for a dev-outbox message and by the stack of an error. */
export function formatLogRecord(record: LogRecord, options: PrettyLogOptions = {}): string {
  const level = typeof record.level === 'number' ? record.level : 30;
  const levelName = (LEVELS[level] ?? String(record.level)).padEnd(5);
  const shownLevel = options.colors ? `\x1b[${LEVEL_COLORS[level] ?? '0'}m${levelName}\x1b[0m` : levelName;
  const component = typeof record.component === 'string' ? `[${record.component}] ` : '';
  const err = record.err as { type?: string; message?: string; stack?: string } | undefined;
  const message = [messageOf(record), err ? `: ${err.type ?? 'Error'}: ${err.message ?? ''}` : ''].join('');
  const fields = Object.entries(record)
    .filter(([key, value]) => !HIDDEN_FIELDS.has(key) && value !== undefined && !(key === 'attempt' && value === 1))
    .filter(([key]) => !(record.dev_outbox && DEV_OUTBOX_FIELDS.has(key)))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const lines = [[timeOfDay(record.time), shownLevel, `${component}${message}`, ...fields].join(' ')];
  if (typeof record.dev_outbox === 'string') lines.push(...devOutboxBlock(record));
  if (err?.stack && level >= 50) lines.push(...err.stack.split('\n').slice(1).map((l) => `    ${l.trim()}`));
  return lines.join('\n');
}

/** A request line says what happened to which path; other entries say their message. */
function messageOf(record: LogRecord): string {
  const req = record.req as { method?: string; url?: string } | undefined;
  const res = record.res as { statusCode?: number } | undefined;
  if (req?.method && res?.statusCode !== undefined) {
    const took = typeof record.responseTime === 'number' ? ` ${record.responseTime} ms` : '';
    return `${req.method} ${req.url ?? ''} → ${res.statusCode}${took}`;
  }
  return typeof record.msg === 'string' ? record.msg : '';
}

/** What a developer needs to follow a message the dev outbox kept: whom it is for, its subject, and the portal link to open. */
function devOutboxBlock(record: LogRecord): string[] {
  const rows: Array<[string, unknown]> = [
    ['to', record.to],
    ['subject', record.subject],
    ['link', record.portal_link],
  ];
  const shown = rows.filter(([, value]) => typeof value === 'string' && value !== '');
  return [`  ┌ ${String(record.dev_outbox)} (dev outbox)`, ...shown.map(([label, value]) => `  │ ${`${label}:`.padEnd(9)}${String(value)}`), '  └'];
}

function formatValue(value: unknown): string {
  const text = typeof value === 'string' ? (/^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)) : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}

/** HH:MM:SS.mmm in the machine's own time zone: the developer's clock. */
function timeOfDay(time: unknown): string {
  const date = new Date(typeof time === 'number' || typeof time === 'string' ? time : Date.now());
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** A pino destination that writes each entry it is given as readable text to `out` (stdout). */
export function prettyLogStream(out: { write(text: string): unknown }, options: PrettyLogOptions = {}): DestinationStream {
  let pending = '';
  return {
    write(chunk: string) {
      pending += chunk;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        if (line) out.write(`${formatLine(line, options)}\n`);
      }
    },
  };
}

function formatLine(line: string, options: PrettyLogOptions): string {
  try {
    return formatLogRecord(JSON.parse(line) as LogRecord, options);
  } catch {
    // Not one of pino's JSON lines: shown as it came.
    return line;
  }
}
