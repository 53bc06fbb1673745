import { invalidPhoneMessage, normalizePhoneNumber } from '../domain/phone';
import { invalidField } from '../domain/errors';

/**
 * A debtor's phone as stored and texted: E.164, read in the debtor's country (the company's when
 * the debtor has no address). A number that is not valid there is a 400 naming the field, as a
 * schema error would be.
 */
export function debtorPhoneE164(phone: string, country: string | undefined, path: string): string {
  const e164 = normalizePhoneNumber(phone, country);
  if (e164) return e164;
  const message = invalidPhoneMessage(country);
  throw invalidField(path, message);
}
