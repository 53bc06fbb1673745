import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, asc, count, eq, gt, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { companies, companySessions, companySignInLinks, companyUsers } from '../db/schema';
import { conflict, invalidField, notFound } from '../domain/errors';
import { newId } from './ids';

/**
 * Company users: the people of a company (a club's treasurer) who sign in to `/dashboard` with a
 * one-time link sent by email. `admin` may change things, `viewer` only looks; either sees only
 * their own company.
 *
 * A sign-in link is `<link id>.<HMAC(secret, link id)>`: nothing secret is stored, so the email
 * can be (re)built from the row by the activity that sends it, and a copy of the table opens no
 * session. A link lives 15 minutes and opens one session: redeeming it sets `used_at` in the same
 * statement that checks it was unused and unexpired, so two tabs racing with one link get one session.
 */
export type CompanyUserRole = 'admin' | 'viewer';
export const companyUserRoles: readonly CompanyUserRole[] = ['admin', 'viewer'];
export type CompanyUser = typeof companyUsers.$inferSelect;
export type CompanySignInLink = typeof companySignInLinks.$inferSelect;

export const SIGN_IN_LINK_TTL_MS = 15 * 60_000;
export const COMPANY_SESSION_TTL_MS = 12 * 3_600_000;
/** At most this many links per user in `SIGN_IN_LINK_TTL_MS`: more asks are answered the same, and send nothing. */
export const SIGN_IN_LINKS_PER_WINDOW = 3;

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

// -- links ---------------------------------------------------------------------------------------

const linkSignature = (secret: string, linkId: string): string => createHmac('sha256', secret).update(`company-sign-in\n${linkId}`).digest('base64url');

/** The token of a link (what its URL carries). */
export const signInToken = (secret: string, linkId: string): string => `${linkId}.${linkSignature(secret, linkId)}`;

/** The link id a token names when its signature is right; null for anything else. */
export function linkIdOfToken(secret: string, token: string): string | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 200) return null;
  const id = token.slice(0, dot);
  const expected = Buffer.from(linkSignature(secret, id));
  const given = Buffer.from(token.slice(dot + 1));
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}

export const signInUrl = (publicBaseUrl: string, secret: string, linkId: string): string => `${publicBaseUrl}/dashboard/sign-in/${signInToken(secret, linkId)}`;

/**
 * Makes a link for a live user, unless they already had `SIGN_IN_LINKS_PER_WINDOW` in the last
 * 15 minutes (then null: the caller answers the same either way and sends nothing).
 */
export async function createSignInLink(db: Pick<Db, 'select' | 'insert'>, userId: string, purpose: CompanySignInLink['purpose'], now: Date): Promise<CompanySignInLink | null> {
  const [recent] = await db
    .select({ n: count() })
    .from(companySignInLinks)
    .where(and(eq(companySignInLinks.userId, userId), gt(companySignInLinks.createdAt, new Date(now.getTime() - SIGN_IN_LINK_TTL_MS))));
  if ((recent?.n ?? 0) >= SIGN_IN_LINKS_PER_WINDOW) return null;
  const [link] = await db
    .insert(companySignInLinks)
    .values({ id: newId('sil'), userId, purpose, expiresAt: new Date(now.getTime() + SIGN_IN_LINK_TTL_MS), createdAt: now })
    .returning();
  return link!;
}

/** The live users an email address belongs to (one per company it was added to). */
export async function liveUsersByEmail(db: Db, email: string): Promise<CompanyUser[]> {
  return db
    .select()
    .from(companyUsers)
    .where(and(eq(companyUsers.email, normaliseEmail(email)), isNull(companyUsers.revokedAt)))
    .orderBy(asc(companyUsers.createdAt));
}

/** What the sending activity needs: the link, its user and company; null when the link can no longer be used. */
export async function linkToSend(db: Db, linkId: string, now: Date) {
  const [row] = await db
    .select({ link: companySignInLinks, user: companyUsers, companyName: companies.name })
    .from(companySignInLinks)
    .innerJoin(companyUsers, eq(companyUsers.id, companySignInLinks.userId))
    .innerJoin(companies, eq(companies.id, companyUsers.companyId))
    .where(eq(companySignInLinks.id, linkId));
  if (!row) return { state: 'missing' as const };
  if (row.link.usedAt || row.link.expiresAt <= now || row.user.revokedAt) return { state: 'void' as const };
  return { state: 'sendable' as const, ...row };
}

export type RedeemOutcome = { ok: true; sessionId: string; user: CompanyUser } | { ok: false; reason: 'invalid' | 'expired' | 'used' };

