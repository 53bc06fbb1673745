import { and, eq, lt, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { signInAudit, signInThrottles } from '../db/schema';
import { HashPool, PasswordHashingBusy, passwordHashPool } from './password-hashing';

/**
 * Throttling of password sign-ins (console users, SFTP logins, and company users' sign-in links
 * when they come), per account and per source address, in the database so that every process
 * shares it.
 *
 * Every attempt is counted *before* its password is checked, so parallel guesses cannot slip
 * through between a check and its failure being recorded; a success takes its count back. After
 * `free` attempts in a row each further one pushes the next allowed attempt out by a doubling
 * delay (1 s, 2 s, 4 s …), and at `lockAt` the key is locked for `lockMs`. An attempt made while
 * blocked is refused without hashing the password, and still counts: after a lock, the next
 * checked attempt locks again at once unless the key was left alone for `windowMs`, after which
 * it is forgotten.
 *
 * Unknown accounts are counted exactly like known ones, so a lock says nothing about whether
 * the account exists.
 */
export type SignInKind = 'console' | 'sftp' | 'company_user';

export interface ThrottleRule {
  /** Attempts in a row that are never delayed. */
  free: number;
  /** The attempt count that starts a lock. */
  lockAt: number;
  lockMs: number;
  /** The longest back-off before the lock. */
  maxBackoffMs: number;
}

export interface ThrottlePolicy {
  account: ThrottleRule;
  /** An address tries many accounts (an office behind one NAT too), so it gets more room. */
  address: ThrottleRule;
  /** A key with no attempt for this long starts again from zero. */
  windowMs: number;
}

export const defaultThrottlePolicy: ThrottlePolicy = {
  account: { free: 3, lockAt: 10, lockMs: 15 * 60_000, maxBackoffMs: 60_000 },
  address: { free: 20, lockAt: 100, lockMs: 15 * 60_000, maxBackoffMs: 60_000 },
  windowMs: 15 * 60_000,
};

export interface SignInAttempt {
  kind: SignInKind;
  /** The normalised account name as typed (it may not exist). */
  account: string;
  /** The source address (the client's IP). */
  address: string;
}

export type SignInOutcome<T> =
  | { ok: true; value: T }
  /** Wrong password or unknown account. */
  | { ok: false; reason: 'failed' }
  /** Blocked by back-off or a lock; the password was not checked. */
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number }
  /** The hash pool was full; the password was not checked. */
  | { ok: false; reason: 'busy'; retryAfterSeconds: number };

type Scope = 'account' | 'address';
type Outcome = (typeof signInAudit.$inferInsert)['outcome'];

/** One in this many attempts also deletes forgotten keys, so the table stays small without a cron. */
const PURGE_ONE_IN = 200;

