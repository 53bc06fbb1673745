import { z } from 'zod';
import { isoDate } from '../../domain/schemas';
import { MAX_AMOUNT_CENTS } from '../../domain/amounts';
import type { Locale } from '../../messaging/templates';

/** The portal's form fields as typed by people: amounts in euros with a comma or a point, dates from a date picker. */

// What the database holds (amounts are int4 columns).
const MAX_CENTS = MAX_AMOUNT_CENTS;

/**
 * Cents from "25", "25,5", "25.50", "1.234,56", "1,234.56" or "€ 1 234,56": the last separator
 * followed by one or two digits is the decimal mark; groups of three digits are thousands.
 */
export function parseAmountInput(input: unknown): number | null {
  if (typeof input !== 'string') return null;
  const s = input.replace(/[\s\u00a0\u202f'’€$£]/g, '');
  if (!/^\d[\d.,]*$/.test(s) || s.length > 20) return null;
  const decimal = /^(.*)[.,](\d{1,2})$/.exec(s);
  const whole = decimal ? decimal[1]! : s;
  const fraction = decimal ? decimal[2]!.padEnd(2, '0') : '00';
  if (!/^\d+$/.test(whole) && !/^\d{1,3}([.,]\d{3})+$/.test(whole)) return null;
  // Thousands marks must all be the same and differ from the decimal mark.
  const marks = new Set(whole.replace(/\d/g, ''));
  if (marks.size > 1 || (decimal && marks.has(s[s.length - decimal[2]!.length - 1]!))) return null;
  const cents = Number(whole.replace(/[.,]/g, '')) * 100 + Number(fraction);
  return Number.isSafeInteger(cents) && cents <= MAX_CENTS ? cents : null;
}

/** An amount as the debtor would type it in their language: "25.50" or "25,50". */
export function amountInputValue(cents: number, locale: Locale): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: false }).format(cents / 100);
}

export function parseDateInput(input: unknown): string | null {
  const parsed = isoDate.safeParse(typeof input === 'string' ? input.trim() : input);
  return parsed.success ? parsed.data : null;
}

export function parseCountInput(input: unknown): number | null {
  const parsed = z.coerce.number().int().min(1).max(999).safeParse(typeof input === 'string' ? input.trim() : input);
  return parsed.success && typeof input === 'string' && /^\d+$/.test(input.trim()) ? parsed.data : null;
}

/** A form field as a trimmed string ('' when absent or not a string). */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim().slice(0, 500) : '';
}

/** A repeated form field (ticked checkboxes) as trimmed strings, at most `max` of them. */
export function fieldList(body: unknown, name: string, max = 50): string[] {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  const all = Array.isArray(value) ? value : [value];
  return [...new Set(all.filter((v): v is string => typeof v === 'string').map((v) => v.trim().slice(0, 100)).filter(Boolean))].slice(0, max);
}
