import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF protection of the portal's forms without cookies: every form carries
 * `<issued>.<HMAC(secret, portal token + issued)>`, so only a page served for this very portal
 * link can post to it, and only for a while. Another site cannot read the page, so it cannot
 * forge the field.
 */
const VALID_FOR_MS = 12 * 3_600_000;

export function createFormToken(secret: string, portalToken: string, now: Date): string {
  const issued = Math.floor(now.getTime() / 1000).toString(36);
  return `${issued}.${sign(secret, portalToken, issued)}`;
}

export function isValidFormToken(secret: string, portalToken: string, given: unknown, now: Date): boolean {
  if (typeof given !== 'string') return false;
  const [issued = '', signature = ''] = given.split('.');
  if (!/^[0-9a-z]{1,10}$/.test(issued)) return false;
  const expected = Buffer.from(sign(secret, portalToken, issued));
  const actual = Buffer.from(signature);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return false;
  const age = now.getTime() - parseInt(issued, 36) * 1000;
  return age >= -300_000 && age <= VALID_FOR_MS;
}

function sign(secret: string, portalToken: string, issued: string): string {
  // A purpose prefix: a form token can never pass for a portal link signature, or the other way round.
  return createHmac('sha256', secret).update(`portal-form\n${portalToken}\n${issued}`).digest('base64url');
}
