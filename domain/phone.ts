import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * A debtor's phone number in E.164 (`+31612345678`), read the way the debtor would write it in
 * their country (`06 12345678` in NL); a number already given internationally keeps its own
 * country. Null when it is not a valid number: SMS to it could never arrive.
 *
 * Uses the full metadata (`/max`) so a number of the right length but an impossible range is
 * refused too, and inbound SMS (`From`, always E.164) can be matched to the stored number.
 */
export function normalizePhoneNumber(raw: string, country?: string | null): string | null {
  const defaultCountry = country && isSupportedCountry(country) ? country : undefined;
  // `extract: false`: the whole text must be the number, not merely contain one.
  const parsed = parsePhoneNumberFromString(raw.trim(), { ...(defaultCountry ? { defaultCountry } : {}), extract: false });
  return parsed?.isValid() ? parsed.number : null;
}

/** Why a debtor's phone was refused, in the same words on every intake path (API, batch file, pull). */
export function invalidPhoneMessage(country: string | null | undefined): string {
  return `must be a valid phone number${country ? ` (international, or national for ${country})` : ' in international format'}`;
}
