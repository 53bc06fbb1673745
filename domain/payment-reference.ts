/**
 * The payment reference Recoup gives every invoice: an ISO 11649 structured creditor reference,
 * `RF` + two check digits + a body of up to 21 letters and digits, checked with ISO 7064 MOD 97-10.
 * Banks print it, debtors type it (with spaces, in any case), and reconciliation trusts it before
 * anything a partner chose, because Recoup alone hands it out and a typo fails the check.
 */

const BODY = /^[A-Z0-9]{1,21}$/;

/** Letters as ISO 7064 numbers them (A=10 … Z=35), digits as they are. */
function digitsOf(s: string): string {
  return [...s].map((c) => (c >= 'A' && c <= 'Z' ? String(c.charCodeAt(0) - 55) : c)).join('');
}

/** The remainder of a long decimal string divided by 97, a few digits at a time (no big integers). */
function mod97(digits: string): number {
  let rest = 0;
  for (let i = 0; i < digits.length; i += 7) rest = Number(`${rest}${digits.slice(i, i + 7)}`) % 97;
  return rest;
}

/** `RF` + check digits + body, for a body of 1–21 letters or digits. */
export function creditorReference(body: string): string {
  const upper = body.toUpperCase();
  if (!BODY.test(upper)) throw new RangeError('an ISO 11649 reference body has 1 to 21 letters or digits');
  const check = 98 - mod97(digitsOf(`${upper}RF00`));
  return `RF${String(check).padStart(2, '0')}${upper}`;
}

/** Spaces dropped, upper case: how a reference is stored and compared. */
export function normalisePaymentReference(s: string): string {
  return s.replace(/\s+/g, '').toUpperCase();
}

/** True for a well-formed RF reference whose check digits are right (after normalising). */
export function isValidPaymentReference(s: string): boolean {
  const ref = normalisePaymentReference(s);
  if (!/^RF[0-9]{2}[A-Z0-9]{1,21}$/.test(ref)) return false;
  return mod97(digitsOf(`${ref.slice(4)}${ref.slice(0, 4)}`)) === 1;
}

/**
 * The valid RF references in remittance text, normalised. Payers write them as one word or in
 * groups of four (`RF18 5390 0754 7034`), so a word starting with `RF` and two digits is joined
 * with the words after it, and every join that passes the check is a candidate (the words after a
 * reference may pass by chance too: all candidates are answered, the lookup keeps the real one).
 */
export function paymentReferencesIn(text: string): string[] {
  const found = new Set<string>();
  const words = text.toUpperCase().split(/[^A-Z0-9]+/).filter(Boolean);
  words.forEach((word, i) => {
    if (!/^RF[0-9]{2}/.test(word)) return;
    let run = '';
    for (let j = i; j < words.length && run.length + words[j]!.length <= 25; j++) {
      run += words[j];
      if (isValidPaymentReference(run)) found.add(run);
    }
  });
  return [...found];
}

/** In groups of four, as ISO 11649 says it is printed. */
export function printedPaymentReference(ref: string): string {
  return normalisePaymentReference(ref).replace(/(.{4})(?=.)/g, '$1 ');
}
