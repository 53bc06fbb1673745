import { PassThrough } from 'node:stream';
import type { Request, Response } from 'express';
import busboy from 'busboy';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { companyDocuments } from '../../db/schema';
import {
  MAX_DOCUMENT_BYTES,
  SIGNATURE_BYTES,
  cleanFilename,
  companyDocumentTypes,
  declaredTypeAgrees,
  detectDocumentContentType,
  type DocumentContentType,
} from '../../domain/company-documents';
import { pageQuerySchema } from '../../domain/schemas';
import { newCompanyDocumentKey, recordCompanyDocument } from '../../services/company-documents';
import type { DocumentStore } from '../../storage/document-store';
import { principalOf } from '../auth';
import { AppError } from '../errors';
import { type ErrorDetail, invalidFields, notFound } from '../../domain/errors';
import { listPage } from '../pagination';
import { defineRoute } from '../route-definition';
import { visibleCompany } from '../scope';

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

/** Room for the part headers and the `type` field around a file of the maximum size. */
const MAX_REQUEST_BYTES = MAX_DOCUMENT_BYTES + 64 * 1024;

const invalidMultipart = (path: string, message: string) =>
  new AppError(400, 'invalid_multipart', `The multipart body is invalid: ${path}: ${message}`, [{ path, message }]);
const tooLarge = () =>
  new AppError(413, 'payload_too_large', `A document may be at most ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB`, [
    { path: 'file', message: `must be at most ${MAX_DOCUMENT_BYTES} bytes` },
  ]);
const unsupportedFile = (message: string) =>
  new AppError(415, 'unsupported_file_type', `Only PDF, PNG and JPEG documents are accepted: ${message}`, [{ path: 'file', message }]);

const documentFieldsSchema = z.object({ type: z.enum(companyDocumentTypes) });

interface ReceivedFile {
  filename: string;
  contentType: DocumentContentType;
  sizeBytes: number;
}

/**
 * Streams one multipart upload into the store under `key`, checking the file's first bytes and
 * its size on the way. The whole body is read before answering (so the client sees the answer,
 * not a reset), except past the hard request limit. On any failure nothing stays stored.
 */
