import { z } from 'zod';
import { debtCollectorConfigurationListSchema } from '../../domain/debt-collector-configuration';
import {
  currentDebtCollectorConfigurations,
  saveDebtCollectorConfigurations,
  type DebtCollectorConfigurationVersion,
} from '../../services/debt-collector-configurations';
import { principalOf } from '../auth';
import { requireAllowedUrl } from '../outbound-urls';
import { parse } from '../errors';
import { defineRoute } from '../route-definition';
import { visibleCompany } from '../scope';

function configurationsResource(companyId: string, v: DebtCollectorConfigurationVersion) {
  return { company_id: companyId, version: v.version, configurations: v.configurations, created_at: v.createdAt?.toISOString() ?? null };
}

/** The body of a PUT: `{ configurations: [...] }` as GET answers it, or the bare array. */
const wrappedListSchema = z.object({ configurations: debtCollectorConfigurationListSchema });

const tag = 'Debt collectors';

/** The company's ordered debt collector configurations; a PUT replaces the list as a new version. */
export const debtCollectorRoutes = [
  defineRoute({
    operationId: 'getDebtCollectorConfigurations',
    method: 'get',
    path: '/companies/{id}/debt_collector_configurations',
    tag,
    summary: 'Get the ordered debt collector configurations',
    roles: ['partner', 'ops'],
    response: { status: 200, description: 'The current list', schema: 'DebtCollectorConfigurations' },
    handler: async ({ req, res, deps: { db }, param }) => {
      const company = await visibleCompany(db, principalOf(req), param('id'));
      res.json(configurationsResource(company.id, await currentDebtCollectorConfigurations(db, company.id)));
    },
  }),
  defineRoute({
    operationId: 'putDebtCollectorConfigurations',
    method: 'put',
    path: '/companies/{id}/debt_collector_configurations',
    tag,
    summary: 'Replace the ordered debt collector configurations',
    description: 'The body is the list, or `{ configurations }` as GET answers it.',
    roles: ['partner', 'ops'],
    body: 'DebtCollectorConfigurationsPut',
    response: { status: 200, description: 'The new list', schema: 'DebtCollectorConfigurations' },
    handler: async ({ req, res, deps: { db, outbound }, param }) => {
      const company = await visibleCompany(db, principalOf(req), param('id'));
      const body: unknown = req.body;
      // Either branch of DebtCollectorConfigurationsPut, parsed on its own so a field's path is named as sent.
      const list = Array.isArray(body) ? parse(debtCollectorConfigurationListSchema, body) : parse(wrappedListSchema, body).configurations;
      // The field path as the validation names it: `configurations.0.settings.url`, or `0.settings.url` for a bare array.
      const prefix = Array.isArray(body) ? '' : 'configurations.';
      for (const [index, configuration] of list.entries()) {
        const url = configuration.collector === 'http' ? configuration.settings?.url : undefined;
        if (typeof url === 'string') await requireAllowedUrl(outbound, url, `${prefix}${index}.settings.url`);
      }
      res.json(configurationsResource(company.id, await saveDebtCollectorConfigurations(db, company.id, list)));
    },
  }),
];
