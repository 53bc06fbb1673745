import { readFileSync } from 'node:fs';
import type { Config } from '../config/config';
import type { Db } from '../db/client';
import { createApiKey, createPartner, listPartners, revokeApiKey, type Role } from '../services/api-keys';
import { bindConsoleUser, consoleRoles, ConsoleUserRefused, createConsoleUser, listConsoleUsers, revokeConsoleUser, type ConsoleRole } from '../services/console-users';
import { secretBoxFor } from '../services/secret-box';
import { sealStoredSecrets } from '../services/stored-secrets';
import { createSftpCredential, listSftpCredentials, revokeSftpCredential, SftpCredentialError } from '../services/sftp-credentials';

/**
 * The ops CLI's commands on the database (`npm run recoup -- <command>`), defined once: the CLI runs
 * them on the database it opens, or, while `npm start` holds the embedded database, sends them to
 * that process, which runs the same definition (cli/admin-channel.ts).
 */

export interface OptionSpec {
  /** How the value is named in the usage line (`<partner id>`). */
  value: string;
  description: string;
  required?: boolean;
  multiple?: boolean;
  choices?: readonly string[];
}

export type CommandValues = Record<string, string | string[] | undefined>;

export interface CommandResult {
  code: number;
  /** Lines for stdout (what the operator asked for) and stderr (why it failed). */
  stdout: string[];
  stderr: string[];
}

export interface CommandContext {
  db: Db;
  config: Config;
}

export interface DatabaseCommand {
  name: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** A rule across flags (one of two, one needing another); says what is wrong. */
  check?(values: CommandValues): string | null;
  /** Runs in the CLI's own process before the command goes anywhere: reads the operator's local files. */
  resolveLocal?(values: CommandValues): CommandValues;
  run(ctx: CommandContext, values: CommandValues): Promise<CommandResult>;
}

const ok = (...stdout: string[]): CommandResult => ({ code: 0, stdout, stderr: [] });
const failed = (...stderr: string[]): CommandResult => ({ code: 1, stdout: [], stderr });
const json = (value: unknown): string => JSON.stringify(value);
const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const many = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** PostgreSQL's unique_violation, in the error or one it wraps (Drizzle wraps the driver's). */
function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

