import type { Request } from 'express';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { companyDocuments } from '../../db/schema';
import { pageQuerySchema } from '../../domain/schemas';
import { principalOf } from '../auth';
import { notFound } from '../../domain/errors';
import { listPage } from '../pagination';
import { defineRoute } from '../route-definition';
import { visibleCompany } from '../scope';
import { receiveCompanyDocument, sendCompanyDocumentContent } from './company-document-upload';

type DocumentRow = typeof companyDocuments.$inferSelect;

export function documentResource(d: DocumentRow) {
  return {
    id: d.id,
    company_id: d.companyId,
    type: d.type,
    filename: d.filename,
    content_type: d.contentType,
    size_bytes: d.sizeBytes,
    created_at: d.createdAt.toISOString(),
  };
}

async function visibleDocument(db: Db, req: Request): Promise<DocumentRow> {
  const company = await visibleCompany(db, principalOf(req), String(req.params.id));
  const [row] = await db
    .select()
    .from(companyDocuments)
    .where(and(eq(companyDocuments.companyId, company.id), eq(companyDocuments.id, String(req.params.documentId))));
  if (!row) throw notFound('document');
  return row;
}

const tag = 'Company documents';

/** Verification documents of a company: multipart upload, listing, download. */
export const documentRoutes = [
  defineRoute({
    operationId: 'uploadCompanyDocument',
    method: 'post',
    path: '/companies/{id}/documents',
    tag,
    summary: 'Upload a verification document',
    description: 'Multipart form with `type` and `file` (PDF, PNG or JPEG, at most 10 MB).',
    roles: ['partner', 'ops'],
    body: 'CompanyDocumentUpload',
    bodyMediaType: 'multipart/form-data',
    response: { status: 201, description: 'The document', schema: 'CompanyDocument' },
    errors: [
      { status: 413, description: 'The file is too large' },
      { status: 415, description: 'Not a PDF, PNG or JPEG' },
    ],
    // The form is streamed (busboy) rather than parsed whole: its fields are checked with the `type` of CompanyDocumentUpload.
    handler: async ({ req, res, deps, param }) => {
      const company = await visibleCompany(deps.db, principalOf(req), param('id'));
      const row = await receiveCompanyDocument(req, res, deps, company.id);
      res.status(201).json(documentResource(row));
    },
  }),
  defineRoute({
    operationId: 'listCompanyDocuments',
    method: 'get',
    path: '/companies/{id}/documents',
    tag,
    summary: "List a company's documents",
    roles: ['partner', 'ops'],
    query: pageQuerySchema,
    response: { status: 200, description: 'A page of documents', schema: 'CompanyDocumentPage' },
    handler: async ({ req, res, deps: { db }, query, param }) => {
      const company = await visibleCompany(db, principalOf(req), param('id'));
      const p = await listPage(db, companyDocuments, query(), [eq(companyDocuments.companyId, company.id)]);
      res.json({ data: p.data.map(documentResource), next_cursor: p.next_cursor });
    },
  }),
  defineRoute({
    operationId: 'getCompanyDocument',
    method: 'get',
    path: '/companies/{id}/documents/{documentId}',
    tag,
    summary: 'Get a document',
    roles: ['partner', 'ops'],
    response: { status: 200, description: 'The document', schema: 'CompanyDocument' },
    handler: async ({ req, res, deps: { db } }) => {
      res.json(documentResource(await visibleDocument(db, req)));
    },
  }),
  defineRoute({
    operationId: 'downloadCompanyDocument',
    method: 'get',
    path: '/companies/{id}/documents/{documentId}/content',
    tag,
    summary: "Download a document's file",
    roles: ['partner', 'ops'],
    response: { status: 200, description: 'The file as uploaded', mediaType: 'application/octet-stream' },
    handler: async ({ req, res, deps: { db, documents: store } }) => {
      await sendCompanyDocumentContent(res, store, await visibleDocument(db, req));
    },
  }),
];
