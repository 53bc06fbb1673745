import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { apiKeys, partners } from '../db/schema';
import { newId } from './ids';

export type Role = 'partner' | 'reviewer' | 'ops';

export interface Principal {
  role: Role;
  /** The partner a partner (or partner-bound reviewer) key belongs to; null for ops. */
  partnerId: string | null;
  keyId: string;
  ipAllowList: string[];
}

/** Keys are long random secrets, so a fast hash suffices; only the hash is stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export async function createPartner(db: Db, input: { name: string; ipAllowList?: string[] }) {
  const [row] = await db
    .insert(partners)
    .values({ id: newId('prt'), name: input.name, ipAllowList: input.ipAllowList ?? [] })
    .returning();
  return row!;
}

export async function listPartners(db: Db) {
  return db.select().from(partners).orderBy(partners.createdAt, partners.id);
}

/** Creates a key and returns its secret: the only time it is ever shown. */
export async function createApiKey(db: Db, input: { partnerId: string | null; role: Role }) {
  const secret = `rk_${input.role}_${randomBytes(24).toString('base64url')}`;
  const [row] = await db
    .insert(apiKeys)
    .values({ id: newId('key'), partnerId: input.partnerId, role: input.role, secretHash: hashSecret(secret) })
    .returning();
  return { id: row!.id, role: row!.role, partner_id: row!.partnerId, secret };
}

/** The channel every API process listens on to drop a revoked key from its cache (api/api-key-cache.ts). */
export const API_KEY_CHANNEL = 'recoup_api_keys';

/**
 * Revokes a key and, in the same transaction, notifies every API process (delivered at commit):
 * their caches drop it at once, whichever process or command revoked it.
 */
export async function revokeApiKey(db: Db, keyId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx.update(apiKeys).set({ revokedAt: new Date() }).where(and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt))).returning({ secretHash: apiKeys.secretHash });
    for (const row of rows) await tx.execute(sql`select pg_notify(${API_KEY_CHANNEL}, ${row.secretHash})`);
    return rows.length > 0;
  });
}

export async function findPrincipal(db: Db, secret: string): Promise<Principal | null> {
  return findPrincipalByHash(db, hashSecret(secret));
}

export async function findPrincipalByHash(db: Db, secretHash: string): Promise<Principal | null> {
  const [row] = await db
    .select({ key: apiKeys, ipAllowList: partners.ipAllowList })
    .from(apiKeys)
    .leftJoin(partners, eq(partners.id, apiKeys.partnerId))
    .where(and(eq(apiKeys.secretHash, secretHash), isNull(apiKeys.revokedAt)));
  if (!row) return null;
  return { role: row.key.role, partnerId: row.key.partnerId, keyId: row.key.id, ipAllowList: row.ipAllowList ?? [] };
}
