import { checkSignature, signatureHeader } from '../services/hmac-signature';

/**
 * Signatures between Recoup and an `http` debt collector, both ways: the hand-off Recoup sends and
 * the status callbacks the collector sends back carry `recoup-signature: t=<unix seconds>,v1=<hex>`
 * under the configuration's secret (the scheme of services/hmac-signature.ts). The timestamp
 * bounds replays; several v1 values let a collector sign with an old and a new secret while rotating.
 */
export const COLLECTOR_SIGNATURE_HEADER = 'recoup-signature';

/** The header value for a body sent at `now`. */
export function signCollectorPayload(secret: string, body: string, now: Date): string {
  return signatureHeader(secret, body, Math.floor(now.getTime() / 1000));
}

/** Whether the header is a valid signature of `body` by `secret`, made within the tolerance of `now`. */
export function verifyCollectorSignature(secret: string, header: string | undefined, body: string, now: Date): boolean {
  return checkSignature(secret, header, body, now) === 'valid';
}
