import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The timestamped HMAC signature Stripe introduced and Recoup uses wherever it signs or checks a
 * body with a shared secret: payment providers' webhooks (Stripe and the test provider) and the
 * hand-offs and callbacks of `http` debt collectors. The header is
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the secret>` (several `v1`
 * entries while a secret is being rolled). A timestamp outside the tolerance is refused, so a
 * captured delivery cannot be replayed later.
 */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureCheck = 'valid' | 'missing' | 'malformed' | 'mismatch' | 'stale';

export function signatureHeader(secret: string, rawBody: string | Buffer, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${hmacHex(secret, timestampSeconds, rawBody)}`;
}

export function checkSignature(secret: string, header: string | undefined, rawBody: string | Buffer, now: Date, toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS): SignatureCheck {
  if (!header) return 'missing';
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  if (timestamp === undefined || signatures.length === 0) return 'malformed';
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody));
  if (!signatures.some((s) => timingSafeEqual(Buffer.from(s), expected))) return 'mismatch';
  // Checked after the signature: the timestamp is only trustworthy once it is known to be signed.
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return 'stale';
  return 'valid';
}

function hmacHex(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}
