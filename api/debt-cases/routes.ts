import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { debtCollectionCases } from '../../db/schema';
import { MAX_DOCUMENT_BYTES } from '../../domain/company-documents';
import { debtCaseDocumentFieldsSchema, debtCaseListQuerySchema } from '../../domain/debt-case-schemas';
import { createDebtCase, type DebtCaseRow } from '../../services/debt-cases';
import { addDebtCaseDocument, openDebtCaseDocument } from '../../services/debt-case-documents';
import { principalOf } from '../auth';
import { invalidFields } from '../../domain/errors';
import { partnerListPage } from '../pagination';
import { defineRoute } from '../route-definition';
import { visibleCompany, visibleInvoice } from '../scope';
import { caseParts, findCase, updateCase } from '../../services/debt-case-access';
import { visibleCase } from './case-access';
import { documentTooLarge, receiveCaseDocument } from './document-upload';
import { debtCaseDocumentResource, debtCaseResource } from './resources';

async function detail(db: Db, row: DebtCaseRow) {
  return debtCaseResource(row, await caseParts(db, row));
}
async function reloaded(db: Db, id: string) {
  return detail(db, (await findCase(db, id))!);
}

const tag = 'Debt collection cases';

/**
 * Debt collection cases: create (idempotent on the company's `external_id`), list, read, and the
 * case operations, each an update to the case's workflow `debt-case-<id>`. The routes on one case
 * check the role after finding it (`visibleCase`): an unknown case is a 404 whatever the role.
 */
