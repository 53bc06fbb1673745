import { Router } from 'express';
import type { Db } from '../../db/client';
import { partnerCreateSchema, apiKeyCreateSchema } from '../../domain/schemas';
import { createApiKey, createPartner, revokeApiKey } from '../../services/api-keys';
import { eq } from 'drizzle-orm';
import { partners } from '../../db/schema';
import { parse } from '../errors';
import { notFound } from '../../domain/errors';
import { requireRole } from '../auth';
import { sftpLoginCreateSchema } from '../../domain/sftp-login';
import { createSftpCredential, listSftpCredentials, revokeSftpCredential, type SftpCredential } from '../../services/sftp-credentials';

/** Ops manage partners, their API keys and their SFTP logins. */
export function partnerRoutes(db: Db): Router {
  const r = Router();
  r.use(['/partners', '/api_keys', '/sftp_logins'], requireRole('ops'));

  r.post('/partners', async (req, res) => {
    const body = parse(partnerCreateSchema, req.body);
    const p = await createPartner(db, { name: body.name, ipAllowList: body.ip_allow_list });
    res.status(201).json({ id: p.id, name: p.name, ip_allow_list: p.ipAllowList, created_at: p.createdAt.toISOString() });
  });

  r.post('/partners/:id/api_keys', async (req, res) => {
    const body = parse(apiKeyCreateSchema, req.body);
    const [p] = await db.select().from(partners).where(eq(partners.id, String(req.params.id)));
    if (!p) throw notFound('partner');
    const key = await createApiKey(db, { partnerId: body.role === 'ops' ? null : p.id, role: body.role });
    res.status(201).json(key);
  });

  r.delete('/api_keys/:id', async (req, res) => {
    if (!(await revokeApiKey(db, String(req.params.id)))) throw notFound('API key');
    res.status(204).end();
  });

  // The same logins as `npm run recoup -- sftp:create | sftp:list | sftp:revoke`.
  r.post('/partners/:id/sftp_logins', async (req, res) => {
    const body = parse(sftpLoginCreateSchema, req.body);
    const created = await createSftpCredential(db, { partnerId: String(req.params.id), username: body.username, password: body.password, publicKeys: body.public_keys });
    res.status(201).json({ ...created, created_at: new Date().toISOString() });
  });

  r.get('/partners/:id/sftp_logins', async (req, res) => {
    const [p] = await db.select().from(partners).where(eq(partners.id, String(req.params.id)));
    if (!p) throw notFound('partner');
    res.json({ data: (await listSftpCredentials(db, p.id)).map(sftpLoginResource) });
  });

  r.delete('/sftp_logins/:id', async (req, res) => {
    if (!(await revokeSftpCredential(db, { id: String(req.params.id) }))) throw notFound('SFTP login');
    res.status(204).end();
  });
  return r;
}

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
