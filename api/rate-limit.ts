import type { RequestHandler } from 'express';
import { lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { rateLimitWindows } from '../db/schema';
import { principalOf } from './auth';
import { AppError } from './errors';

/** One in this many flushes also deletes old windows, so the table stays small without a cron. */
const PURGE_ONE_IN = 200;

interface Window {
  /** The window's start (ms, on this process's clock, a whole minute). */
  start: number;
  /** Requests counted here and not yet added to the database. */
  pending: number;
  /** The database's total for the window when this process last added to it. */
  known: number;
}

export interface RateLimiterOptions {
  /** How long requests are counted here before they are added to the shared count. */
  flushMs?: number;
  clock?: () => number;
}

/**
 * Per API key, a fixed one-minute window shared by every API process through the database —
 * without a write per request. Each process counts its requests in memory and adds them to the
 * window's row once a second (one upsert per key, whatever the traffic). While a key is below
 * half its limit that is all; from half the limit on, each request adds itself at once and
 * answers with the database's total, so the limit itself is exact.
 *
 * Tolerance: below half the limit a process does not yet see what the others counted in their
 * last second, so the switch to exact counting can come late by that much; a key may exceed its
 * limit in a window by at most what the other processes admitted for it in one flush interval
 * while it was below half the limit (nothing with one process). A process that ends loses at
 * most its last second's count (the limit errs towards admitting).
 */
export class SharedRateLimiter {
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | undefined;
  private readonly flushMs: number;
  private readonly clock: () => number;
  private flushes = 0;

  constructor(
    private readonly db: Db,
    readonly limitPerMinute: number,
    options: RateLimiterOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 1000;
    this.clock = options.clock ?? Date.now;
  }

  /** Counts one request of `bucket`: the window's count with it, and the seconds until the window resets. */
  async hit(bucket: string): Promise<{ hits: number; resetSeconds: number }> {
    const now = this.clock();
    const start = Math.floor(now / 60_000) * 60_000;
    let w = this.windows.get(bucket);
    if (!w || w.start !== start) {
      w = { start, pending: 0, known: 0 };
      this.windows.set(bucket, w);
    }
    const resetSeconds = Math.max(1, Math.ceil((start + 60_000 - now) / 1000));
    w.pending += 1;
    const estimate = w.known + w.pending;
    if (estimate * 2 <= this.limitPerMinute) {
      this.schedule();
      return { hits: estimate, resetSeconds };
    }
    return { hits: await this.add(bucket, w), resetSeconds };
  }

  /** Adds a window's pending count to the database and learns the total. */
  private async add(bucket: string, w: Window): Promise<number> {
    const n = w.pending;
    w.pending = 0;
    const [row] = await this.db
      .insert(rateLimitWindows)
      .values({ bucket, windowStart: new Date(w.start), hits: n })
      .onConflictDoUpdate({ target: [rateLimitWindows.bucket, rateLimitWindows.windowStart], set: { hits: sql`${rateLimitWindows.hits} + ${n}` } })
      .returning({ hits: rateLimitWindows.hits });
    w.known = Math.max(w.known, row!.hits);
    return row!.hits;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined);
    }, this.flushMs);
    this.timer.unref();
  }

  /** Adds every pending count to the database (and forgets windows that have ended). */
  async flush(): Promise<void> {
    const current = Math.floor(this.clock() / 60_000) * 60_000;
    for (const [bucket, w] of this.windows) {
      if (w.pending > 0) await this.add(bucket, w);
      if (w.start < current) this.windows.delete(bucket);
    }
    if ((this.flushes += 1) % PURGE_ONE_IN === 0) await purgeOldWindows(this.db);
  }
}

/**
 * Mount after authentication; a limit of 0 switches limiting off. Answers the `RateLimit-*`
 * headers, and 429 `rate_limited` with `Retry-After` beyond the limit.
 */
export function rateLimit(db: Db, limitPerMinute: number, options: RateLimiterOptions = {}): RequestHandler {
  if (limitPerMinute <= 0) return (_req, _res, next) => next();
  const limiter = new SharedRateLimiter(db, limitPerMinute, options);
  return async (req, res, next) => {
    const { hits, resetSeconds } = await limiter.hit(principalOf(req).keyId);
    res.set({
      'RateLimit-Limit': String(limitPerMinute),
      'RateLimit-Remaining': String(Math.max(0, limitPerMinute - hits)),
      'RateLimit-Reset': String(resetSeconds),
    });
    if (hits > limitPerMinute) {
      res.set('Retry-After', String(resetSeconds));
      throw new AppError(429, 'rate_limited', `This API key may make ${limitPerMinute} requests a minute; retry in ${resetSeconds} s`);
    }
    next();
  };
}

export async function purgeOldWindows(db: Db): Promise<void> {
  await db.delete(rateLimitWindows).where(lt(rateLimitWindows.windowStart, sql`now() - interval '2 minutes'`));
}
