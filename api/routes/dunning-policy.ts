import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { dunningPolicySchema } from '../../domain/dunning-policy';
import { currentDunningPolicy, saveDunningPolicy, type DunningPolicyVersion } from '../../services/dunning-policies';
import { principalOf, requireRole } from '../auth';
import { parse } from '../errors';
import { visibleCompany } from '../scope';

function dunningPolicyResource(companyId: string, v: DunningPolicyVersion) {
  return { company_id: companyId, version: v.version, policy: v.policy, created_at: v.createdAt?.toISOString() ?? null };
}

/** The body of a PUT: the resource as GET answers it (`{ policy }`), or the bare policy. */
const wrappedPolicySchema = z.object({ policy: dunningPolicySchema });

/** The company's collection policy, versioned: each PUT stores a new version. */
export function dunningPolicyRoutes(db: Db): Router {
  const r = Router();

  r.get('/companies/:id/dunning_policy', requireRole('partner', 'ops'), async (req, res) => {
    const company = await visibleCompany(db, principalOf(req), String(req.params.id));
    res.json(dunningPolicyResource(company.id, await currentDunningPolicy(db, company.id)));
  });

  r.put('/companies/:id/dunning_policy', requireRole('partner', 'ops'), async (req, res) => {
    const company = await visibleCompany(db, principalOf(req), String(req.params.id));
    const body: unknown = req.body;
    const policy =
      body !== null && typeof body === 'object' && 'policy' in body ? parse(wrappedPolicySchema, body).policy : parse(dunningPolicySchema, body);
    res.json(dunningPolicyResource(company.id, await saveDunningPolicy(db, company.id, policy)));
  });

  return r;
}
