import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, lte, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client';
import { consoleSessions, consoleUsers, partners } from '../db/schema';
import { newId } from './ids';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from './password-hashing';

/**
 * People who sign in to `/console`: reviewers decide debt cases, agents work the debtors'
 * conversations, ops also verify companies and read the outbox.
 */
export type ConsoleRole = 'reviewer' | 'agent' | 'ops';
export const consoleRoles: readonly ConsoleRole[] = ['reviewer', 'agent', 'ops'];
export type ConsoleUser = typeof consoleUsers.$inferSelect;

/**
 * What a console user may see: a user bound to a partner sees only that partner's companies,
 * cases and conversations (`partnerId`); a global user (ops) sees every partner's (`null`).
 *
 * A reviewer or agent bound to no partner (accounts made before partners were bound) sees
 * nothing: their scope is `UNBOUND_SCOPE`, a partner id no partner has, so every filter on it
 * matches no row. Ops bind them with `users:bind`. Fail closed: an unbound account seeing every
 * partner's data was the hole this closes.
 */
export interface ConsoleScope {
  partnerId: string | null;
}

/** The partner id of an unbound reviewer's or agent's scope: no partner has it (ids are `ptn_…`). */
export const UNBOUND_SCOPE = '(unbound)';

export const consoleScope = (user: Pick<ConsoleUser, 'partnerId' | 'role'>): ConsoleScope => ({
  partnerId: user.role === 'ops' ? null : (user.partnerId ?? UNBOUND_SCOPE),
});

/** The condition that keeps a query to the scope's partner (`undefined`: global, no condition). */
export function inScope(scope: ConsoleScope, partnerColumn: AnyPgColumn): SQL | undefined {
  return scope.partnerId === null ? undefined : eq(partnerColumn, scope.partnerId);
}

/** Whether a row of partner `partnerId` is within the scope. */
export const isInScope = (scope: ConsoleScope, partnerId: string): boolean => scope.partnerId === null || scope.partnerId === partnerId;

/** Why a console user's partner binding is refused (the CLI prints `message`). */
export class ConsoleUserRefused extends Error {}

/** Reviewers and agents work for one partner; ops are global. Checks the partner exists. */
async function checkBinding(db: Pick<Db, 'select'>, role: ConsoleRole, partnerId: string | null | undefined): Promise<void> {
  if (role === 'ops') {
    if (partnerId) throw new ConsoleUserRefused('ops users are global: no --partner');
    return;
  }
  if (!partnerId) throw new ConsoleUserRefused(`a ${role} works for one partner: --partner <partner id> is required`);
  const [p] = await db.select({ id: partners.id }).from(partners).where(eq(partners.id, partnerId));
  if (!p) throw new ConsoleUserRefused(`no partner ${partnerId}`);
}

export const SESSION_TTL_MS = 12 * 3_600_000;

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

export async function createConsoleUser(
  db: Db,
  input: { email: string; role: ConsoleRole; password: string; partnerId?: string | null },
  options: { requireBinding?: boolean } = {},
): Promise<ConsoleUser> {
  if (!consoleRoles.includes(input.role)) throw new Error(`role must be one of ${consoleRoles.join(', ')}`);
  if (input.role === 'ops' && input.partnerId) throw new ConsoleUserRefused('ops users are global: no --partner');
  // The CLI always checks; callers inside the code (tests, seeds) may make an unbound reviewer, who sees nothing.
  if (options.requireBinding) await checkBinding(db, input.role, input.partnerId);
  if (input.password.length < 10) throw new Error('the password must have at least 10 characters');
  const email = normaliseEmail(input.email);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new Error('the email is not valid');
  const [row] = await db
    .insert(consoleUsers)
    .values({ id: newId('usr'), email, role: input.role, partnerId: input.partnerId ?? null, passwordHash: await hashPassword(input.password) })
    .returning();
  return row!;
}

/**
 * The user whose email and password these are, or null (the same for an unknown email and a wrong
 * password). Throws `PasswordHashingBusy` when the hash pool is full; sign-in goes through
 * `SignInThrottle`, which also answers that.
 */
export async function authenticateConsoleUser(db: Db, email: string, password: string): Promise<ConsoleUser | null> {
  const [user] = await db.select().from(consoleUsers).where(eq(consoleUsers.email, normaliseEmail(email)));
  if (!user) return verifyAgainstDecoy('console users', password).then(() => null);
  return (await verifyPassword(password, user.passwordHash)) ? user : null;
}

const hashSessionId = (id: string): string => createHash('sha256').update(id).digest('hex');

/** Opens a session and returns its id: the cookie's value, never stored as such. */
export async function createConsoleSession(db: Db, userId: string, now = new Date()): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  await db.insert(consoleSessions).values({ idHash: hashSessionId(id), userId, expiresAt: new Date(now.getTime() + SESSION_TTL_MS) });
  // Expired sessions of anyone are swept now and then (a sign-in is a fine moment).
  await db.delete(consoleSessions).where(lte(consoleSessions.expiresAt, now));
  return id;
}

export async function findConsoleSession(db: Db, id: string, now = new Date()): Promise<ConsoleUser | null> {
  const [row] = await db
    .select({ user: consoleUsers })
    .from(consoleSessions)
    .innerJoin(consoleUsers, eq(consoleUsers.id, consoleSessions.userId))
    .where(and(eq(consoleSessions.idHash, hashSessionId(id)), gt(consoleSessions.expiresAt, now)));
  return row?.user ?? null;
}

export async function deleteConsoleSession(db: Db, id: string): Promise<void> {
  await db.delete(consoleSessions).where(eq(consoleSessions.idHash, hashSessionId(id)));
}

/** Binds a reviewer or agent to a partner (or moves them to another); their open sessions see the new scope at once. */
export async function bindConsoleUser(db: Db, user: { id: string } | { email: string }, partnerId: string): Promise<ConsoleUser | null> {
  const [row] = await db
    .select()
    .from(consoleUsers)
    .where('id' in user ? eq(consoleUsers.id, user.id) : eq(consoleUsers.email, normaliseEmail(user.email)));
  if (!row) return null;
  await checkBinding(db, row.role, partnerId);
  const [updated] = await db.update(consoleUsers).set({ partnerId, updatedAt: sql`now()` }).where(eq(consoleUsers.id, row.id)).returning();
  return updated!;
}

export async function listConsoleUsers(db: Db): Promise<ConsoleUser[]> {
  return db.select().from(consoleUsers).orderBy(consoleUsers.createdAt, consoleUsers.id);
}

/**
 * Ends a person's console access at once: their sessions and their account go (the sign-in audit
 * keeps their email). The revoked user, or null when there is none. The same email may be given an account again.
 */
export async function revokeConsoleUser(db: Db, user: { id: string } | { email: string }): Promise<ConsoleUser | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(consoleUsers)
      .where('id' in user ? eq(consoleUsers.id, user.id) : eq(consoleUsers.email, normaliseEmail(user.email)));
    if (!row) return null;
    await tx.delete(consoleSessions).where(eq(consoleSessions.userId, row.id));
    await tx.delete(consoleUsers).where(eq(consoleUsers.id, row.id));
    return row;
  });
}
