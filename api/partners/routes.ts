import { eq } from 'drizzle-orm';
import { partners } from '../../db/schema';
import { notFound } from '../../domain/errors';
import { createApiKey, createPartner, revokeApiKey } from '../../services/api-keys';
import { createSftpCredential, listSftpCredentials, revokeSftpCredential, type SftpCredential } from '../../services/sftp-credentials';
import { defineRoute } from '../route-definition';

const tag = 'Partners and keys';

/** Ops manage partners, their API keys and their SFTP logins. */
export const partnerRoutes = [
  defineRoute({
    operationId: 'createPartner',
    method: 'post',
    path: '/partners',
    tag,
    summary: 'Create a partner',
    roles: ['ops'],
    body: 'PartnerCreate',
    response: { status: 201, description: 'The partner', schema: 'Partner' },
    handler: async ({ res, deps, body }) => {
      const b = body();
      const p = await createPartner(deps.db, { name: b.name, ipAllowList: b.ip_allow_list });
      res.status(201).json({ id: p.id, name: p.name, ip_allow_list: p.ipAllowList, created_at: p.createdAt.toISOString() });
    },
  }),
  defineRoute({
    operationId: 'createApiKey',
    method: 'post',
    path: '/partners/{id}/api_keys',
    tag,
    summary: 'Create an API key for a partner',
    description: 'The secret is in this answer only; Recoup keeps a hash.',
    roles: ['ops'],
    body: 'ApiKeyCreate',
    response: { status: 201, description: 'The key, with its secret', schema: 'ApiKeyCreated' },
    handler: async ({ res, deps: { db }, body, param }) => {
      const b = body();
      const [p] = await db.select().from(partners).where(eq(partners.id, param('id')));
      if (!p) throw notFound('partner');
      const key = await createApiKey(db, { partnerId: b.role === 'ops' ? null : p.id, role: b.role });
      res.status(201).json(key);
    },
  }),
  defineRoute({
    operationId: 'revokeApiKey',
    method: 'delete',
    path: '/api_keys/{id}',
    tag,
    summary: 'Revoke an API key',
    roles: ['ops'],
    response: { status: 204, description: 'Revoked' },
    handler: async ({ res, deps, param }) => {
      if (!(await revokeApiKey(deps.db, param('id')))) throw notFound('API key');
      res.status(204).end();
    },
  }),
  // The same logins as `npm run recoup -- sftp:create | sftp:list | sftp:revoke`.
  defineRoute({
    operationId: 'createSftpLogin',
    method: 'post',
    path: '/partners/{id}/sftp_logins',
    tag,
    summary: 'Create an SFTP login for a partner',
    description:
      "The partner's host system signs in to the SFTP server with it (batch files, results, extracts; see the README). A password, OpenSSH public keys, or both; with neither, a password is generated. The password is in this answer only.",
    roles: ['ops'],
    body: 'SftpLoginCreate',
    response: { status: 201, description: 'The login, with its password when it has one', schema: 'SftpLoginCreated' },
    errors: [
      { status: 409, description: '`username_taken`: a live login has that username' },
      { status: 422, description: 'A public key that is not an OpenSSH public key (or a private key)' },
    ],
    handler: async ({ res, deps, body, param }) => {
      const b = body();
      const created = await createSftpCredential(deps.db, { partnerId: param('id'), username: b.username, password: b.password, publicKeys: b.public_keys });
      res.status(201).json({ ...created, created_at: new Date().toISOString() });
    },
  }),
  defineRoute({
    operationId: 'listSftpLogins',
    method: 'get',
    path: '/partners/{id}/sftp_logins',
    tag,
    summary: "A partner's SFTP logins, revoked ones too",
    roles: ['ops'],
    response: { status: 200, description: 'The logins (never a password)', schema: 'SftpLoginList' },
    handler: async ({ res, deps: { db }, param }) => {
      const [p] = await db.select().from(partners).where(eq(partners.id, param('id')));
      if (!p) throw notFound('partner');
      res.json({ data: (await listSftpCredentials(db, p.id)).map(sftpLoginResource) });
    },
  }),
  defineRoute({
    operationId: 'revokeSftpLogin',
    method: 'delete',
    path: '/sftp_logins/{id}',
    tag,
    summary: 'Revoke an SFTP login',
    description: 'New sign-ins are refused at once; sessions already open are closed within 5 seconds.',
    roles: ['ops'],
    response: { status: 204, description: 'Revoked' },
    handler: async ({ res, deps, param }) => {
      if (!(await revokeSftpCredential(deps.db, { id: param('id') }))) throw notFound('SFTP login');
      res.status(204).end();
    },
  }),
];

/** A login as listed: never its password or hash, only whether it has one. */
export function sftpLoginResource(c: SftpCredential) {
  return {
    id: c.id,
    partner_id: c.partnerId,
    username: c.username,
    has_password: c.passwordHash !== null,
    public_keys: c.publicKeys,
    created_at: c.createdAt.toISOString(),
    revoked_at: c.revokedAt?.toISOString() ?? null,
  };
}
