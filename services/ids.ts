import { randomFillSync } from 'node:crypto';

/**
 * Random bytes for ids, drawn from the system CSPRNG a few kilobytes at a time: one call per
 * 400 ids instead of one per id (an id is made on every request, and thousands per placement
 * chunk). Bytes are used once; nothing else reads the pool.
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let used = POOL_BYTES;

function randomBytesFromPool(n: number): Buffer {
  if (used + n > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const bytes = pool.subarray(used, used + n);
  used += n;
  return bytes;
}

/**
 * Opaque ids that sort by creation time (for cursor pagination): a prefix,
 * milliseconds since the epoch in base 36, then random characters.
 */
export function newId(prefix: string): string {
  const time = Date.now().toString(36).padStart(9, '0');
  const random = randomBytesFromPool(10).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
  return `${prefix}_${time}${random}`;
}
