import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The debtor's portal link: `/pay/<invoiceId>.<expiresAt>.<signature>`, signed with HMAC-SHA256
 * so it cannot be guessed or altered, and expiring so an old message stops working. Every message
 * mints its own, valid for the `portal_link_days` of the invoice's policy version from that
 * message (`portalLinkExpiry`); links minted before that setting existed carry their old expiry
 * (120 days) and work until then.
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

/** When a link minted now expires: `days` (the policy's `portal_link_days`) from now. */
export function portalLinkExpiry(now: Date, days: number): Date {
  return new Date(now.getTime() + days * 86_400_000);
}

/**
 * The last part of a contact change's undo link, `/pay/<token>/contact/undo/<changeId>.<signature>`:
 * signed for this purpose only, so no other signed value can stand in for it.
 */
export function signContactUndo(secret: string, changeId: string): string {
  return `${changeId}.${sign(secret, `contact-undo:${changeId}`)}`;
}

export function verifyContactUndo(secret: string, value: string): { changeId: string } | null {
  const dot = value.lastIndexOf('.');
  if (dot <= 0) return null;
  const changeId = value.slice(0, dot);
  const expected = Buffer.from(sign(secret, `contact-undo:${changeId}`));
  const given = Buffer.from(value.slice(dot + 1));
  return given.length === expected.length && timingSafeEqual(given, expected) ? { changeId } : null;
}

export function portalUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/pay/${token}`;
}

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url').slice(0, 32);
}
