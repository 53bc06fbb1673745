import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signatures between Recoup and an `http` debt collector, both ways: the hand-off Recoup sends and
 * the status callbacks the collector sends back carry `recoup-signature: t=<unix seconds>,v1=<hex>`,
 * the HMAC-SHA256 of `${t}.${body}` under the configuration's secret. The timestamp bounds replays.
 */
export const COLLECTOR_SIGNATURE_HEADER = 'recoup-signature';

/** How far a callback's timestamp may be from our clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function collectorSignature(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
}

/** The header value for a body sent at `now`. */
export function signCollectorPayload(secret: string, body: string, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${collectorSignature(secret, t, body)}`;
}

/** Whether the header is a valid signature of `body` by `secret`, made within the tolerance of `now`. */
export function verifyCollectorSignature(secret: string, header: string | undefined, body: string, now: Date, toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS): boolean {
  if (!header) return false;
  const parts = new Map<string, string[]>();
  for (const item of header.split(',')) {
    const [k, v] = item.trim().split('=', 2);
    if (!k || v === undefined) continue;
    parts.set(k, [...(parts.get(k) ?? []), v]);
  }
  const t = Number(parts.get('t')?.[0]);
  if (!Number.isInteger(t) || Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(collectorSignature(secret, t, body), 'hex');
  // Several v1 values let a collector sign with an old and a new secret while rotating.
  return (parts.get('v1') ?? []).some((candidate) => {
    const given = Buffer.from(candidate, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