/** Opens a session with a link's token: once, within 15 minutes, for a user not revoked. */
export async function redeemSignInLink(db: Db, secret: string, token: string, now: Date): Promise<RedeemOutcome> {
  const linkId = linkIdOfToken(secret, token);
  if (!linkId) return { ok: false, reason: 'invalid' };
  return db.transaction(async (tx) => {
    const [claimed] = await tx
      .update(companySignInLinks)
      .set({ usedAt: now })
      .where(and(eq(companySignInLinks.id, linkId), isNull(companySignInLinks.usedAt), gt(companySignInLinks.expiresAt, now)))
      .returning();
    if (!claimed) {
      const [link] = await tx.select().from(companySignInLinks).where(eq(companySignInLinks.id, linkId));
      return { ok: false as const, reason: !link ? ('invalid' as const) : link.usedAt ? ('used' as const) : ('expired' as const) };
    }
    const [user] = await tx
      .update(companyUsers)
      .set({ lastSignInAt: now })
      .where(and(eq(companyUsers.id, claimed.userId), isNull(companyUsers.revokedAt)))
      .returning();
    if (!user) return { ok: false as const, reason: 'invalid' as const };
    const sessionId = randomBytes(32).toString('base64url');
    await tx.insert(companySessions).values({ idHash: hashSessionId(sessionId), userId: user.id, expiresAt: new Date(now.getTime() + COMPANY_SESSION_TTL_MS), createdAt: now });
    // Expired sessions of anyone are swept now and then (a sign-in is a fine moment).
    await tx.delete(companySessions).where(lte(companySessions.expiresAt, now));
    return { ok: true as const, sessionId, user };
  });
}

// -- sessions ------------------------------------------------------------------------------------

const hashSessionId = (id: string): string => createHash('sha256').update(id).digest('hex');

export type CompanyCompany = typeof companies.$inferSelect;

/** The signed-in user and their company, or null (unknown, expired, or the user revoked). */
export async function findCompanySession(db: Db, id: string, now = new Date()): Promise<{ user: CompanyUser; company: CompanyCompany } | null> {
  const [row] = await db
    .select({ user: companyUsers, company: companies })
    .from(companySessions)
    .innerJoin(companyUsers, eq(companyUsers.id, companySessions.userId))
    .innerJoin(companies, eq(companies.id, companyUsers.companyId))
    .where(and(eq(companySessions.idHash, hashSessionId(id)), gt(companySessions.expiresAt, now), isNull(companyUsers.revokedAt)));
  return row ?? null;
}

export async function deleteCompanySession(db: Db, id: string): Promise<void> {
  await db.delete(companySessions).where(eq(companySessions.idHash, hashSessionId(id)));
}

// -- the users of a company (partner API) ----------------------------------------------------------

/**
 * Adds a person to a company and makes their invitation link, in one transaction; `afterCreate`
 * runs inside it (the API starts the email's workflow there, whose activity waits for the commit).
 */
export async function createCompanyUser(
  db: Db,
  company: CompanyCompany,
  input: { email: string; role: CompanyUserRole },
  now: Date,
  afterCreate: (user: CompanyUser, link: CompanySignInLink) => Promise<void>,
): Promise<CompanyUser> {
  const email = normaliseEmail(input.email);
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: companyUsers.id })
      .from(companyUsers)
      .where(and(eq(companyUsers.companyId, company.id), eq(companyUsers.email, email), isNull(companyUsers.revokedAt)));
    if (existing) throw conflict('company_user_exists', `${email} is already a user of this company`, [{ path: 'email', message: 'already a user of this company' }]);
    const [user] = await tx
      .insert(companyUsers)
      .values({ id: newId('cus'), companyId: company.id, email, role: input.role, locale: company.locale, createdAt: now })
      .returning();
    const link = await createSignInLink(tx, user!.id, 'invitation', now);
    await afterCreate(user!, link!);
    return user!;
  });
}

export async function listCompanyUsers(db: Db, companyId: string): Promise<CompanyUser[]> {
  return db
    .select()
    .from(companyUsers)
    .where(and(eq(companyUsers.companyId, companyId), isNull(companyUsers.revokedAt)))
    .orderBy(asc(companyUsers.createdAt), asc(companyUsers.id));
}

/** A live user with the company's partner, for the tenancy check of `DELETE /company_users/{id}`. */
export async function findCompanyUser(db: Db, id: string): Promise<{ user: CompanyUser; partnerId: string } | null> {
  const [row] = await db
    .select({ user: companyUsers, partnerId: companies.partnerId })
    .from(companyUsers)
    .innerJoin(companies, eq(companies.id, companyUsers.companyId))
    .where(and(eq(companyUsers.id, id), isNull(companyUsers.revokedAt)));
  return row ?? null;
}

/** Ends a company user's access at once: every session and unused link goes with it. */
export async function revokeCompanyUser(db: Db, id: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(companyUsers)
      .set({ revokedAt: now })
      .where(and(eq(companyUsers.id, id), isNull(companyUsers.revokedAt)))
      .returning({ id: companyUsers.id });
    if (!row) throw notFound('company user');
    await tx.delete(companySessions).where(eq(companySessions.userId, id));
    await tx.update(companySignInLinks).set({ usedAt: sql`coalesce(${companySignInLinks.usedAt}, ${now.toISOString()}::timestamptz)` }).where(eq(companySignInLinks.userId, id));
  });
}

/** The email address as given in a form, or a field error. */
export function checkedEmail(value: unknown): string {
  const email = typeof value === 'string' ? normaliseEmail(value) : '';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 320) throw invalidField('email', 'must be an email address');
  return email;
}
