import { localDateTime, localTimeToUtc, addDays } from './local-time';

/** A check a step passed, waited for, or was changed by; recorded on the step's event. */
export interface GuardrailCheck {
  check: 'quiet_hours' | 'contact_limit' | 'contact_gap' | 'opt_out' | 'no_contact_details' | 'channel_not_configured' | 'wik_notice' | 'vulnerable' | 'disputed' | 'email_undeliverable';
  result: 'passed' | 'waited' | 'skipped' | 'deferred';
  until?: string;
  channel?: string;
  detail?: string;
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/**
 * No message outside the allowed hours in the debtor's timezone: a moment in the quiet period
 * moves to the next allowed start (08:00 by default), never dropped.
 */
export function applyQuietHours(at: number, tz: string, quietStart: string, quietEnd: string): { at: number; check: GuardrailCheck } {
  const local = localDateTime(at, tz);
  const now = local.hour * 60 + local.minute;
  const start = minutesOf(quietStart); // e.g. 21:00
  const end = minutesOf(quietEnd); // e.g. 08:00
  const quiet = start > end ? now >= start || now < end : now >= start && now < end;
  if (!quiet) return { at, check: { check: 'quiet_hours', result: 'passed' } };
  const day = start > end && now >= start ? addDays(local.date, 1) : local.date;
  const moved = localTimeToUtc(day, Math.floor(end / 60), end % 60, tz);
  return { at: moved, check: { check: 'quiet_hours', result: 'waited', until: new Date(moved).toISOString() } };
}

/**
 * At most `max` contact attempts in any rolling 7 days: when sending `count` messages at `at`
 * would exceed it, the moment moves to when enough earlier attempts have left the window.
 */
export function applyContactLimit(at: number, previous: readonly number[], count: number, max: number): { at: number; check: GuardrailCheck } {
  if (count === 0) return { at, check: { check: 'contact_limit', result: 'passed' } };
  const sorted = [...previous].sort((a, b) => a - b);
  let moved = at;
  for (;;) {
    const inWindow = sorted.filter((t) => t > moved - WEEK_MS && t <= moved);
    if (inWindow.length + count <= max) break;
    // The earliest attempt that must leave the window for the new ones to fit.
    const mustLeave = inWindow[inWindow.length + count - max - 1]!;
    moved = mustLeave + WEEK_MS + 1;
  }
  return moved === at
    ? { at, check: { check: 'contact_limit', result: 'passed' } }
    : { at: moved, check: { check: 'contact_limit', result: 'waited', until: new Date(moved).toISOString() } };
}

/**
 * At least `minDays` days between two contacts of the debtor, counted in their calendar days: the
 * next contact comes no earlier than `minDays` days after the last one's local date, at the policy's
 * send hour.
 */
export function applyContactGap(at: number, lastContactAt: number | null, minDays: number, tz: string, sendHour: number): { at: number; check: GuardrailCheck } {
  if (lastContactAt === null || minDays === 0) return { at, check: { check: 'contact_gap', result: 'passed' } };
  const earliest = earliestContactAfter(lastContactAt, minDays, tz, sendHour);
  return at >= earliest
    ? { at, check: { check: 'contact_gap', result: 'passed' } }
    : { at: earliest, check: { check: 'contact_gap', result: 'waited', until: new Date(earliest).toISOString(), detail: `at least ${minDays} days after the previous contact` } };
}

/** The first moment a contact may follow one made at `lastContactAt`, `minDays` days apart. */
export function earliestContactAfter(lastContactAt: number, minDays: number, tz: string, sendHour: number): number {
  if (minDays === 0) return lastContactAt;
  return localTimeToUtc(addDays(localDateTime(lastContactAt, tz).date, minDays), sendHour, 0, tz);
}

/** Drops contact attempts older than the rolling window, so state stays small. */
export function recentContacts(contacts: readonly number[], now: number): number[] {
  return contacts.filter((t) => t > now - WEEK_MS);
}

/**
 * The Dutch statutory fee may be charged to a consumer only after a notice that states it and
 * leaves 14 days, counted from the day after assumed receipt (the 2nd day after sending).
 */
export function wikFeeChargeableFrom(noticeSentAt: number, tz: string, sendHour: number): number {
  const sentDate = localDateTime(noticeSentAt, tz).date;
  return localTimeToUtc(addDays(sentDate, 2 + 14 + 1), sendHour, 0, tz);
}

/**
 * When a fee announced by a notice sent at `noticeAt` may be charged, and the last day (the
 * debtor's local date) to pay to avoid it: a consumer's statutory fee after its 14-day period,
 * every other fee `feeNoticeDays` after the day the notice went.
 */
export function feeNoticePeriod(
  feeType: 'fixed' | 'percentage' | 'wik',
  consumer: boolean,
  noticeAt: number,
  tz: string,
  sendHour: number,
  feeNoticeDays: number,
): { chargeableAt: number; payBy: string } {
  const sentDate = localDateTime(noticeAt, tz).date;
  const payBy = feeType === 'wik' && consumer ? addDays(sentDate, 2 + 14) : addDays(sentDate, feeNoticeDays);
  return { chargeableAt: localTimeToUtc(addDays(payBy, 1), sendHour, 0, tz), payBy };
}
