import { applyContactGap, applyContactLimit, applyQuietHours, earliestContactAfter, type GuardrailCheck } from './guardrails';

/**
 * One contact budget per debtor: the rules the debtor's entity workflow (workflows/debtor.workflow.ts)
 * applies over all of a debtor's open invoices, as pure functions.
 */

/** The policy's contact rules that travel with each request for contact (from the invoice's policy version). */
export interface ContactGuardrails {
  maxContactsPer7Days: number;
  /** 0: no minimum gap (runs from before notice pacing). */
  minDaysBetweenContacts: number;
  quietStart: string;
  quietEnd: string;
  sendHour: number;
}

/**
 * How long a debtor's first request waits for others before anything is sent: invoices transmitted
 * in one import, or steps of several invoices that come due at the same send hour, reach the
 * debtor workflow within seconds of each other; a minute lets them meet in one digest while the
 * debtor hardly notices the delay. Only when the debtor has other open invoices (else nothing can join).
 */
export const GATHERING_WINDOW_MS = 60_000;

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/**
 * The rules of a batch of requests: the strictest limit and gap of their policies (invoices of one
 * debtor may run under different policy versions), the quiet hours and send hour of the newest.
 */
export function batchGuardrails(all: readonly ContactGuardrails[]): ContactGuardrails {
  const newest = all[all.length - 1]!;
  return {
    ...newest,
    maxContactsPer7Days: Math.min(...all.map((g) => g.maxContactsPer7Days)),
    minDaysBetweenContacts: Math.max(...all.map((g) => g.minDaysBetweenContacts)),
  };
}

/** What the debtor workflow remembers of past contacts. */
export interface DebtorContacts {
  /** Contact attempts (one per channel that reached the debtor) in the rolling 7 days. */
  recent: number[];
  lastContactAt: number | null;
}

/**
 * The first moment at or after `at` when the debtor may be contacted on `count` channels: the
 * minimum gap after the debtor's last contact, quiet hours in the debtor's (current) timezone and
 * the contact limit over the debtor's contacts of all invoices, moved until all three agree.
 */
export function nextDebtorContactAt(at: number, contacts: DebtorContacts, count: number, timezone: string, g: ContactGuardrails): { at: number; guardrails: GuardrailCheck[] } {
  let current = at;
  let quiet: GuardrailCheck = { check: 'quiet_hours', result: 'passed' };
  let limit: GuardrailCheck = { check: 'contact_limit', result: 'passed' };
  let gap: GuardrailCheck = { check: 'contact_gap', result: 'passed' };
  for (let i = 0; i < 10; i++) {
    const c = applyContactGap(current, contacts.lastContactAt, g.minDaysBetweenContacts, timezone, g.sendHour);
    if (c.check.result === 'waited') gap = c.check;
    const q = applyQuietHours(c.at, timezone, g.quietStart, g.quietEnd);
    if (q.check.result === 'waited') quiet = q.check;
    const l = applyContactLimit(q.at, contacts.recent, count, g.maxContactsPer7Days);
    if (l.check.result === 'waited') limit = l.check;
    if (l.at === current) break;
    current = l.at;
  }
  return { at: current, guardrails: [quiet, limit, gap].map((check) => ({ ...check, detail: check.result === 'waited' ? `debtor: ${check.detail ?? 'across all open invoices'}` : 'debtor' })) };
}

/** The contacts after a send at `at` on `count` channels: older ones leave the rolling window. */
export function afterDebtorContact(contacts: DebtorContacts, at: number, count: number): DebtorContacts {
  if (count === 0) return { ...contacts, recent: contacts.recent.filter((t) => t > at - WEEK_MS) };
  return { recent: [...contacts.recent.filter((t) => t > at - WEEK_MS), ...Array.from({ length: count }, () => at)], lastContactAt: at };
}

/**
 * Until when the debtor workflow must remember its contacts: while one is inside the rolling window
 * or the gap after the last one has not passed. After that a fresh run knows as much.
 */
export function rememberContactsUntil(contacts: DebtorContacts, timezone: string | null, g: ContactGuardrails | null): number {
  const window = Math.max(0, ...contacts.recent.map((t) => t + WEEK_MS));
  if (contacts.lastContactAt === null || !g || !timezone) return window;
  return Math.max(window, earliestContactAfter(contacts.lastContactAt, g.minDaysBetweenContacts, timezone, g.sendHour));
}
