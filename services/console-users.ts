import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { and, eq, gt, lte } from 'drizzle-orm';
import type { Db } from '../db/client';
import { consoleSessions, consoleUsers } from '../db/schema';
import { newId } from './ids';

/** People who sign in to `/console`: reviewers decide debt cases, ops also verify companies and read the outbox. */
export type ConsoleRole = 'reviewer' | 'ops';
export const consoleRoles: readonly ConsoleRole[] = ['reviewer', 'ops'];
export type ConsoleUser = typeof consoleUsers.$inferSelect;

const SCRYPT = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
export const SESSION_TTL_MS = 12 * 3_600_000;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFKC'), salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `scrypt$N$r$p$<salt>$<hash>` (base64url): the parameters travel with the hash, so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash to compare against when the email is unknown, so a wrong email takes as long as a wrong password. */
let decoy: Promise<string> | undefined;

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

export async function createConsoleUser(db: Db, input: { email: string; role: ConsoleRole; password: string }): Promise<ConsoleUser> {
  if (!consoleRoles.includes(input.role)) throw new Error(`role must be one of ${consoleRoles.join(', ')}`);
  if (input.password.length < 10) throw new Error('the password must have at least 10 characters');
  const email = normaliseEmail(input.email);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new Error('the email is not valid');
  const [row] = await db
    .insert(consoleUsers)
    .values({ id: newId('usr'), email, role: input.role, passwordHash: await hashPassword(input.password) })
    .returning();
  return row!;
}

/** The user whose email and password these are, or null (the same for an unknown email and a wrong password). */
export async function authenticateConsoleUser(db: Db, email: string, password: string): Promise<ConsoleUser | null> {
  const [user] = await db.select().from(consoleUsers).where(eq(consoleUsers.email, normaliseEmail(email)));
  if (!user) {
    decoy ??= hashPassword('decoy password');
    await verifyPassword(password, await decoy);
    return null;
  }
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
