import type { RequestHandler } from 'express';
import { lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { rateLimitWindows } from '../db/schema';
import { principalOf } from './auth';
import { AppError } from './errors';

/** One in this many requests also deletes old windows, so the table stays small without a cron. */
const PURGE_ONE_IN = 1000;

/**
 * Per API key, a fixed one-minute window counted in the database: any number of API processes
 * share the count. One statement per request: the upsert counts the request and answers the
 * window's total and the seconds until it resets, both on the database's clock.
 * Mount after authentication; a limit of 0 switches limiting off.
 */
export function rateLimit(db: Db, limitPerMinute: number): RequestHandler {
  if (limitPerMinute <= 0) return (_req, _res, next) => next();
  return async (req, res, next) => {
    const bucket = principalOf(req).keyId;
    const [window] = await db
      .insert(rateLimitWindows)
      .values({ bucket, windowStart: sql`date_trunc('minute', now())`, hits: 1 })
      .onConflictDoUpdate({ target: [rateLimitWindows.bucket, rateLimitWindows.windowStart], set: { hits: sql`${rateLimitWindows.hits} + 1` } })
      .returning({
        hits: rateLimitWindows.hits,
        resetSeconds: sql<number>`ceil(extract(epoch from (${rateLimitWindows.windowStart} + interval '1 minute' - now())))::int`,
      });
    const hits = window!.hits;
    const resetSeconds = Math.max(1, Number(window!.resetSeconds));
    res.set({
      'RateLimit-Limit': String(limitPerMinute),
      'RateLimit-Remaining': String(Math.max(0, limitPerMinute - hits)),
      'RateLimit-Reset': String(resetSeconds),
    });
    if (Math.random() < 1 / PURGE_ONE_IN) void purgeOldWindows(db).catch((err: unknown) => req.log?.warn({ err }, 'purging rate-limit windows failed'));
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