export const databaseCommands: readonly DatabaseCommand[] = [
  {
    name: 'partners:create',
    summary: 'Create a partner (a system that hands Recoup invoices) and print its id.',
    options: {
      name: { value: '<name>', description: 'the partner\'s name', required: true },
      'ip-allow': { value: '<cidr>', description: 'an address range its keys may call from (repeatable; none: any)', multiple: true },
    },
    async run({ db }, v) {
      const p = await createPartner(db, { name: one(v.name)!, ipAllowList: many(v['ip-allow']) });
      return ok(json({ id: p.id, name: p.name, ip_allow_list: p.ipAllowList }));
    },
  },
  {
    name: 'partners:list',
    summary: 'List the partners, one JSON line each (the demo partner\'s id is the one keys:create needs).',
    options: {},
    async run({ db }) {
      return ok(...(await listPartners(db)).map((p) => json({ id: p.id, name: p.name, ip_allow_list: p.ipAllowList, created_at: p.createdAt })));
    },
  },
  {
    name: 'keys:create',
    summary: 'Create an API key and print its secret (shown this once only).',
    options: {
      role: { value: '<role>', description: 'what the key may do', required: true, choices: ['partner', 'reviewer', 'ops'] },
      partner: { value: '<partner id>', description: 'the partner the key acts for (required with --role partner; see partners:list)' },
    },
    check: (v) => (one(v.role) === 'partner' && !one(v.partner) ? 'missing --partner <partner id> (a partner key acts for one partner; see partners:list)' : null),
    async run({ db }, v) {
      return ok(json(await createApiKey(db, { partnerId: one(v.partner) ?? null, role: one(v.role) as Role })));
    },
  },
  {
    name: 'keys:revoke',
    summary: 'Revoke an API key: the next request with it is refused.',
    options: { key: { value: '<key id>', description: 'the key\'s id (key_…), not its secret', required: true } },
    async run({ db }, v) {
      const key = one(v.key)!;
      return (await revokeApiKey(db, key)) ? ok(`revoked ${key}`) : { code: 1, stdout: [`no active key ${key}`], stderr: [] };
    },
  },
  {
    name: 'users:create',
    summary: 'Create a console user (a /console sign-in) and print its id. Reviewers and agents work for one partner (--partner); ops are global.',
    options: {
      email: { value: '<email>', description: 'the person\'s email, used to sign in', required: true },
      role: { value: '<role>', description: 'reviewers decide debt cases, agents answer debtors\' conversations (both of one partner); ops see every partner and also verify companies and read the outbox', required: true, choices: consoleRoles },
      password: { value: '<password>', description: 'at least 10 characters', required: true },
      partner: { value: '<partner id>', description: 'the partner a reviewer or agent works for (required for them; refused for ops)' },
    },
    check: (v) => (one(v.role) === 'ops' ? (one(v.partner) ? 'ops users are global: no --partner' : null) : one(v.partner) ? null : `a ${one(v.role) ?? 'reviewer'} works for one partner: --partner <partner id> is required`),
    async run({ db }, v) {
      try {
        const user = await createConsoleUser(db, { email: one(v.email)!, role: one(v.role) as ConsoleRole, password: one(v.password)!, partnerId: one(v.partner) ?? null }, { requireBinding: true });
        return ok(json({ id: user.id, email: user.email, role: user.role, partner_id: user.partnerId }));
      } catch (err) {
        // A rule of the input (password length, email shape, partner binding) or the email already taken.
        return failed(isUniqueViolation(err) ? `a console user with email ${one(v.email)} exists already` : (err as Error).message);
      }
    },
  },
  {
    name: 'users:list',
    summary: 'List the console users, one JSON line each (no password hashes); partner_id null on a reviewer or agent: they see nothing until bound.',
    options: {},
    async run({ db }) {
      return ok(...(await listConsoleUsers(db)).map((u) => json({ id: u.id, email: u.email, role: u.role, partner_id: u.partnerId, created_at: u.createdAt })));
    },
  },
  {
    name: 'users:bind',
    summary: 'Bind a reviewer or agent to the partner they work for (a reviewer made before partners were bound sees nothing until then).',
    options: {
      email: { value: '<email>', description: 'the user\'s email' },
      id: { value: '<user id>', description: 'or the user\'s id (usr_…)' },
      partner: { value: '<partner id>', description: 'the partner', required: true },
    },
    check: (v) => (one(v.email) || one(v.id) ? null : 'missing --email <email> or --id <user id>'),
    async run({ db }, v) {
      const id = one(v.id);
      const email = one(v.email);
      try {
        const user = await bindConsoleUser(db, id ? { id } : { email: email! }, one(v.partner)!);
        return user ? ok(json({ id: user.id, email: user.email, role: user.role, partner_id: user.partnerId })) : failed(`no console user ${id ?? email}`);
      } catch (err) {
        if (!(err instanceof ConsoleUserRefused)) throw err;
        return failed(err.message);
      }
    },
  },
  {
    name: 'users:revoke',
    summary: 'Remove a console user: their sessions end at once and they can no longer sign in.',
    options: {
      email: { value: '<email>', description: 'the user\'s email' },
      id: { value: '<user id>', description: 'or the user\'s id (usr_…)' },
    },
    check: (v) => (one(v.email) || one(v.id) ? null : 'missing --email <email> or --id <user id>'),
    async run({ db }, v) {
      const id = one(v.id);
      const email = one(v.email);
      const user = await revokeConsoleUser(db, id ? { id } : { email: email! });
      return user ? ok(`revoked ${user.email} (${user.id})`) : { code: 1, stdout: [`no console user ${id ?? email}`], stderr: [] };
    },
  },
  {
    name: 'sftp:create',
    summary: 'Create an SFTP login for a partner\'s batch files (neither password nor key: a password is generated and printed once).',
    options: {
      partner: { value: '<partner id>', description: 'the partner whose folder the login sees', required: true },
      username: { value: '<username>', description: 'the login name', required: true },
      password: { value: '<password>', description: 'its password' },
      'public-key': { value: '<file>', description: 'an OpenSSH public key file (repeatable)', multiple: true },
    },
    // The key files are the operator's: read here, so the command can run in another process.
    resolveLocal: (v) => ({ ...v, 'public-key': many(v['public-key']).map((file) => readFileSync(file, 'utf8')) }),
    async run({ db }, v) {
      try {
        return ok(json(await createSftpCredential(db, { partnerId: one(v.partner)!, username: one(v.username)!, password: one(v.password), publicKeys: many(v['public-key']) })));
      } catch (err) {
        if (!(err instanceof SftpCredentialError)) throw err;
        return failed(err.message);
      }
    },
  },
  {
    name: 'sftp:list',
    summary: 'List a partner\'s SFTP logins, one JSON line each.',
    options: { partner: { value: '<partner id>', description: 'the partner', required: true } },
    async run({ db }, v) {
      const logins = await listSftpCredentials(db, one(v.partner)!);
      return ok(...logins.map((c) => json({ id: c.id, username: c.username, password: c.passwordHash !== null, public_keys: c.publicKeys, created_at: c.createdAt, revoked_at: c.revokedAt })));
    },
  },
  {
    name: 'sftp:revoke',
    summary: 'Revoke an SFTP login.',
    options: {
      username: { value: '<username>', description: 'the login name' },
      id: { value: '<sftp login id>', description: 'or the login\'s id' },
    },
    check: (v) => (one(v.username) || one(v.id) ? null : 'missing --username <username> or --id <sftp login id>'),
    async run({ db }, v) {
      const id = one(v.id);
      const username = one(v.username);
      const named = id ?? username!;
      return (await revokeSftpCredential(db, id ? { id } : { username: username! })) ? ok(`revoked ${named}`) : { code: 1, stdout: [`no live SFTP login ${named}`], stderr: [] };
    },
  },
  {
    name: 'secrets:rotate',
    summary: 'Re-seal stored secrets with the first key of RECOUP_SECRET_KEYS (then older keys may go).',
    options: {},
    async run({ db, config }) {
      const box = secretBoxFor(config);
      const counts = await sealStoredSecrets(db, box, { rotate: true });
      return ok(json({ key_id: box.currentKeyId, resealed: counts }));
    },
  },
];

