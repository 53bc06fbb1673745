/**
 * How a bank line is tied to an invoice, as pure rules: which words of the remittance text may be
 * an invoice's reference, number or Recoup id, and whether the payer's name is the debtor's (the
 * RF payment reference has its own rules in domain/payment-reference.ts).
 */

/**
 * Candidate identifiers in remittance text, upper-cased: every word (split at spaces and the
 * separators banks put between fields), with Recoup ids also in their original form (MT940 has no
 * underscore, so `inv_…` travels as `inv-…`).
 */
export function referenceTokens(text: string): string[] {
  const tokens = new Set<string>();
  for (const raw of text.split(/[\s/,;:()'"+]+/)) {
    const word = raw.replace(/^[.\-?]+|[.\-?]+$/g, '').toUpperCase();
    if (word.length < 3 || word.length > 100) continue;
    tokens.add(word);
    const id = /^([A-Z]{2,5})-([A-Z0-9]{12,})$/.exec(word);
    if (id) tokens.add(`${id[1]}_${id[2]}`);
  }
  return [...tokens];
}

export interface DebtorName {
  first_name?: string;
  last_name?: string;
  organization_name?: string;
}

function words(s: string): string[] {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
}

export function debtorNames(d: DebtorName): string[] {
  return [d.organization_name, [d.first_name, d.last_name].filter(Boolean).join(' ')].filter((n): n is string => !!n && n.trim().length > 0);
}

/**
 * The payer is the debtor when the statement's name has the debtor's name's words in any order
 * ("DE VRIES ANNA" is Anna de Vries), a lone letter standing for a word with that initial (banks
 * write "A DE VRIES"); without a name on the statement, when the debtor's full name appears in the
 * remittance text.
 */
export function payerIsDebtor(counterpartyName: string | null, remittance: string, debtor: DebtorName): boolean {
  const names = debtorNames(debtor).map(words).filter((w) => w.length > 0);
  if (counterpartyName && words(counterpartyName).length) {
    const payer = words(counterpartyName);
    return names.some((n) => sameWords(payer, n));
  }
  const text = ` ${words(remittance).join(' ')} `;
  return names.some((n) => text.includes(` ${n.join(' ')} `));
}

/** One-to-one: every payer word is a distinct name word, or the initial of one. */
function sameWords(payer: string[], name: string[]): boolean {
  if (payer.length !== name.length) return false;
  const left = [...name];
  // Whole words first, so an initial cannot take the word a whole word needs.
  const initials: string[] = [];
  for (const w of payer) {
    const i = left.indexOf(w);
    if (i >= 0) left.splice(i, 1);
    else if (w.length === 1) initials.push(w);
    else return false;
  }
  for (const w of initials) {
    const i = left.findIndex((n) => n.startsWith(w));
    if (i < 0) return false;
    left.splice(i, 1);
  }
  return true;
}
