import { previewTimeline } from '../../domain/dunning-plan';
import { dunningPolicySchema } from '../../domain/dunning-policy';
import { currentDunningPolicy, saveDunningPolicy, type DunningPolicyVersion } from '../../services/dunning-policies';
import { principalOf } from '../auth';
import { parse } from '../errors';
import { defineRoute } from '../route-definition';
import { visibleCompany } from '../scope';
import { wrappedPolicySchema } from './schemas';

function dunningPolicyResource(companyId: string, v: DunningPolicyVersion) {
  return { company_id: companyId, version: v.version, policy: v.policy, created_at: v.createdAt?.toISOString() ?? null };
}

const tag = 'Collection policy';

/** The company's collection policy, versioned (each PUT stores a new version), and what it would do to an invoice. */
export const dunningPolicyRoutes = [
  defineRoute({
    operationId: 'getDunningPolicy',
    method: 'get',
    path: '/companies/{id}/dunning_policy',
    tag,
    summary: "Get the company's collection policy",
    roles: ['partner', 'ops'],
    response: { status: 200, description: 'The current version', schema: 'DunningPolicyVersion' },
    handler: async ({ req, res, deps: { db }, param }) => {
      const company = await visibleCompany(db, principalOf(req), param('id'));
      res.json(dunningPolicyResource(company.id, await currentDunningPolicy(db, company.id)));
    },
  }),
  defineRoute({
    operationId: 'putDunningPolicy',
    method: 'put',
    path: '/companies/{id}/dunning_policy',
    tag,
    summary: 'Store a new version of the collection policy',
    description: 'The body is the policy, or `{ policy }` as GET answers it. Running invoices keep the version they started with.',
    roles: ['partner', 'ops'],
    body: 'DunningPolicyPut',
    response: { status: 200, description: 'The new version', schema: 'DunningPolicyVersion' },
    handler: async ({ req, res, deps: { db }, param }) => {
      const company = await visibleCompany(db, principalOf(req), param('id'));
      const body: unknown = req.body;
      // Either branch of DunningPolicyPut, parsed on its own so a field's path is named as sent.
      const policy =
        body !== null && typeof body === 'object' && 'policy' in body ? parse(wrappedPolicySchema, body).policy : parse(dunningPolicySchema, body);
      res.json(dunningPolicyResource(company.id, await saveDunningPolicy(db, company.id, policy)));
    },
  }),
  /**
   * What a policy would do to an invoice, never paid: computed by the same pure functions the
   * invoice workflow runs step by step. Fees are shown conditional on their notice's delivery,
   * fallback letters conditional on no other channel having reached the debtor.
   */
  defineRoute({
    operationId: 'previewDunningPolicy',
    method: 'post',
    path: '/companies/{id}/dunning_policy/preview',
    tag,
    summary: 'Preview what a policy would do to an invoice',
    description: "The timeline the company's policy (or the draft given) would produce, computed by the same code the workflow runs.",
    roles: ['partner', 'ops'],
    body: 'DunningPolicyPreviewRequest',
    response: { status: 200, description: 'The timeline of an invoice that is never paid', schema: 'DunningPolicyPreview' },
    handler: async ({ req, res, deps: { db }, body: parsedBody, param }) => {
      const company = await visibleCompany(db, principalOf(req), param('id'));
      const body = parsedBody();
      const current = body.policy ? { version: null, policy: body.policy } : await currentDunningPolicy(db, company.id);
      const { debtor } = body.invoice;
      const timeline = previewTimeline(
        { policy: current.policy, dueDate: body.invoice.due_date, timezone: debtor.timezone, consumer: !debtor.organization_name },
        body.invoice.amount_cents,
        body.transmitted_at ? Date.parse(body.transmitted_at) : Date.now(),
        { hasAddress: debtor.address ? true : debtor.has_address },
      );
      res.json({ policy_version: current.version, timeline });
    },
  }),
];
