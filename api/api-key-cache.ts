import type { Logger } from 'pino';
import type { Database, Db } from '../db/client';
import { API_KEY_CHANNEL, findPrincipalByHash, hashSecret, type Principal } from '../services/api-keys';

export interface ApiKeyCacheOptions {
  /** How long a key found is trusted without asking the database again (the staleness bound if a notification were lost). */
  ttlMs?: number;
  /** At most this many keys; the oldest go first. */
  maxEntries?: number;
  clock?: () => number;
}

/**
 * The API keys this process has seen, so the hot path (`GET /invoices/{id}`) costs no database
 * round trip to authenticate. Kept fresh by PostgreSQL notifications: revoking a key
 * (services/api-keys.ts `revokeApiKey`, from any process or the CLI) notifies `recoup_api_keys` in
 * its transaction, and every API process drops the key when it commits — in milliseconds,
 * well within the 1 s promised. The cache is trusted only while its listening connection is up:
 * when it drops, everything cached is forgotten and every request asks the database until
 * listening again. Entries also expire after `ttlMs` (60 s), a bound even if a notification were
 * ever missed. Unknown and revoked keys are never cached (a flood of made-up keys reaches the
 * database, as before, and is rate limited by nothing here; see docs/security.md).
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();
  private trusted = false;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly clock: () => number;

  constructor(
    private readonly db: Db,
    options: ApiKeyCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.clock = options.clock ?? Date.now;
  }

  async find(secret: string): Promise<Principal | null> {
    const hash = hashSecret(secret);
    const now = this.clock();
    const hit = this.trusted ? this.entries.get(hash) : undefined;
    if (hit && hit.until > now) return hit.principal;
    // Read whether the cache was trusted before the lookup: a key revoked while it ran would otherwise be stored after its notification.
    const trustedBefore = this.trusted;
    const generation = this.generation;
    const principal = await findPrincipalByHash(this.db, hash);
    if (principal && trustedBefore && this.trusted && generation === this.generation) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.delete(hash);
      this.entries.set(hash, { principal, until: now + this.ttlMs });
    }
    return principal;
  }

  /** Bumped by every notification and state change: a lookup that overlapped one does not store its answer. */
  private generation = 0;

  /** A key was revoked (its secret's hash). */
  forget(secretHash: string): void {
    this.generation += 1;
    this.entries.delete(secretHash);
  }

  /** Listening started (trust the cache from now on) or was lost (forget everything, trust nothing). */
  setListening(listening: boolean): void {
    this.generation += 1;
    this.entries.clear();
    this.trusted = listening;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A cache kept fresh by the database's notifications; `stop` ends the listening. */
export async function startApiKeyCache(database: Pick<Database, 'db' | 'listen'>, logger: Logger, options: ApiKeyCacheOptions = {}): Promise<{ cache: ApiKeyCache; stop: () => Promise<void> }> {
  const cache = new ApiKeyCache(database.db, options);
  const stop = await database.listen(
    API_KEY_CHANNEL,
    (hash) => cache.forget(hash),
    (state) => {
      cache.setListening(state === 'listening');
      if (state === 'lost') logger.warn('API key cache: the notification connection dropped; keys are read from the database until it is back');
    },
  );
  return { cache, stop };
}
