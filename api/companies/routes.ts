import { companies } from '../../db/schema';
import { pageQuerySchema } from '../../domain/schemas';
import { forbidden } from '../../domain/errors';
import { createCompany, decideCompanyVerification, updateCompany } from '../../services/companies';
import { principalOf } from '../auth';
import { listPage } from '../pagination';
import { defineRoute } from '../route-definition';
import { ownedByPartner, visibleCompany } from '../scope';
import { companyResource } from '../../resources/serializers';

const tag = 'Companies';

/** The client organisations of a partner; ops verify them before anything is transmitted. */
export const companyRoutes = [
  defineRoute({
    operationId: 'createCompany',
    method: 'post',
    path: '/companies',
    tag,
    summary: 'Create a company',
    description: 'Starts `pending_verification`.',
    roles: ['partner'],
    body: 'CompanyCreate',
    response: { status: 201, description: 'The company', schema: 'Company' },
    handler: async ({ req, res, deps: { db }, body }) => {
      const principal = principalOf(req);
      const b = body();
      if (!principal.partnerId) throw forbidden('Only a partner key can create companies');
      const row = await createCompany({ db }, principal.partnerId, b);
      res.status(201).json(companyResource(row));
    },
  }),
  defineRoute({
    operationId: 'listCompanies',
    method: 'get',
    path: '/companies',
    tag,
    summary: 'List companies',
    roles: ['partner', 'ops'],
    query: pageQuerySchema,
    response: { status: 200, description: 'A page of companies', schema: 'CompanyPage' },
    handler: async ({ req, res, deps: { db }, query }) => {
      const p = await listPage(db, companies, query(), [ownedByPartner(companies.partnerId, principalOf(req))]);
      res.json({ data: p.data.map(companyResource), next_cursor: p.next_cursor });
    },
  }),
  defineRoute({
    operationId: 'getCompany',
    method: 'get',
    path: '/companies/{id}',
    tag,
    summary: 'Get a company',
    roles: ['partner', 'ops'],
    response: { status: 200, description: 'The company', schema: 'Company' },
    handler: async ({ req, res, deps: { db }, param }) => {
      res.json(companyResource(await visibleCompany(db, principalOf(req), param('id'))));
    },
  }),
  defineRoute({
    operationId: 'updateCompany',
    method: 'patch',
    path: '/companies/{id}',
    tag,
    summary: 'Change a company',
    description: 'Fields left out keep their value.',
    roles: ['partner', 'ops'],
    body: 'CompanyPatch',
    response: { status: 200, description: 'The company', schema: 'Company' },
    handler: async ({ req, res, deps: { db }, body, param }) => {
      const company = await visibleCompany(db, principalOf(req), param('id'));
      const row = await updateCompany({ db }, company.id, body());
      res.json(companyResource(row));
    },
  }),
  defineRoute({
    operationId: 'decideCompanyVerification',
    method: 'post',
    path: '/companies/{id}/verification',
    tag,
    summary: 'Verify or reject a company',
    description: 'Nothing of an unverified company is transmitted.',
    roles: ['ops'],
    body: 'VerificationDecision',
    response: { status: 200, description: 'The company, `verified` or `rejected`', schema: 'Company' },
    handler: async ({ req, res, deps: { db }, body, param }) => {
      const company = await visibleCompany(db, principalOf(req), param('id'));
      const row = await decideCompanyVerification({ db }, company.id, body());
      res.json(companyResource(row));
    },
  }),
];