export class SignInThrottle {
  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    readonly policy: ThrottlePolicy = defaultThrottlePolicy,
    private readonly clock: () => Date = () => new Date(),
    private readonly pool: HashPool = passwordHashPool,
  ) {}

  /** Attempts turned away because the hash pool was full, since the last log line about them. */
  private busySinceLog = 0;
  private lastBusyLog = 0;

  /**
   * Runs `check` (which hashes the password and answers the account, or null when it is wrong)
   * unless the account or the address is blocked; counts, audits and logs the attempt either way.
   */
  async attempt<T>(attempt: SignInAttempt, check: () => Promise<T | null>): Promise<SignInOutcome<T>> {
    const now = this.clock();
    // A full hash pool means a flood: answer at once, before any database work, so the flood costs
    // this process next to nothing. Not counted against the account (nothing was checked) and
    // logged in aggregate, not per attempt.
    if (this.pool.saturated) {
      this.busySinceLog += 1;
      if (now.getTime() - this.lastBusyLog >= 10_000) {
        this.logger.warn({ kind: attempt.kind, refused: this.busySinceLog, last_account: attempt.account, last_address: attempt.address }, 'sign-ins refused: password hashing is saturated');
        this.busySinceLog = 0;
        this.lastBusyLog = now.getTime();
      }
      return { ok: false, reason: 'busy', retryAfterSeconds: 2 };
    }
    const { account, address } = await this.count(attempt, now);
    if (Math.random() < 1 / PURGE_ONE_IN) void this.purge(now).catch((err: unknown) => this.logger.warn({ err }, 'purging sign-in throttles failed'));

    const blocked = [account, address].filter((c) => c.blockedUntil && c.blockedUntil > now);
    for (const c of [account, address]) if (c.lockedNow) await this.audit(attempt, 'locked', c.scope);
    if (blocked.length > 0) {
      const until = Math.max(...blocked.map((c) => c.blockedUntil!.getTime()));
      await this.audit(attempt, 'refused', blocked.map((c) => c.scope).join(','));
      return { ok: false, reason: 'throttled', retryAfterSeconds: Math.max(1, Math.ceil((until - now.getTime()) / 1000)) };
    }

    let value: T | null;
    try {
      value = await check();
    } catch (err) {
      if (!(err instanceof PasswordHashingBusy)) throw err;
      // Not a guess that was checked: it is not held against the account.
      await this.forgive(attempt, 'account', attempt.account, false);
      await this.audit(attempt, 'busy', null);
      return { ok: false, reason: 'busy', retryAfterSeconds: 2 };
    }
    if (value === null) {
      await this.audit(attempt, 'failed', null);
      return { ok: false, reason: 'failed' };
    }
    // The right password: the account starts afresh; the address only takes this attempt back,
    // so an attacker's own valid login cannot wash out its guesses at others.
    await this.forgive(attempt, 'account', attempt.account, true);
    await this.forgive(attempt, 'address', attempt.address, false);
    await this.audit(attempt, 'succeeded', null);
    return { ok: true, value };
  }

  /**
   * Counts one attempt on the account and on the address (one statement for both) and sets the
   * back-off or lock that count earns. An attempt refused by a block does not move the block
   * (a flood against a lock costs one write each), except the one whose count reaches the lock.
   */
  private async count(attempt: SignInAttempt, now: Date) {
    const t = signInThrottles;
    const forgotten = sql`${t.lastAttemptAt} < ${new Date(now.getTime() - this.policy.windowMs).toISOString()}::timestamptz`;
    const keys = { account: attempt.account, address: attempt.address };
    const rows = await this.db
      .insert(t)
      .values((['account', 'address'] as const).map((scope) => ({ kind: attempt.kind, scope, key: keys[scope], failures: 1, lastAttemptAt: now, blockedUntil: null })))
      .onConflictDoUpdate({
        target: [t.kind, t.scope, t.key],
        set: {
          failures: sql`case when ${forgotten} then 1 else ${t.failures} + 1 end`,
          blockedUntil: sql`case when ${forgotten} then null else ${t.blockedUntil} end`,
          lastAttemptAt: now,
        },
      })
      .returning({ scope: t.scope, failures: t.failures, blockedUntil: t.blockedUntil });
    const counted = rows.map((row) => {
      const { scope, failures } = row;
      const rule = this.policy[scope];
      // The block as it stood before this attempt decides whether this attempt is checked.
      const blocked = row.blockedUntil !== null && row.blockedUntil > now;
      let next: number | null = null;
      if (failures === rule.lockAt || (failures > rule.lockAt && !blocked)) next = now.getTime() + rule.lockMs;
      else if (failures > rule.free && failures < rule.lockAt && !blocked) next = now.getTime() + Math.min(rule.maxBackoffMs, 1000 * 2 ** (failures - rule.free - 1));
      const lockedNow = failures >= rule.lockAt && next !== null;
      return { scope, failures, blockedUntil: row.blockedUntil, lockedNow, next };
    });
    for (const c of counted) {
      if (c.next === null) continue;
      await this.db
        .update(t)
        .set({ blockedUntil: new Date(c.next) })
        .where(and(eq(t.kind, attempt.kind), eq(t.scope, c.scope), eq(t.key, keys[c.scope])));
      if (c.lockedNow) this.logger.warn({ kind: attempt.kind, scope: c.scope, account: attempt.account, address: attempt.address, failures: c.failures }, 'sign-in locked');
    }
    return { account: counted.find((c) => c.scope === 'account')!, address: counted.find((c) => c.scope === 'address')! };
  }

  /** Takes an attempt back: all of them (`reset`, after a success on the account) or this one. */
  private async forgive(attempt: SignInAttempt, scope: Scope, key: string, reset: boolean): Promise<void> {
    const t = signInThrottles;
    const which = and(eq(t.kind, attempt.kind), eq(t.scope, scope), eq(t.key, key));
    if (reset) await this.db.delete(t).where(which);
    else await this.db.update(t).set({ failures: sql`greatest(${t.failures} - 1, 0)` }).where(which);
  }

  private async audit(attempt: SignInAttempt, outcome: Outcome, detail: string | null): Promise<void> {
    await this.db.insert(signInAudit).values({ kind: attempt.kind, account: attempt.account, address: attempt.address, outcome, detail });
    if (outcome !== 'succeeded') this.logger.info({ kind: attempt.kind, account: attempt.account, address: attempt.address, outcome, detail }, 'sign-in refused');
  }

  private async purge(now: Date): Promise<void> {
    const t = signInThrottles;
    await this.db
      .delete(t)
      .where(and(lt(t.lastAttemptAt, new Date(now.getTime() - this.policy.windowMs)), sql`coalesce(${t.blockedUntil} < ${now.toISOString()}::timestamptz, true)`));
  }
}
