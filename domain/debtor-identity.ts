import { normalizePhoneNumber } from './phone';
import type { Debtor } from './schemas';

/**
 * Which debtor an invoice belongs to, within one company. The rule, in one place:
 *
 * - the partner's `debtor.external_id` when given;
 * - else the normalised email (trimmed, lower-cased);
 * - else the phone in E.164 (read in the debtor's country, else the company's);
 * - else none: the invoice gets a debtor of its own.
 *
 * Each debtor is known by exactly one such key (the strongest its first invoice gave), and an
 * invoice joins only the debtor with the same key. So an invoice with an external id never joins
 * a debtor known only by email, even when the email is the same: the partner's id is authoritative,
 * and a shared address (a family, a club's treasurer) must not merge two people the partner tells
 * apart. Likewise an invoice without an external id joins the email-keyed debtor, not one of the
 * partner's id-keyed debtors that happens to use that email. Because the key does not depend on
 * which invoice came first, the migration that joined the invoices stored before debtors existed
 * applies exactly this rule.
 */
export type DebtorKey = { kind: 'external_id'; value: string } | { kind: 'email'; value: string } | { kind: 'phone'; value: string };

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The debtor key of an invoice's debtor; null when it gives none of the three. */
export function debtorKeyOf(debtor: Pick<Debtor, 'external_id' | 'email' | 'phone' | 'address'>, companyCountry?: string | null): DebtorKey | null {
  const externalId = debtor.external_id?.trim();
  if (externalId) return { kind: 'external_id', value: externalId };
  const email = debtor.email ? normalizeEmail(debtor.email) : '';
  if (email) return { kind: 'email', value: email };
  const phone = debtor.phone ? normalizePhoneNumber(debtor.phone, debtor.address?.country ?? companyCountry) : null;
  if (phone) return { kind: 'phone', value: phone };
  return null;
}

/** What a debtor row holds of an invoice's debtor: its latest invoice's details. */
export interface DebtorDetails {
  externalId: string | null;
  name: string;
  email: string | null;
  phone: string | null;
  locale: string;
  timezone: string;
}

/** The debtor's details as an invoice gives them: the organisation's name, else first and last name. */
export function debtorDetailsOf(debtor: Debtor, companyCountry?: string | null): DebtorDetails {
  const personal = [debtor.first_name, debtor.last_name].filter(Boolean).join(' ');
  return {
    externalId: debtor.external_id?.trim() || null,
    name: debtor.organization_name ?? personal,
    email: debtor.email ? normalizeEmail(debtor.email) || null : null,
    phone: debtor.phone ? normalizePhoneNumber(debtor.phone, debtor.address?.country ?? companyCountry) : null,
    locale: debtor.locale,
    timezone: debtor.timezone,
  };
}
