import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The debtor's portal link: `/pay/<invoiceId>.<expiresAt>.<signature>`, signed with HMAC-SHA256
 * so it cannot be guessed or altered, and expiring so an old message stops working.
 */
export function createPortalToken(secret: string, invoiceId: string, expiresAt: Date): string {
  const payload = `${invoiceId}.${Math.floor(expiresAt.getTime() / 1000).toString(36)}`;
  return `${payload}.${sign(secret, payload)}`;
}

export function verifyPortalToken(secret: string, token: string, now: Date): { invoiceId: string } | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [invoiceId, expires, signature] = parts as [string, string, string];
  const expected = Buffer.from(sign(secret, `${invoiceId}.${expires}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (parseInt(expires, 36) * 1000 < now.getTime()) return null;
  return { invoiceId };
}

export function portalUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/pay/${token}`;
}

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url').slice(0, 32);
}
