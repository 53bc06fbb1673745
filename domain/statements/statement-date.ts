/**
 * Dates as banks write them in statements. Some banks book interest on a 30/360 calendar and write
 * value dates such as 30 February (seen in German Sparkasse MT940 files): such a day past the end
 * of its month is read as the month's last day, so the line still imports. A month outside 1–12,
 * a day outside 1–31 or a year Recoup cannot store is no date at all (null).
 */
export function bankDate(year: number, month: number, day: number): string | null {
  if (![year, month, day].every(Number.isInteger) || year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1 || day > 31) return null;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${pad(month)}-${pad(Math.min(day, lastDay))}`;
}

/** YYYY-MM-DD (the start of an ISO date or date-time, as camt.053 writes them), or null. */
export function bankDateFromIso(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  return m ? bankDate(Number(m[1]), Number(m[2]), Number(m[3])) : null;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