export const findDatabaseCommand = (name: string): DatabaseCommand | undefined => databaseCommands.find((c) => c.name === name);

/**
 * What is wrong with these values for this command, or null: a missing required flag, a value not
 * among the choices, a rule across flags. The CLI checks before sending; the receiving process checks again.
 */
export function invalidValues(command: DatabaseCommand, values: CommandValues): string | null {
  for (const [name, spec] of Object.entries(command.options)) {
    const value = values[name];
    if (spec.required && (value === undefined || value === '' || (Array.isArray(value) && value.length === 0))) return `missing --${name} ${spec.value}`;
    if (spec.choices && typeof value === 'string' && !spec.choices.includes(value)) return `--${name} must be one of ${spec.choices.join(', ')} (got "${value}")`;
  }
  return command.check?.(values) ?? null;
}

/** The command on this context, after checking its values; the one way both the CLI and the admin channel run one. */
export async function runDatabaseCommand(ctx: CommandContext, name: string, values: CommandValues): Promise<CommandResult> {
  const command = findDatabaseCommand(name);
  if (!command) return { code: 2, stdout: [], stderr: [`unknown command "${name}"`] };
  const invalid = invalidValues(command, values);
  if (invalid) return { code: 2, stdout: [], stderr: [`${name}: ${invalid}`] };
  return command.run(ctx, values);
}
