import { randomInt } from 'node:crypto';
import { creditorReference } from '../domain/payment-reference';

/** Crockford's base 32: no I, L, O or U, so a reference read aloud or retyped stays unambiguous. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BODY_LENGTH = 12;

/**
 * A fresh payment reference: 12 random characters (60 bits), 16 with `RF` and the check digits, so
 * it fits the 16-character reference of an MT940 `:61:` line whole. Random rather than counted, so a
 * reference tells nothing about other invoices; the unique index on `invoices.payment_reference`
 * refuses a repeat and the writer retries with another (`withFreshPaymentReference`; batch and pull
 * activities by their own retry). Draft invoices draw theirs in `services/invoices.ts`. References backfilled for invoices made before references
 * existed start with `U`, which is not in this alphabet, so never equal one of these.
 */
export function newPaymentReference(): string {
  let body = '';
  for (let i = 0; i < BODY_LENGTH; i++) body += ALPHABET[randomInt(ALPHABET.length)];
  return creditorReference(body);
}

/** True when the error (or one it wraps) is the unique index on payment references refusing a repeat. */
export function isPaymentReferenceConflict(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, constraint } = e as { code?: unknown; constraint?: unknown };
    if (code === '23505' && constraint === 'invoices_payment_reference_unique') return true;
  }
  return false;
}

/** Runs `write` (which draws a new payment reference each call) again when the reference it drew was taken. */
export async function withFreshPaymentReference<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= 3 || !isPaymentReferenceConflict(err)) throw err;
    }
  }
}
