import { createHmac, timingSafeEqual } from 'node:crypto';
import { escapeHtml as e } from '../../messaging/templates';

/**
 * CSRF protection of the console's and the dashboard's forms: every form carries `HMAC(secret, session id)`, bound to
 * the signed-in session (or, on a sign-in page, to a random pre-session cookie, ./cookies.ts). Another site
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

/** The hidden field that carries a form's token. */
export const csrfField = (csrf: string): string => `<input type="hidden" name="_csrf" value="${e(csrf)}">`;
