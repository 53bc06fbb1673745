import { Router } from 'express';
import type { Db } from '../../db/client';
import { partnerCreateSchema, apiKeyCreateSchema } from '../../domain/schemas';
import { createApiKey, createPartner, revokeApiKey } from '../../services/api-keys';
import { eq } from 'drizzle-orm';
import { partners } from '../../db/schema';
import { notFound, parse } from '../errors';
import { requireRole } from '../auth';

/** Ops manage partners and their keys. */
export function partnerRoutes(db: Db): Router {
  const r = Router();
  r.use(['/partners', '/api_keys'], requireRole('ops'));

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
  return r;
}
