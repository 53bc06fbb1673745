import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF protection of the console's forms: every form carries `HMAC(secret, session id)`, bound to
 * the signed-in session (or, on the sign-in page, to a random pre-session cookie). Another site
 * can neither read the page nor compute the token, so it cannot forge the `_csrf` field; a token
 * dies with its session.
 */
export function createCsrfToken(secret: string, sessionId: string, purpose: CsrfPurpose = 'console-form'): string {
  // A purpose prefix: a console token never passes for a portal signature or a dashboard form, or the other way round.
  return createHmac('sha256', secret).update(`${purpose}\n${sessionId}`).digest('base64url');
}

/** Whose forms a token is for: the console's or the company dashboard's (api/dashboard/). */
export type CsrfPurpose = 'console-form' | 'dashboard-form';

export function isValidCsrfToken(secret: string, sessionId: string, given: unknown, purpose: CsrfPurpose = 'console-form'): boolean {
  if (typeof given !== 'string' || !sessionId) return false;
  const expected = Buffer.from(createCsrfToken(secret, sessionId, purpose));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
