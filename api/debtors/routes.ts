import { decodeCursor, encodeCursor } from '../../resources/page';
import { debtorResource } from '../../resources/debtor';
import { invoiceResource } from '../../resources/serializers';
import { getDebtor, listDebtorInvoices, listDebtors, updateDebtor } from '../../services/debtors';
import { pageQuerySchema } from '../../domain/schemas';
import { principalOf } from '../auth';
import { defineRoute } from '../route-definition';
import { partnerFilter, visibleCompany } from '../scope';
import { debtorListQuerySchema } from './schemas';

const tag = 'Debtors';
const roles = ['partner', 'ops'] as const;

/**
 * Debtor accounts: one person or organisation owing one company, joined from its invoices by
 * `debtor.external_id`, else normalised email, else E.164 phone (docs/debtors.md).
 */
export const debtorRoutes = [
  defineRoute({
    operationId: 'listDebtors',
    method: 'get',
    path: '/debtors',
    tag,
    summary: 'List debtors',
    description: '`email` is matched normalised (trimmed, lower-cased); `external_id` is the partner\'s own debtor id.',
    roles,
    query: debtorListQuerySchema,
    response: { status: 200, description: 'A page of debtors with their open invoices and amount due', schema: 'DebtorAccountPage' },
    handler: async ({ req, res, deps: { db }, query }) => {
      const q = query();
      // Filtering by another tenant's (or an unknown) company is a 404, as reading it would be.
      if (q.company_id) await visibleCompany(db, principalOf(req), q.company_id);
      const p = await listDebtors(db, partnerFilter(principalOf(req)), { ...q, after: decodeCursor(q.cursor) });
      res.json({ data: p.data.map(debtorResource), next_cursor: p.nextAfter ? encodeCursor(p.nextAfter) : null });
    },
  }),
  defineRoute({
    operationId: 'getDebtor',
    method: 'get',
    path: '/debtors/{id}',
    tag,
    summary: 'Get a debtor',
    roles,
    response: { status: 200, description: 'The debtor with its open invoices and amount due', schema: 'DebtorAccount' },
    handler: async ({ req, res, deps: { db }, param }) => {
      res.json(debtorResource(await getDebtor(db, partnerFilter(principalOf(req)), param('id'))));
    },
  }),
  defineRoute({
    operationId: 'updateDebtor',
    method: 'patch',
    path: '/debtors/{id}',
    tag,
    summary: "Change a debtor's contact details",
    description:
      'Changes the debtor and every open invoice of theirs at once: later messages use the new details, and running invoices take a new `timezone` from their next step on. Events `debtor.updated` and `invoice.contact_updated` per invoice.',
    roles,
    body: 'DebtorPatch',
    response: { status: 200, description: 'The debtor', schema: 'DebtorAccount' },
    errors: [{ status: 409, description: '`debtor_contact_taken`: the new email or phone is how another debtor of the company is known' }],
    handler: async ({ req, res, deps: { db, temporal }, param }) => {
      // The service parses the body with the same schema (DebtorPatch), once it has found the
      // debtor: another partner's (or an unknown) debtor is a 404 before its body is looked at.
      res.json(debtorResource(await updateDebtor({ db, temporal }, partnerFilter(principalOf(req)), param('id'), req.body)));
    },
  }),
  defineRoute({
    operationId: 'listDebtorInvoices',
    method: 'get',
    path: '/debtors/{id}/invoices',
    tag,
    summary: "The debtor's invoices",
    description: 'Every invoice joined to the debtor, in every status, ordered by id.',
    roles,
    query: pageQuerySchema,
    response: { status: 200, description: 'A page of invoices', schema: 'InvoicePage' },
    handler: async ({ req, res, deps: { db }, param, query }) => {
      const q = query();
      const p = await listDebtorInvoices(db, partnerFilter(principalOf(req)), param('id'), { limit: q.limit, after: decodeCursor(q.cursor) });
      res.json({ data: p.data.map((i) => invoiceResource(i)), next_cursor: p.nextAfter ? encodeCursor(p.nextAfter) : null });
    },
  }),
];
