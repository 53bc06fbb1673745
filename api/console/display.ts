import { escapeHtml as e, formatMoney } from '../../messaging/templates';

/**
 * How the console writes amounts, dates and times: in English (the console's language), amounts
 * in the currency they are kept in, times in UTC so every reviewer reads the same moment.
 */

export const money = (cents: number, currency: string): string => formatMoney(cents, currency, 'en');

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });
const timeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC', hourCycle: 'h23' });

const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** `2026-12-02` → `2 Dec 2026`; anything that is not a calendar date comes back as it was. */
export function dateText(date: string): string {
  if (!isoDate.test(date)) return date;
  const d = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? date : dateFormat.format(d);
}

/** A moment: `2 Dec 2026, 14:03 UTC`. */
export function timeText(d: Date): string {
  return `${timeFormat.format(d)} UTC`;
}

/** A string that holds a date or a timestamp, made readable; other strings unchanged. */
export function readableDateString(s: string): string {
  if (isoDate.test(s)) return dateText(s);
  if (isoTimestamp.test(s)) {
    const d = new Date(s);
    if (!Number.isNaN(d.getTime())) return timeText(d);
  }
  return s;
}

/** A `<time>` element (the machine-readable moment in its attribute), empty for no moment. */
export const timeHtml = (d: Date | null | undefined): string => (d ? `<time datetime="${e(d.toISOString())}">${e(timeText(d))}</time>` : '');
export const dateHtml = (date: string | null | undefined): string => (date ? `<time datetime="${e(date)}">${e(dateText(date))}</time>` : '');

/** `dunning_level` → `Dunning level`: a snake_case key as a label. */
export function labelOf(key: string): string {
  const words = key.replace(/_cents$/, '').replace(/_/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
