import { createHash, randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { preparedPerDb } from '../db/prepared';
import { idempotencyKeys } from '../db/schema';
import type { SecretBox } from '../services/secret-box';
import { principalOf } from './auth';
import { AppError } from './errors';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export interface IdempotencyOptions {
  /**
   * Seals every stored response: some carry a secret shown once (a new API key, a webhook
   * secret, a generated SFTP password), and a replay must answer it again, exactly.
   */
  secrets: SecretBox;
  /** How long a finished response is replayed (the contract: 24 h). */
  retentionMs?: number;
  /**
   * How long a running first request holds its key before another may take over. Node's own
   * `server.requestTimeout` is 300 s, so a request still alive never loses its claim.
   */
  leaseMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Headers worth replaying; the rest (dates, rate-limit counters) belong to the request that asks. */
const REPLAYED_RESPONSE_HEADERS = ['content-type', 'location'];
const PURGE_ONE_IN = 500;

/**
 * `Idempotency-Key` on POST, per the IETF draft. The first request with a key claims it by
 * inserting a row (insert-if-absent on the primary key, so concurrent API processes agree without
 * locks), runs, and its response is stored before it is sent. A later request with the same key
 * and the same method, path and body gets that response again, marked `Idempotent-Replayed: true`;
 * with another body, 422 `idempotency_key_reused`; while the first still runs, 409
 * `idempotency_key_in_use`. A 5xx releases the key, so a retry runs again.
 * Stored responses are sealed (AES-256-GCM, services/secret-box.ts), never kept in clear.
 * Mount after authentication (the key space is the API key's) and after the JSON body parser.
 */
/**
 * Claims a key for a request: a new row, or an expired one, or the same request's abandoned run
 * taken over; no row back when another run holds it. Prepared (every POST with a key runs it);
 * the lease and retention are parameters, so every middleware shares the one statement.
 */
const claimQuery = preparedPerDb((db) => {
  const lockedUntil = sql`now() + ${sql.placeholder('lease')}::interval`;
  const expiresAt = sql`now() + ${sql.placeholder('retention')}::interval`;
  return db
    .insert(idempotencyKeys)
    .values({
      scope: sql.placeholder('scope'),
      key: sql.placeholder('key'),
      fingerprint: sql.placeholder('fingerprint'),
      state: 'running',
      claimToken: sql.placeholder('claimToken'),
      lockedUntil,
      expiresAt,
    })
    .onConflictDoUpdate({
      target: [idempotencyKeys.scope, idempotencyKeys.key],
      set: {
        fingerprint: sql`excluded.fingerprint`,
        state: 'running',
        claimToken: sql`excluded.claim_token`,
        responseStatus: null,
        responseHeaders: null,
        responseBody: null,
        lockedUntil: sql`excluded.locked_until`,
        expiresAt: sql`excluded.expires_at`,
        createdAt: sql`now()`,
      },
      // Taken over only when expired, or when the same request's earlier run was abandoned.
      setWhere: sql`${idempotencyKeys.expiresAt} <= now() or (${idempotencyKeys.state} = 'running' and ${idempotencyKeys.lockedUntil} <= now() and ${idempotencyKeys.fingerprint} = excluded.fingerprint)`,
    })
    .returning({ claimToken: idempotencyKeys.claimToken })
    .prepare('idempotency_claim');
});

/** Stores a claimed key's finished response (prepared: every POST with a key that runs ends here). */
const completeQuery = preparedPerDb((db) =>
  db
    .update(idempotencyKeys)
    .set({ state: 'completed', responseStatus: sql`${sql.placeholder('status')}`, responseHeaders: sql`${sql.placeholder('headers')}`, responseBody: sql`${sql.placeholder('body')}` })
    .where(and(eq(idempotencyKeys.scope, sql.placeholder('scope')), eq(idempotencyKeys.key, sql.placeholder('key')), eq(idempotencyKeys.claimToken, sql.placeholder('claimToken'))))
    .prepare('idempotency_complete'),
);

export function idempotency(db: Db, options: IdempotencyOptions): RequestHandler {
  const retentionMs = options.retentionMs ?? DAY_MS;
  const leaseMs = options.leaseMs ?? 300_000;

  return async (req, res, next) => {
    if (req.method !== 'POST') return next();
    const header = req.get(IDEMPOTENCY_KEY_HEADER);
    if (header === undefined) return next();
    const key = parseKey(header);
    const scope = principalOf(req).keyId;
    const fingerprint = requestFingerprint(req);

    // A few rounds at most: the row we lost to may be released (5xx) between our insert and read.
    for (let round = 0; round < 3; round++) {
      const claimToken = randomUUID();
      const [claimed] = await claimQuery(db).execute({ scope, key, fingerprint, claimToken, lease: `${leaseMs} milliseconds`, retention: `${retentionMs} milliseconds` });

      if (claimed) {
        if (Math.random() < 1 / PURGE_ONE_IN) void purgeExpiredIdempotencyKeys(db).catch((err: unknown) => req.log.warn({ err }, 'purging idempotency keys failed'));
        recordResponse(db, options.secrets, req, res, { scope, key, claimToken });
        return next();
      }

      const [existing] = await db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
      if (!existing) continue;
      if (existing.fingerprint !== fingerprint) {
        throw new AppError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request; use a new key for a new request');
      }
      if (existing.state === 'running') break;
      res.status(existing.responseStatus!);
      res.set(existing.responseHeaders ?? {});
      res.set(REPLAYED_HEADER, 'true');
      res.send(Buffer.from(options.secrets.open(existing.responseBody ?? ''), 'utf8'));
      return;
    }
    res.set('Retry-After', '1');
    throw new AppError(409, 'idempotency_key_in_use', 'A request with this Idempotency-Key is still being processed; retry later');
  };
}

/** Accepts the draft's structured-field string (`"abc"`) and the bare token most clients send. */
function parseKey(header: string): string {
  const trimmed = header.trim();
  const quoted = /^"(.*)"$/.exec(trimmed)?.[1];
  if (quoted === undefined && (trimmed.startsWith('"') || trimmed.endsWith('"'))) {
    throw new AppError(400, 'idempotency_key_invalid', 'The Idempotency-Key is a quoted string without its other quote', [
      { path: IDEMPOTENCY_KEY_HEADER, message: 'must be a token or a complete quoted string' },
    ]);
  }
  const key = quoted ?? trimmed;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new AppError(400, 'idempotency_key_invalid', `The Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, [
      { path: IDEMPOTENCY_KEY_HEADER, message: `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` },
    ]);
  }
  return key;
}

/**
 * Method, path with query, and body. A JSON body is hashed in canonical form (keys sorted), so
 * a client re-serialising the same object is not mistaken for a new request. Other bodies
 * (multipart) are not read here, the route streams them: they count by media type and length.
 */
export function requestFingerprint(req: Request): string {
  const hash = createHash('sha256').update(req.method).update('\n').update(req.originalUrl).update('\n');
  if (req.is('application/json')) hash.update(canonicalJson(req.body ?? null));
  else hash.update(`${(req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()}:${req.get('content-length') ?? ''}`);
  return hash.digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

type End = Response['end'];

/**
 * Stores the response before it leaves: `res.end` is held until the row says `completed`, so a
 * client that retries the moment it reads the answer is replayed, never told "in use".
 * Everything Express sends (json, send, the error middleware) ends in `res.end`.
 */
function recordResponse(db: Db, secrets: SecretBox, req: Request, res: Response, claim: { scope: string; key: string; claimToken: string }): void {
  const chunks: Buffer[] = [];
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  const ours = and(eq(idempotencyKeys.scope, claim.scope), eq(idempotencyKeys.key, claim.key), eq(idempotencyKeys.claimToken, claim.claimToken));

  res.write = ((...args: unknown[]) => {
    collect(chunks, args);
    return write(...args);
  }) as Response['write'];

  res.end = ((...args: unknown[]) => {
    collect(chunks, args);
    res.end = end as End;
    const settle =
      res.statusCode >= 500
        ? db.delete(idempotencyKeys).where(ours)
        : completeQuery(db).execute({ ...claim, status: res.statusCode, headers: replayedHeaders(res), body: secrets.seal(Buffer.concat(chunks).toString('utf8')) });
    settle.then(
      () => end(...args),
      (err: unknown) => {
        // The answer still goes out; the key stays claimed until its lease ends.
        req.log.error({ err }, 'storing the idempotent response failed');
        end(...args);
      },
    );
    return res;
  }) as End;
}

function collect(chunks: Buffer[], args: unknown[]): void {
  const [chunk, encoding] = args;
  if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
  if (Buffer.isBuffer(chunk)) chunks.push(chunk);
  else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  else chunks.push(Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
}

function replayedHeaders(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of REPLAYED_RESPONSE_HEADERS) {
    const value = res.getHeader(name);
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/** Deletes a bounded batch of expired records (they are ignored and overwritten anyway). */
export async function purgeExpiredIdempotencyKeys(db: Db, batch = 1000): Promise<void> {
  const t = idempotencyKeys;
  await db.execute(
    sql`delete from ${t} where (${t.scope}, ${t.key}) in (select ${t.scope}, ${t.key} from ${t} where ${t.expiresAt} <= now() limit ${batch})`,
  );
}
