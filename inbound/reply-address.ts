import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A reply address names the message it answers and is signed, so that nobody can write to the
 * thread of a message by guessing or altering an address: `<message id>-<signature>@<domain>`.
 * Both parts are lowercase base32 (RFC 4648 alphabet, no padding): mail servers may lowercase a
 * local part, and message ids are mixed case. An id of 25 characters makes a local part of 57,
 * within SMTP's 64.
 */
export interface ReplyAddressKey {
  domain: string;
  secret: string;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** 80 bits of HMAC-SHA256: a forger must guess them, and the server refuses each wrong guess. */
const SIGNATURE_BYTES = 10;

export function replyAddressFor(key: ReplyAddressKey, messageId: string): string {
  return `${base32(Buffer.from(messageId, 'utf8'))}-${base32(signature(key.secret, messageId))}@${key.domain}`;
}

/** Why an address is not one of ours that verifies (logged; never the mail's content). */
export type ReplyAddressRefusal = 'other_domain' | 'malformed' | 'bad_signature';

/** The message id an address names, when it is at our domain and its signature verifies. */
export function verifyReplyAddress(key: ReplyAddressKey, address: string): { messageId: string } | { refused: ReplyAddressRefusal } {
  const at = address.lastIndexOf('@');
  if (at < 0 || address.slice(at + 1).toLowerCase() !== key.domain.toLowerCase()) return { refused: 'other_domain' };
  const match = /^([a-z2-7]+)-([a-z2-7]+)$/.exec(address.slice(0, at).toLowerCase());
  const id = match ? fromBase32(match[1]!) : null;
  const given = match ? fromBase32(match[2]!) : null;
  if (!id || !given) return { refused: 'malformed' };
  const messageId = id.toString('utf8');
  const expected = signature(key.secret, messageId);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { refused: 'bad_signature' };
  return { messageId };
}

function signature(secret: string, messageId: string): Buffer {
  return createHmac('sha256', secret).update(`reply-address:${messageId}`).digest().subarray(0, SIGNATURE_BYTES);
}

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function fromBase32(text: string): Buffer | null {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const digit = ALPHABET.indexOf(ch);
    if (digit < 0) return null;
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return bytes.length > 0 ? Buffer.from(bytes) : null;
}
