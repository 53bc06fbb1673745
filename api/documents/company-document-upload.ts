import { PassThrough } from 'node:stream';
import type { Request, Response } from 'express';
import busboy from 'busboy';
import { z } from 'zod';
import type { Db } from '../../db/client';
import type { companyDocuments } from '../../db/schema';
import {
  MAX_DOCUMENT_BYTES,
  SIGNATURE_BYTES,
  cleanFilename,
  companyDocumentTypes,
  declaredTypeAgrees,
  detectDocumentContentType,
  type DocumentContentType,
} from '../../domain/company-documents';
import { newCompanyDocumentKey, recordCompanyDocument } from '../../services/company-documents';
import type { DocumentStore } from '../../storage/document-store';
import { AppError } from '../errors';
import { type ErrorDetail, invalidFields, notFound } from '../../domain/errors';

/**
 * A company's verification document, received from a multipart form (`type`, `file`) and
 * recorded, and sent back as a download: the one way in and out for the partner API
 * (`POST /companies/{id}/documents`) and the company's own dashboard alike, with the same size
 * and type limits and the same refusals.
 */
type DocumentRow = typeof companyDocuments.$inferSelect;

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

/**
 * Receives the upload of the request into the company's documents: the file is checked by its
 * bytes and size while it streams to the store, then `type` and `file` are checked and the row
 * recorded. A refusal (400 naming the field, 413, 415) leaves nothing stored.
 */
export async function receiveCompanyDocument(req: Request, res: Response, { db, documents: store }: { db: Db; documents: DocumentStore }, companyId: string): Promise<DocumentRow> {
  if (Number(req.get('content-length') ?? 0) > MAX_REQUEST_BYTES) {
    res.set('Connection', 'close');
    throw tooLarge();
  }
  const { id, storageKey } = newCompanyDocumentKey(companyId);
  const { fields, file } = await receiveUpload(req, res, store, storageKey);

  const details: ErrorDetail[] = [];
  const parsed = documentFieldsSchema.safeParse({ type: fields.get('type') });
  if (!parsed.success) details.push(...parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || 'type', message: i.message })));
  if (!file) details.push({ path: 'file', message: 'a file is required' });
  if (!parsed.success || !file) {
    await store.delete(storageKey).catch(() => undefined);
    throw invalidFields(details);
  }
  return recordCompanyDocument(
    { db, documents: store },
    { id, storageKey, companyId, type: parsed.data.type, filename: file.filename, contentType: file.contentType, sizeBytes: file.sizeBytes },
  );
}

/** Sends a stored document as an attachment, as uploaded (its detected type, its cleaned name). */
export async function sendCompanyDocumentContent(res: Response, store: DocumentStore, doc: DocumentRow): Promise<void> {
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
}
