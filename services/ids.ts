import { randomBytes } from 'node:crypto';

/**
 * Opaque ids that sort by creation time (for cursor pagination): a prefix,
 * milliseconds since the epoch in base 36, then random characters.
 */
export function newId(prefix: string): string {
  const time = Date.now().toString(36).padStart(9, '0');
  const random = randomBytes(10).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
  return `${prefix}_${time}${random}`;
}