function receiveUpload(req: Request, res: Response, store: DocumentStore, key: string): Promise<{ fields: Map<string, string>; file: ReceivedFile | null }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // busboy reports 'limit' on reaching fileSize, so one byte more lets exactly the maximum through.
        limits: { fileSize: MAX_DOCUMENT_BYTES + 1, files: 2, fields: 10, fieldSize: 1024, parts: 12, headerPairs: 20 },
      });
    } catch {
      reject(invalidMultipart('body', 'must be multipart/form-data with a boundary'));
      return;
    }
    const fields = new Map<string, string>();
    let failure: unknown;
    const fail = (err: unknown) => {
      failure ??= err;
    };
    let stored: Promise<ReceivedFile | null> = Promise.resolve(null);
    let fileSeen = false;
    let settled = false;

    const settle = () => {
      if (settled) return;
      settled = true;
      void stored.then(async (file) => {
        if (failure === undefined) return resolve({ fields, file });
        await store.delete(key).catch(() => undefined);
        reject(failure);
      });
    };
    /** Stops reading a request that is too large or gone; the connection is not reused. */
    const abort = (err: unknown) => {
      fail(err);
      res.set('Connection', 'close');
      req.unpipe(parser);
      parser.destroy();
      settle();
    };

    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || fileSeen) {
        stream.resume();
        fail(name !== 'file' ? invalidMultipart(name, 'unexpected file; send the document in the field "file"') : invalidMultipart('file', 'send one file only'));
        return;
      }
      fileSeen = true;
      const content = new PassThrough();
      // Failures are recorded through `fail`; the store may attach its own listeners only later.
      content.on('error', () => undefined);
      let head = Buffer.alloc(0);
      let detected: DocumentContentType | null = null;
      let size = 0;
      let broken = false;
      const breakOff = (err: unknown) => {
        if (broken) return;
        broken = true;
        fail(err);
        content.destroy(err instanceof Error ? err : new Error(String(err)));
        stream.resume();
      };
      const sniff = () => {
        detected = detectDocumentContentType(head);
        if (!detected) breakOff(unsupportedFile('the content is not a PDF, PNG or JPEG file'));
        else if (!declaredTypeAgrees(info.mimeType, detected)) breakOff(unsupportedFile(`declared as ${info.mimeType} but the content is ${detected}`));
      };
      stream.on('data', (chunk: Buffer) => {
        if (broken) return;
        size += chunk.length;
        if (size > MAX_DOCUMENT_BYTES) return breakOff(tooLarge());
        if (!detected && head.length < SIGNATURE_BYTES) {
          head = Buffer.concat([head, chunk.subarray(0, SIGNATURE_BYTES - head.length)]);
          if (head.length >= SIGNATURE_BYTES) sniff();
          if (broken) return;
        }
        if (!content.write(chunk)) {
          stream.pause();
          content.once('drain', () => stream.resume());
        }
      });
      stream.on('limit', () => breakOff(tooLarge()));
      stream.on('error', (err) => breakOff(invalidMultipart('file', err.message)));
      stream.on('end', () => {
        if (broken) return;
        if (size === 0) return breakOff(invalidMultipart('file', 'the file is empty'));
        if (!detected) sniff();
        if (!broken) content.end();
      });
      stored = store.put(key, content).then(
        ({ sizeBytes }): ReceivedFile | null =>
          broken || !detected ? null : { filename: cleanFilename(info.filename, detected), contentType: detected, sizeBytes },
        (err: unknown) => {
          if (!broken) fail(err);
          return null;
        },
      );
    });
    parser.on('field', (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) return fail(invalidMultipart(name, 'the value is too long'));
      if (fields.has(name)) return fail(invalidMultipart(name, 'given more than once'));
      fields.set(name, value);
    });
    for (const limit of ['filesLimit', 'fieldsLimit', 'partsLimit'] as const) {
      parser.on(limit, () => fail(invalidMultipart('body', 'too many parts')));
    }
    parser.on('error', (err: Error) => {
      fail(invalidMultipart('body', err.message));
      settle();
    });
    parser.on('close', settle);

    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_REQUEST_BYTES && !settled) abort(tooLarge());
    });
    req.on('error', () => abort(invalidMultipart('body', 'the upload was interrupted')));
    req.on('close', () => {
      if (!req.complete && !settled) abort(invalidMultipart('body', 'the upload was interrupted'));
    });
    req.pipe(parser);
  });
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
    handler: async ({ req, res, deps: { db, documents: store }, param }) => {
      const company = await visibleCompany(db, principalOf(req), param('id'));
      if (Number(req.get('content-length') ?? 0) > MAX_REQUEST_BYTES) {
        res.set('Connection', 'close');
        throw tooLarge();
      }
      const { id, storageKey } = newCompanyDocumentKey(company.id);
      const { fields, file } = await receiveUpload(req, res, store, storageKey);

      const details: ErrorDetail[] = [];
      const parsed = documentFieldsSchema.safeParse({ type: fields.get('type') });
      if (!parsed.success) details.push(...parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || 'type', message: i.message })));
      if (!file) details.push({ path: 'file', message: 'a file is required' });
      if (!parsed.success || !file) {
        await store.delete(storageKey).catch(() => undefined);
        throw invalidFields(details);
      }
      const row = await recordCompanyDocument(
        { db, documents: store },
        { id, storageKey, companyId: company.id, type: parsed.data.type, filename: file.filename, contentType: file.contentType, sizeBytes: file.sizeBytes },
      );
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
      const doc = await visibleDocument(db, req);
      const content = await store.get(doc.storageKey);
      if (!content) throw notFound('document content');
      res.set({
        'content-type': doc.contentType,
        'content-length': String(doc.sizeBytes),
        'content-disposition': `attachment; filename="${doc.filename.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(doc.filename)}`,
        'x-content-type-options': 'nosniff',
      });
      content.on('error', (err) => res.destroy(err));
      content.pipe(res);
    },
  }),
];
