import { Router } from 'express';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { companies } from '../../db/schema';
import { companyCreateSchema, companyPatchSchema, pageQuerySchema, verificationDecisionSchema } from '../../domain/schemas';
import { updateCompany } from '../../services/companies';
import { newId } from '../../services/ids';
import { principalOf, requireRole } from '../auth';
import { parse } from '../errors';
import { forbidden } from '../../domain/errors';
import { listPage } from '../pagination';
import { ownedByPartner, visibleCompany } from '../scope';
import { companyResource } from '../../resources/serializers';

export function companyRoutes(db: Db): Router {
  const r = Router();

  r.post('/companies', requireRole('partner'), async (req, res) => {
    const principal = principalOf(req);
    const body = parse(companyCreateSchema, req.body);
    if (!principal.partnerId) throw forbidden('Only a partner key can create companies');
    const [row] = await db
      .insert(companies)
      .values({
        id: newId('cmp'),
        partnerId: principal.partnerId,
        name: body.name,
        country: body.country,
        currency: body.currency,
        locale: body.locale,
        timezone: body.timezone,
        contact: body.contact ?? null,
        bankAccount: body.bank_account ?? null,
        externalId: body.external_id ?? null,
      })
      .returning();
    res.status(201).json(companyResource(row!));
  });

  r.get('/companies', requireRole('partner', 'ops'), async (req, res) => {
    const q = parse(pageQuerySchema, req.query, 'query');
    const p = await listPage(db, companies, q, [ownedByPartner(companies.partnerId, principalOf(req))]);
    res.json({ data: p.data.map(companyResource), next_cursor: p.next_cursor });
  });

  r.get('/companies/:id', requireRole('partner', 'ops'), async (req, res) => {
    res.json(companyResource(await visibleCompany(db, principalOf(req), String(req.params.id))));
  });

  r.patch('/companies/:id', requireRole('partner', 'ops'), async (req, res) => {
    const company = await visibleCompany(db, principalOf(req), String(req.params.id));
    const body = parse(companyPatchSchema, req.body);
    const row = await updateCompany(db, company.id, body);
    res.json(companyResource(row));
  });

  r.post('/companies/:id/verification', requireRole('ops'), async (req, res) => {
    const company = await visibleCompany(db, principalOf(req), String(req.params.id));
    const body = parse(verificationDecisionSchema, req.body);
    const [row] = await db
      .update(companies)
      .set({ status: body.decision === 'approve' ? 'verified' : 'rejected', verificationReason: body.reason ?? null, updatedAt: new Date() })
      .where(eq(companies.id, company.id))
      .returning();
    res.json(companyResource(row!));
  });

  return r;
}
