/**
 * Amounts and dates as people type them in a spreadsheet, read into the partner API's forms
 * (cents, YYYY-MM-DD). What could be read two ways is refused, never guessed: "1.234" is one
 * euro and a fraction to some and a thousand to others.
 */

export type CellReading<T> = { ok: true; value: T } | { ok: false; message: string };

const AMOUNT = /^([+-])?(\d+(?:([.,])\d{3})*)(?:([.,])(\d{1,2}))?$/;
const AMOUNT_HINT = 'must be an amount such as 12,50 or 12.50';

/** `12,50`, `12.50`, `1.234,56`, `1,234.56`, `-5`, `€ 12,50` → cents. */
export function readAmountCents(text: string): CellReading<number> {
  const s = text.replace(/[\s\u00a0\u202f]/g, '').replace(/^(€|EUR)/i, '').replace(/(€|EUR)$/i, '');
  const m = AMOUNT.exec(s);
  if (!m) return { ok: false, message: AMOUNT_HINT };
  const [, sign, whole, thousands, decimal, fraction] = m;
  if (thousands) {
    // A grouped number needs its decimals, in the other separator: "1.234" alone is ambiguous.
    if (!decimal || decimal === thousands || !/^\d{1,3}(?:[.,]\d{3})+$/.test(whole!)) {
      return { ok: false, message: `${AMOUNT_HINT} (write 1234,00 or 1234.00 for a thousand and more)` };
    }
  }
  const digits = whole!.replace(/[.,]/g, '');
  if (digits.replace(/^0+/, '').length > 13) return { ok: false, message: 'is too large' };
  const cents = Number(digits) * 100 + Number((fraction ?? '').padEnd(2, '0'));
  return { ok: true, value: sign === '-' ? -cents : cents };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_FIRST = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/;

/** `2027-01-31`, or day first as in all four languages: `31-01-2027`, `31/01/2027`, `31.01.2027`. */
export function readDate(text: string): CellReading<string> {
  const s = text.trim();
  if (ISO_DATE.test(s)) return { ok: true, value: s };
  const m = DAY_FIRST.exec(s);
  if (m) return { ok: true, value: `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}` };
  return { ok: false, message: 'must be a date such as 2027-01-31 or 31-01-2027' };
}
