import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { debtCollectorConfigurationListSchema } from '../../domain/debt-collector-configuration';
import {
  currentDebtCollectorConfigurations,
  saveDebtCollectorConfigurations,
  type DebtCollectorConfigurationVersion,
} from '../../services/debt-collector-configurations';
import type { OutboundGuard } from '../../outbound/guard';
import { principalOf, requireRole } from '../auth';
import { requireAllowedUrl } from '../outbound-urls';
import { parse } from '../errors';
import { visibleCompany } from '../scope';

function configurationsResource(companyId: string, v: DebtCollectorConfigurationVersion) {
  return { company_id: companyId, version: v.version, configurations: v.configurations, created_at: v.createdAt?.toISOString() ?? null };
}

/** The body of a PUT: `{ configurations: [...] }` as GET answers it, or the bare array. */
const wrappedListSchema = z.object({ configurations: debtCollectorConfigurationListSchema });

/** The company's ordered debt collector configurations; a PUT replaces the list as a new version. */
export function debtCollectorConfigurationRoutes(db: Db, outbound: OutboundGuard): Router {
  const r = Router();

  r.get('/companies/:id/debt_collector_configurations', requireRole('partner', 'ops'), async (req, res) => {
    const company = await visibleCompany(db, principalOf(req), String(req.params.id));
    res.json(configurationsResource(company.id, await currentDebtCollectorConfigurations(db, company.id)));
  });

  r.put('/companies/:id/debt_collector_configurations', requireRole('partner', 'ops'), async (req, res) => {
    const company = await visibleCompany(db, principalOf(req), String(req.params.id));
    const body: unknown = req.body;
    const list = Array.isArray(body) ? parse(debtCollectorConfigurationListSchema, body) : parse(wrappedListSchema, body).configurations;
    // The field path as the validation names it: `configurations.0.settings.url`, or `0.settings.url` for a bare array.
    const prefix = Array.isArray(body) ? '' : 'configurations.';
    for (const [index, configuration] of list.entries()) {
      const url = configuration.collector === 'http' ? configuration.settings?.url : undefined;
      if (typeof url === 'string') await requireAllowedUrl(outbound, url, `${prefix}${index}.settings.url`);
    }
    res.json(configurationsResource(company.id, await saveDebtCollectorConfigurations(db, company.id, list)));
  });

  return r;
}
