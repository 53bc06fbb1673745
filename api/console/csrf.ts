import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF protection of the console's forms: every form carries `HMAC(secret, session id)`, bound to
 * the signed-in session (or, on the sign-in page, to a random pre-session cookie). Another site
 * can neither read the page nor compute the token, so it cannot forge the `_csrf` field; a token
 * dies with its session.
 */
export function createCsrfToken(secret: string, sessionId: string): string {
  // A purpose prefix: a console token never passes for a portal signature, or the other way round.
  return createHmac('sha256', secret).update(`console-form\n${sessionId}`).digest('base64url');
}

export function isValidCsrfToken(secret: string, sessionId: string, given: unknown): boolean {
  if (typeof given !== 'string' || !sessionId) return false;
  const expected = Buffer.from(createCsrfToken(secret, sessionId));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
