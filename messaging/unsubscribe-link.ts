import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The one-click unsubscribe link of every email (RFC 8058): `/unsubscribe/<debtorId>.email.<signature>`,
 * HMAC-SHA256 with the portal secret over a payload of its own purpose (`unsubscribe:`), so neither
 * a portal link nor a contact-undo link can stand in for it, nor it for them. It never expires: a
 * mail client may offer the unsubscribe button on a message years old, and the link can do one
 * thing only — stop email to that debtor — which the debtor can undo in the portal.
 */
export function createUnsubscribeToken(secret: string, debtorId: string): string {
  return `${debtorId}.email.${sign(secret, debtorId, 'email')}`;
}

export function verifyUnsubscribeToken(secret: string, token: string): { debtorId: string; channel: 'email' } | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] !== 'email' || !parts[0]) return null;
  const [debtorId, channel, signature] = parts as [string, 'email', string];
  const expected = Buffer.from(sign(secret, debtorId, channel));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? { debtorId, channel } : null;
}

/** The URL of a debtor's `List-Unsubscribe` header (for every email to them, digests included). */
export function unsubscribeUrl(baseUrl: string, secret: string, debtorId: string): string {
  return `${baseUrl}/unsubscribe/${createUnsubscribeToken(secret, debtorId)}`;
}

function sign(secret: string, debtorId: string, channel: string): string {
  return createHmac('sha256', secret).update(`unsubscribe:${debtorId}:${channel}`).digest('base64url').slice(0, 32);
}