export const debtCaseRoutes = [
  defineRoute({
    operationId: 'createDebtCollectionCase',
    method: 'post',
    path: '/debt_collection_cases',
    tag,
    summary: 'Create a debt collection case by hand',
    description:
      'The body mirrors the debt collection document in snake_case, plus `company_id` (and `invoice_id` when the case is about one of its invoices). `external_id` is unique per company: creating it again answers the existing case (200).',
    roles: ['partner', 'ops'],
    body: 'DebtCollectionCaseCreate',
    response: { status: 201, description: 'The case, `preparing`', schema: 'DebtCollectionCase', also: [{ status: 200, description: 'The existing case for a known `external_id`' }] },
    errors: [{ status: 422, description: 'The invoice belongs to another company' }],
    handler: async ({ req, res, deps: { db, temporal, taskQueue }, body: parsedBody }) => {
      const body = parsedBody();
      const principal = principalOf(req);
      const company = await visibleCompany(db, principal, body.company_id);
      const invoice = body.invoice_id ? await visibleInvoice(db, principal, body.invoice_id) : null;
      const { row, created } = await createDebtCase({ db, temporal, taskQueue }, company, invoice, body);
      res.status(created ? 201 : 200).json(await detail(db, row));
    },
  }),
  defineRoute({
    operationId: 'listDebtCollectionCases',
    method: 'get',
    path: '/debt_collection_cases',
    tag,
    summary: 'List debt collection cases',
    roles: ['partner', 'reviewer', 'ops'],
    query: debtCaseListQuerySchema,
    response: { status: 200, description: 'A page of cases', schema: 'DebtCollectionCasePage' },
    handler: async ({ req, res, deps: { db }, query }) => {
      const q = query();
      const p = await partnerListPage(db, principalOf(req), debtCollectionCases, q, [
        q.state ? eq(debtCollectionCases.state, q.state) : undefined,
        q.environment ? eq(debtCollectionCases.environment, q.environment) : undefined,
      ]);
      res.json({ data: p.data.map((c) => debtCaseResource(c)), next_cursor: p.next_cursor });
    },
  }),
  defineRoute({
    operationId: 'getDebtCollectionCase',
    method: 'get',
    path: '/debt_collection_cases/{id}',
    tag,
    summary: 'Get a debt collection case',
    description: 'With its documents, collected amounts and timeline.',
    roles: ['partner', 'reviewer', 'ops'],
    checksRolesItself: true,
    response: { status: 200, description: 'The case', schema: 'DebtCollectionCase' },
    handler: async ({ req, res, deps: { db }, param }) => {
      const row = await visibleCase(db, principalOf(req), param('id'), ['partner', 'reviewer', 'ops']);
      res.json(await detail(db, row));
    },
  }),
  defineRoute({
    operationId: 'uploadDebtCollectionCaseDocument',
    method: 'post',
    path: '/debt_collection_cases/{id}/documents',
    tag,
    summary: 'Attach a document to a case',
    description: 'Multipart form with `type`, optional `name`, and `file`.',
    roles: ['partner', 'ops'],
    checksRolesItself: true,
    body: 'DebtCollectionCaseDocumentUpload',
    bodyMediaType: 'multipart/form-data',
    response: { status: 201, description: 'The document', schema: 'DebtCollectionCaseDocument' },
    errors: [
      { status: 409, description: 'The case does not take documents any more' },
      { status: 413, description: 'The file is too large' },
      { status: 415, description: 'Not an accepted file type' },
    ],
    handler: async ({ req, res, deps: { db, documents }, param }) => {
      const row = await visibleCase(db, principalOf(req), param('id'), ['partner', 'ops']);
      if (Number(req.get('content-length') ?? 0) > MAX_DOCUMENT_BYTES + 64 * 1024) {
        res.set('Connection', 'close');
        throw documentTooLarge();
      }
      const { fields, file } = await receiveCaseDocument(req, res);
      const parsed = debtCaseDocumentFieldsSchema.safeParse(Object.fromEntries(fields));
      const details = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || 'body', message: i.message }));
      if (!file) details.push({ path: 'file', message: 'a file is required' });
      if (!parsed.success || !file) throw invalidFields(details);
      const doc = await addDebtCaseDocument({ db, documents }, row, parsed.data, file);
      res.status(201).json(debtCaseDocumentResource(doc));
    },
  }),
  defineRoute({
    operationId: 'downloadDebtCollectionCaseDocument',
    method: 'get',
    path: '/debt_collection_cases/{id}/documents/{documentId}/content',
    tag,
    summary: "Download a case document's file",
    roles: ['partner', 'reviewer', 'ops'],
    checksRolesItself: true,
    response: { status: 200, description: 'The file', mediaType: 'application/octet-stream' },
    handler: async ({ req, res, deps: { db, documents }, param }) => {
      const row = await visibleCase(db, principalOf(req), param('id'), ['partner', 'reviewer', 'ops']);
      const { doc, content } = await openDebtCaseDocument({ db, documents }, row.id, param('documentId'));
      res.set({
        'content-type': doc.contentType,
        'content-length': String(doc.sizeBytes),
        'content-disposition': `attachment; filename="${doc.name.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(doc.name)}`,
        'x-content-type-options': 'nosniff',
      });
      content.on('error', (err) => res.destroy(err));
      content.pipe(res);
    },
  }),
  defineRoute({
    operationId: 'markDebtCollectionCasePrepared',
    method: 'post',
    path: '/debt_collection_cases/{id}/mark_prepared',
    tag,
    summary: 'Mark a case prepared',
    description: 'The first matching debt collector configuration decides: `reviewing` when it asks for review, else `processing` (handed to the collector).',
    roles: ['partner', 'ops'],
    checksRolesItself: true,
    response: { status: 200, description: 'The case', schema: 'DebtCollectionCase' },
    errors: [{ status: 409, description: 'The case is not `preparing`' }],
    handler: async ({ req, res, deps: { db, temporal, taskQueue }, param }) => {
      const row = await visibleCase(db, principalOf(req), param('id'), ['partner', 'ops']);
      await updateCase({ temporal, taskQueue }, row, (c) => c.markPrepared());
      res.json(await reloaded(db, row.id));
    },
  }),
  defineRoute({
    operationId: 'reviewDebtCollectionCase',
    method: 'post',
    path: '/debt_collection_cases/{id}/review',
    tag,
    summary: 'Approve or reject a case under review',
    roles: ['reviewer', 'ops'],
    checksRolesItself: true,
    body: 'DebtCollectionCaseReview',
    response: { status: 200, description: 'The case: `processing` when approved, `closed` (`rejected`) when not', schema: 'DebtCollectionCase' },
    errors: [{ status: 409, description: 'The case is not `reviewing`' }],
    handler: async ({ req, res, deps: { db, temporal, taskQueue }, body: parsedBody, param }) => {
      const principal = principalOf(req);
      const row = await visibleCase(db, principal, param('id'), ['reviewer', 'ops']);
      const body = parsedBody();
      await updateCase({ temporal, taskQueue }, row, (c) =>
        c.review({ decision: body.decision, reason: body.reason, reviewedBy: principal.keyId, reviewedAt: new Date().toISOString() }),
      );
      res.json(await reloaded(db, row.id));
    },
  }),
  defineRoute({
    operationId: 'addDebtCollectionCaseCollectedAmount',
    method: 'post',
    path: '/debt_collection_cases/{id}/collected_amounts',
    tag,
    summary: 'Record an amount the collector collected',
    roles: ['partner', 'ops'],
    checksRolesItself: true,
    body: 'DebtCollectionCaseCollectedAmount',
    response: { status: 201, description: 'The collected amount and the case after it', schema: 'DebtCollectionCaseCollectedAmountResult' },
    errors: [
      { status: 409, description: 'The case is not with a collector, or closed' },
      { status: 422, description: 'More than is outstanding' },
    ],
    handler: async ({ req, res, deps: { db, temporal, taskQueue }, body: parsedBody, param }) => {
      const principal = principalOf(req);
      const row = await visibleCase(db, principal, param('id'), ['partner', 'ops']);
      const body = parsedBody();
      const s = await updateCase({ temporal, taskQueue }, row, (c) =>
        c.addCollectedAmount({ amountCents: body.amount_cents, collectedAt: new Date(body.collected_at ?? Date.now()).toISOString(), source: 'api', recordedBy: principal.keyId }),
      );
      const kase = await reloaded(db, row.id);
      const amount = kase.collected_amounts?.find((a) => a.sequence === s.collections);
      res.status(201).json({ ...amount, case: kase });
    },
  }),
  defineRoute({
    operationId: 'closeDebtCollectionCase',
    method: 'post',
    path: '/debt_collection_cases/{id}/close',
    tag,
    summary: 'Close a case',
    roles: ['partner', 'ops'],
    checksRolesItself: true,
    body: 'DebtCollectionCaseClose',
    response: { status: 200, description: 'The case, `closed`', schema: 'DebtCollectionCase' },
    errors: [{ status: 409, description: 'The case is closed already' }],
    handler: async ({ req, res, deps: { db, temporal, taskQueue }, body: parsedBody, param }) => {
      const principal = principalOf(req);
      const row = await visibleCase(db, principal, param('id'), ['partner', 'ops']);
      const body = parsedBody();
      await updateCase({ temporal, taskQueue }, row, (c) => c.close({ reason: body.reason, note: body.note, closedBy: principal.keyId }));
      res.json(await reloaded(db, row.id));
    },
  }),
];
