/**
 * Wall-clock time in a debtor's timezone, with Intl only, so workflows can use it
 * deterministically (no Date.now, no Node builtins).
 */

// One formatter per timezone: building one costs far more than formatting with it (every step,
// guardrail and notice time asks), and it only ever formats.
const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

function wallClockFormat(tz: string): Intl.DateTimeFormat {
  let format = wallClockFormats.get(tz);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    if (wallClockFormats.size < 1_000) wallClockFormats.set(tz, format);
  }
  return format;
}

/** Offset of `tz` from UTC, in minutes, at the instant `utcMs`. */
export function timezoneOffsetMinutes(utcMs: number, tz: string): number {
  const parts = wallClockFormat(tz).formatToParts(new Date(utcMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60000);
}

/** The UTC instant of local `date` (YYYY-MM-DD) at `hour:minute` in `tz`. */
export function localTimeToUtc(date: string, hour: number, minute: number, tz: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const naive = Date.UTC(y, m - 1, d, hour, minute);
  // Two passes settle the offset across a DST change.
  let utc = naive - timezoneOffsetMinutes(naive, tz) * 60000;
  utc = naive - timezoneOffsetMinutes(utc, tz) * 60000;
  return utc;
}

/** The local calendar date (YYYY-MM-DD) and hour at `utcMs` in `tz`. */
export function localDateTime(utcMs: number, tz: string): { date: string; hour: number; minute: number } {
  const shifted = new Date(utcMs + timezoneOffsetMinutes(utcMs, tz) * 60000);
  return {
    date: shifted.toISOString().slice(0, 10),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
  };
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

// Batch files check 100,000 debtors: a timezone is checked once (a valid one builds its formatter).
const timezoneValidity = new Map<string, boolean>();

export function isValidTimezone(tz: string): boolean {
  let valid = timezoneValidity.get(tz);
  if (valid === undefined) {
    try {
      wallClockFormat(tz);
      valid = true;
    } catch {
      valid = false;
    }
    if (timezoneValidity.size < 1_000) timezoneValidity.set(tz, valid);
  }
  return valid;
}
