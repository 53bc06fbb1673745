import { escapeHtml as e, formatMoney, type Locale } from '../../messaging/templates';

/**
 * How the dashboard writes amounts and dates: in the reader's language, amounts in the invoice's
 * currency, moments in the company's timezone (a club's treasurer reads their own clock).
 */
const intlLocale: Record<Locale, string> = { nl: 'nl-NL', en: 'en-GB', de: 'de-DE', fr: 'fr-FR' };
export const intlLocaleOf = (locale: Locale): string => intlLocale[locale] ?? 'en-GB';

export const moneyText = (cents: number, currency: string, locale: Locale): string => formatMoney(cents, currency, locale);

export const numberText = (n: number, locale: Locale, options: Intl.NumberFormatOptions = {}): string => new Intl.NumberFormat(intlLocaleOf(locale), options).format(n);

/** `2026-12-02` → `2 dec. 2026` (nl); other strings unchanged. */
export function dateText(date: string, locale: Locale): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return date;
  const d = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? date : new Intl.DateTimeFormat(intlLocaleOf(locale), { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}

export function timeText(d: Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(intlLocaleOf(locale), { dateStyle: 'medium', timeStyle: 'short', timeZone, hourCycle: 'h23' }).format(d);
}

export const dateHtml = (date: string | null | undefined, locale: Locale): string => (date ? `<time datetime="${e(date)}">${e(dateText(date, locale))}</time>` : '');
export const timeHtml = (d: Date | null | undefined, locale: Locale, timeZone: string): string =>
  d ? `<time datetime="${e(d.toISOString())}">${e(timeText(d, locale, timeZone))}</time>` : '';
