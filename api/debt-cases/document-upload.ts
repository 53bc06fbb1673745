import type { Request, Response } from 'express';
import busboy from 'busboy';
import { MAX_DOCUMENT_BYTES, cleanFilename, declaredTypeAgrees, detectDocumentContentType, type DocumentContentType } from '../../domain/company-documents';
import { AppError } from '../errors';

export interface ReceivedCaseDocument {
  fields: Map<string, string>;
  file: { bytes: Buffer; filename: string; contentType: DocumentContentType } | null;
}

const invalidMultipart = (path: string, message: string) =>
  new AppError(400, 'invalid_multipart', `The multipart body is invalid: ${path}: ${message}`, [{ path, message }]);
export const documentTooLarge = () =>
  new AppError(413, 'payload_too_large', `A document may be at most ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB`, [{ path: 'file', message: `must be at most ${MAX_DOCUMENT_BYTES} bytes` }]);
const unsupportedFile = (message: string) => new AppError(415, 'unsupported_file_type', `Only PDF, PNG and JPEG documents are accepted: ${message}`, [{ path: 'file', message }]);

/**
 * Reads a `multipart/form-data` upload of one case document (`file`, plus `type` and `name`) into
 * memory, at most MAX_DOCUMENT_BYTES; the file's first bytes must prove a PDF, PNG or JPEG. The
 * whole body is read before answering, so the client sees the answer rather than a reset.
 */
export function receiveCaseDocument(req: Request, res: Response): Promise<ReceivedCaseDocument> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: MAX_DOCUMENT_BYTES + 1, files: 2, fields: 10, fieldSize: 1024, parts: 12 } });
    } catch {
      reject(invalidMultipart('body', 'must be multipart/form-data with a boundary'));
      return;
    }
    const fields = new Map<string, string>();
    let file: ReceivedCaseDocument['file'] = null;
    let failure: unknown;
    const fail = (err: unknown) => {
      failure ??= err;
    };
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || file) {
        stream.resume();
        return fail(invalidMultipart(name, name !== 'file' ? 'unexpected file; send the document in the field "file"' : 'send one file only'));
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(documentTooLarge()));
      stream.on('end', () => {
        const bytes = Buffer.concat(chunks);
        if (bytes.length === 0) return fail(invalidMultipart('file', 'the file is empty'));
        const detected = detectDocumentContentType(bytes);
        if (!detected) return fail(unsupportedFile('the content is not a PDF, PNG or JPEG file'));
        if (!declaredTypeAgrees(info.mimeType, detected)) return fail(unsupportedFile(`declared as ${info.mimeType} but the content is ${detected}`));
        file = { bytes, filename: cleanFilename(info.filename, detected), contentType: detected };
      });
    });
    parser.on('field', (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) return fail(invalidMultipart(name, 'the value is too long'));
      if (fields.has(name)) return fail(invalidMultipart(name, 'given more than once'));
      fields.set(name, value);
    });
    for (const limit of ['filesLimit', 'fieldsLimit', 'partsLimit'] as const) parser.on(limit, () => fail(invalidMultipart('body', 'too many parts')));
    parser.on('error', (err: Error) => {
      res.set('Connection', 'close');
      reject(invalidMultipart('body', err.message));
    });
    parser.on('close', () => (failure === undefined ? resolve({ fields, file }) : reject(failure)));
    req.pipe(parser);
  });
}
