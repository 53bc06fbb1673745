import { escapeHtml as e } from '../../messaging/templates';

/**
 * A debtor as a person reads it: a name, an address block, email and phone. Debtors come in two
 * shapes: an invoice's debtor (`first_name`, `address.postal_code`, …) and a debt case's billing
 * address (`given_name`, `post_code`, …; for cases from dunning, a copy of the invoice's debtor).
 */
export interface DebtorContact {
  name: string;
  organization: string;
  addressLines: string[];
  email: string;
  phone: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export function debtorContact(raw: unknown): DebtorContact {
  const d = obj(raw);
  // The invoice debtor keeps its address in `address`; a billing address is flat.
  const a = Object.keys(obj(d.address)).length ? obj(d.address) : d;
  const name = [str(d.given_name ?? d.first_name), str(d.family_name ?? d.last_name)].filter(Boolean).join(' ');
  const postal = [str(a.post_code ?? a.postal_code), str(a.city)].filter(Boolean).join(' ');
  const region = str(a.postal_state);
  const country = str(a.country);
  return {
    name,
    organization: str(d.organization_name),
    addressLines: [str(a.street), postal, region, country ? countryName(country) : ''].filter(Boolean),
    email: str(d.email),
    phone: str(d.phone ?? d.mobile_phone_number),
  };
}

const countries = new Intl.DisplayNames(['en'], { type: 'region' });
function countryName(code: string): string {
  try {
    return countries.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/** The debtor as an address block with email and phone below; `—` when nothing is known. */
export function debtorContactHtml(c: DebtorContact, testid = 'debtor'): string {
  const heading = c.name || c.organization;
  if (!heading && !c.addressLines.length && !c.email && !c.phone) return `<p class="muted" data-testid="${testid}">—</p>`;
  const lines = [
    heading ? `<strong data-testid="${testid}-name">${e(heading)}</strong>` : '',
    c.name && c.organization ? e(c.organization) : '',
    ...c.addressLines.map((l) => e(l)),
  ].filter(Boolean);
  const reach = [
    c.email ? `<a href="mailto:${e(c.email)}" data-testid="${testid}-email">${e(c.email)}</a>` : '',
    c.phone ? `<a href="tel:${e(c.phone.replace(/[^+0-9]/g, ''))}" data-testid="${testid}-phone">${e(c.phone)}</a>` : '',
  ].filter(Boolean);
  return `<address class="contact" data-testid="${testid}">${lines.join('<br>')}${reach.length ? `<span class="reach">${reach.join('<br>')}</span>` : ''}</address>`;
}
