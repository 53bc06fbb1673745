/**
 * Amounts in statement files: integer minor units in, decimal text out (and back), never through
 * floating point. The number of decimals is the currency's (2 for EUR, 0 for JPY).
 */

// Building an Intl.NumberFormat costs far more than the formatting: once per currency.
const decimals = new Map<string, number>();

export function minorUnits(currency: string): number {
  let digits = decimals.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    decimals.set(currency, digits);
  }
  return digits;
}

/** 12345 EUR → "123" and "45"; the sign is the caller's (C/D, CRDT/DBIT). */
function split(cents: number, currency: string): { whole: string; fraction: string } {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`amount ${cents} is not an integer number of minor units`);
  const digits = minorUnits(currency);
  const abs = String(Math.abs(cents)).padStart(digits + 1, '0');
  return { whole: abs.slice(0, abs.length - digits), fraction: abs.slice(abs.length - digits) };
}

/** SWIFT MT amount: comma decimal mark, always present ("123,45", "5,", "0,00"). */
export function swiftAmount(cents: number, currency: string): string {
  const { whole, fraction } = split(cents, currency);
  return `${whole},${fraction}`;
}

/** XML (ISO 20022) amount: point decimal mark ("123.45", "5"). */
export function xmlAmount(cents: number, currency: string): string {
  const { whole, fraction } = split(cents, currency);
  return fraction ? `${whole}.${fraction}` : whole;
}

/**
 * "123,45" / "123.45" / "123," / "1.234,5" is not accepted (no thousands separators in either format).
 * Answers null for anything that is not a plain decimal with at most the currency's decimals.
 */
export function parseDecimalAmount(text: string, currency: string): number | null {
  const m = /^\s*(\d{1,15})(?:[.,](\d*))?\s*$/.exec(text);
  if (!m) return null;
  const digits = minorUnits(currency);
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > digits) return null;
  const value = Number(m[1]!) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
  return Number.isSafeInteger(value) ? value : null;
}

/**
 * An amount as a bank wrote it in a statement, in minor units of `currency`: digits with at most one
 * decimal mark ("," in MT940, "." in camt.053), leading zeros allowed (MT940 pads to 15 characters),
 * up to 15 integer digits. A fraction finer than the currency's minor unit (HUF written with fillér,
 * camt.053 amounts with five decimals) is rounded half up to it. Null when it is no amount, or more
 * than a JavaScript number holds exactly.
 */
export function parseStatementAmount(text: string, currency: string): number | null {
  const m = /^\s*0*(\d{0,15})(?:[.,](\d*))?\s*$/.exec(text);
  if (!m || !/\d/.test(text)) return null;
  const digits = minorUnits(currency);
  const fraction = m[2] ?? '';
  const kept = fraction.slice(0, digits).padEnd(digits, '0');
  const roundUp = Number(fraction[digits] ?? '0') >= 5 ? 1 : 0;
  const value = Number(m[1] || '0') * 10 ** digits + Number(kept || '0') + roundUp;
  return Number.isSafeInteger(value) ? value : null;
}
