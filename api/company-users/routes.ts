import { principalOf } from '../auth';
import { defineRoute } from '../route-definition';
import { canSee, visibleCompany } from '../scope';
import { notFound } from '../../domain/errors';
import { createCompanyUser, findCompanyUser, listCompanyUsers, revokeCompanyUser } from '../../services/company-users';
import { startCompanySignInLinkEmail } from '../../workflows/company-sign-in.client';
import { companyUserResource } from './resources';

const tag = 'Company users';
const roles = ['partner', 'ops'] as const;

/**
 * The people of a company who use the dashboard (`/dashboard`, docs/dashboard.md). Adding one
 * emails them a one-time sign-in link; revoking one ends their sessions at once.
 */
export const companyUserRoutes = [
  defineRoute({
    operationId: 'createCompanyUser',
    method: 'post',
    path: '/companies/{id}/users',
    tag,
    summary: 'Add a company user',
    description: 'Emails the person a one-time sign-in link to the dashboard (valid 15 minutes). Later they ask for a new link on the sign-in page with their email address.',
    roles,
    body: 'CompanyUserCreate',
    response: { status: 201, description: 'The user; the invitation email is on its way', schema: 'CompanyUser' },
    errors: [{ status: 409, description: '`company_user_exists`: the email is already a user of this company' }],
    handler: async ({ req, res, deps: { db, temporal, taskQueue, clock }, param, body }) => {
      const company = await visibleCompany(db, principalOf(req), param('id'));
      const input = body();
      // The email's workflow starts inside the transaction; its activity waits for the commit.
      const user = await createCompanyUser(db, company, input, clock(), (_user, link) => startCompanySignInLinkEmail(temporal, taskQueue, link.id));
      res.status(201).json(companyUserResource(user));
    },
  }),
  defineRoute({
    operationId: 'listCompanyUsers',
    method: 'get',
    path: '/companies/{id}/users',
    tag,
    summary: 'List the users of a company',
    roles,
    response: { status: 200, description: 'Every user who has not been revoked', schema: 'CompanyUserPage' },
    handler: async ({ req, res, deps: { db }, param }) => {
      const company = await visibleCompany(db, principalOf(req), param('id'));
      res.json({ data: (await listCompanyUsers(db, company.id)).map(companyUserResource), next_cursor: null });
    },
  }),
  defineRoute({
    operationId: 'revokeCompanyUser',
    method: 'delete',
    path: '/company_users/{id}',
    tag,
    summary: 'Revoke a company user',
    description: 'Their sessions end and their unused sign-in links stop working at once.',
    roles,
    response: { status: 204, description: 'Revoked' },
    handler: async ({ req, res, deps: { db, clock }, param }) => {
      const found = await findCompanyUser(db, param('id'));
      if (!found || !canSee(principalOf(req), found.partnerId)) throw notFound('company user');
      await revokeCompanyUser(db, found.user.id, clock());
      res.status(204).end();
    },
  }),
];
