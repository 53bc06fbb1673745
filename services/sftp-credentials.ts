import { randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { utils, type ParsedKey } from 'ssh2';
import type { Db } from '../db/client';
import { partners, sftpCredentials } from '../db/schema';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from './password-hashing';
import { newId } from './ids';
import { MIN_SFTP_PASSWORD_LENGTH, SFTP_USERNAME, SFTP_USERNAME_RULE } from '../domain/sftp-login';
import { DomainError, type ErrorKind } from '../domain/errors';

/** A partner's SFTP login: a username, and a password and/or OpenSSH public keys. */
export type SftpCredential = typeof sftpCredentials.$inferSelect;

type SftpRefusal = 'invalid' | 'username_taken' | 'no_partner';
const refusals: Record<SftpRefusal, { kind: ErrorKind; code: string }> = {
  invalid: { kind: 'unprocessable', code: 'validation_failed' },
  username_taken: { kind: 'conflict', code: 'username_taken' },
  no_partner: { kind: 'not_found', code: 'not_found' },
};

/** Why a login cannot be made: `field` names the input at fault, `reason` why. The CLI prints the message. */
export class SftpCredentialError extends DomainError {
  constructor(
    message: string,
    readonly reason: SftpRefusal = 'invalid',
    readonly field: 'username' | 'password' | 'public_keys' | null = null,
  ) {
    super(refusals[reason].kind, refusals[reason].code, message, reason === 'no_partner' ? [] : [{ path: field ?? '', message }]);
    this.name = 'SftpCredentialError';
  }
}

const USERNAME = SFTP_USERNAME;
const MIN_PASSWORD_LENGTH = MIN_SFTP_PASSWORD_LENGTH;

export const normaliseSftpUsername = (username: string): string => username.trim().toLowerCase();

/**
 * The public keys of an `authorized_keys`-style text (one key a line; blank lines and `#` comments
 * skipped), each as `<type> <base64> [comment]`. A private key or anything unreadable is refused.
 */
export function parseAuthorizedKeys(text: string): string[] {
  if (/PRIVATE KEY-----/.test(text)) throw new SftpCredentialError('a private key; give the public key (.pub)', 'invalid', 'public_keys');
  const keys: string[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parsed = utils.parseKey(line);
    if (parsed instanceof Error) throw new SftpCredentialError(`line ${index + 1}: not an OpenSSH public key`, 'invalid', 'public_keys');
    if (parsed.isPrivateKey()) throw new SftpCredentialError('a private key; give the public key (.pub)', 'invalid', 'public_keys');
    keys.push(`${parsed.type} ${parsed.getPublicSSH().toString('base64')}${parsed.comment ? ` ${parsed.comment}` : ''}`);
  }
  return keys;
}

export interface CreatedSftpCredential {
  id: string;
  partner_id: string;
  username: string;
  /** The password, shown once: the one given, or a generated one when neither a password nor a key was given. */
  password: string | null;
  public_keys: string[];
}

/** Creates a login for a partner. Without a password or key, a random password is generated (and answered once). */
export async function createSftpCredential(
  db: Db,
  input: { partnerId: string; username: string; password?: string; publicKeys?: string[] },
): Promise<CreatedSftpCredential> {
  const username = normaliseSftpUsername(input.username);
  if (!USERNAME.test(username)) throw new SftpCredentialError(SFTP_USERNAME_RULE, 'invalid', 'username');
  if (input.password !== undefined && input.password.length < MIN_PASSWORD_LENGTH) {
    throw new SftpCredentialError(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`, 'invalid', 'password');
  }
  const publicKeys = parseAuthorizedKeys((input.publicKeys ?? []).join('\n'));
  const [partner] = await db.select({ id: partners.id }).from(partners).where(eq(partners.id, input.partnerId));
  if (!partner) throw new SftpCredentialError(`no partner ${input.partnerId}`, 'no_partner');
  const [taken] = await db
    .select({ id: sftpCredentials.id })
    .from(sftpCredentials)
    .where(and(eq(sftpCredentials.username, username), isNull(sftpCredentials.revokedAt)));
  if (taken) throw new SftpCredentialError(`the username ${username} is taken`, 'username_taken', 'username');
  const password = input.password ?? (publicKeys.length === 0 ? randomBytes(18).toString('base64url') : undefined);
  const [row] = await db
    .insert(sftpCredentials)
    .values({
      id: newId('sftp'),
      partnerId: partner.id,
      username,
      passwordHash: password === undefined ? null : await hashPassword(password),
      publicKeys,
    })
    .returning();
  return { id: row!.id, partner_id: row!.partnerId, username: row!.username, password: password ?? null, public_keys: row!.publicKeys };
}

/** Revokes a live login by its id or username; false when there is none. The SFTP server closes its open sessions within seconds. */
export async function revokeSftpCredential(db: Db, login: { id: string } | { username: string }): Promise<boolean> {
  const which = 'id' in login ? eq(sftpCredentials.id, login.id) : eq(sftpCredentials.username, normaliseSftpUsername(login.username));
  const rows = await db
    .update(sftpCredentials)
    .set({ revokedAt: new Date() })
    .where(and(which, isNull(sftpCredentials.revokedAt)))
    .returning();
  return rows.length > 0;
}

/** Which of these logins are no longer live (revoked, or gone): their open sessions must end. */
export async function revokedSftpCredentialIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const live = await db
    .select({ id: sftpCredentials.id })
    .from(sftpCredentials)
    .where(and(inArray(sftpCredentials.id, [...ids]), isNull(sftpCredentials.revokedAt)));
  const liveIds = new Set(live.map((r) => r.id));
  return new Set(ids.filter((id) => !liveIds.has(id)));
}

export async function listSftpCredentials(db: Db, partnerId: string): Promise<SftpCredential[]> {
  return db.select().from(sftpCredentials).where(eq(sftpCredentials.partnerId, partnerId)).orderBy(sftpCredentials.id);
}

async function findLiveCredential(db: Db, username: string): Promise<SftpCredential | null> {
  const [row] = await db
    .select()
    .from(sftpCredentials)
    .where(and(eq(sftpCredentials.username, normaliseSftpUsername(username)), isNull(sftpCredentials.revokedAt)));
  return row ?? null;
}

/** The live login these username and password open, or null (unknown, revoked and wrong all take a hash's time). */
export async function authenticateSftpPassword(db: Db, username: string, password: string): Promise<SftpCredential | null> {
  const credential = await findLiveCredential(db, username);
  if (!credential?.passwordHash) return verifyAgainstDecoy('sftp logins', password).then(() => null);
  return (await verifyPassword(password, credential.passwordHash)) ? credential : null;
}

/** What a client offers in a public-key sign-in (ssh2's `PublicKeyAuthContext`). */
export interface OfferedPublicKey {
  algo: string;
  data: Buffer;
  /** Absent when the client only asks whether the key would do. */
  signature?: Buffer;
  blob?: Buffer;
  hashAlgo?: string;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  // Compared in constant time; a length mismatch compares the input with itself and still fails.
  return timingSafeEqual(a, a.length === b.length ? b : a) && a.length === b.length;
}

/**
 * The live login whose stored keys include the offered key, with the signature (when given)
 * verified by that key; null otherwise.
 */
export async function authenticateSftpPublicKey(db: Db, username: string, offered: OfferedPublicKey): Promise<SftpCredential | null> {
  const credential = await findLiveCredential(db, username);
  if (!credential) return null;
  let match: ParsedKey | undefined;
  for (const line of credential.publicKeys) {
    const key = utils.parseKey(line);
    if (key instanceof Error) continue;
    if (key.type === offered.algo && sameBytes(offered.data, key.getPublicSSH())) match = key;
  }
  if (!match) return null;
  if (offered.signature === undefined) return credential;
  if (!offered.blob) return null;
  return match.verify(offered.blob, offered.signature, offered.hashAlgo) === true ? credential : null;
}
