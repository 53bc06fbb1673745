import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import busboy from 'busboy';
import type { Request, Response } from 'express';
import type { SpreadsheetLimits } from '../../files/spreadsheet/limits';
import { SpreadsheetRefused } from '../../files/spreadsheet/refusal';

/** An uploaded spreadsheet in a private temporary folder; `discard` removes it. */
export interface ReceivedSpreadsheet {
  path: string;
  fields: Map<string, string>;
  discard(): Promise<void>;
}

const tooLarge = (limits: SpreadsheetLimits) =>
  new SpreadsheetRefused('spreadsheet_too_large', `The file is larger than ${Math.round(limits.maxFileBytes / 1024 / 1024)} MB: split it into several imports`);
const noFile = () => new SpreadsheetRefused('spreadsheet_empty', 'Choose a spreadsheet file (CSV or XLSX) to upload');

/**
 * Streams the form's file (field `file`) to disk, cut off one byte past the size limit so a file of
 * 50 MB costs no more than 20 MB of disk and no memory; the reader then streams it from there
 * (an XLSX needs its end first: the zip directory is there). The body is read to its end before
 * answering, so the browser sees the page rather than a reset, except past twice the limit.
 */
export async function receiveSpreadsheet(req: Request, res: Response, limits: SpreadsheetLimits): Promise<ReceivedSpreadsheet> {
  const dir = await mkdtemp(path.join(tmpdir(), 'recoup-upload-'));
  const file = path.join(dir, 'upload');
  const discard = () => rm(dir, { recursive: true, force: true });
  try {
    const fields = await new Promise<Map<string, string>>((resolve, reject) => {
      let parser: busboy.Busboy;
      try {
        parser = busboy({ headers: req.headers, limits: { fileSize: limits.maxFileBytes + 1, files: 1, fields: 5, fieldSize: 1024, parts: 6, headerPairs: 20 } });
      } catch {
        reject(noFile());
        return;
      }
      const fields = new Map<string, string>();
      let failure: unknown;
      let written: Promise<void> | undefined;
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        void (written ?? Promise.resolve()).then(
          () => (failure === undefined ? (written ? resolve(fields) : reject(noFile())) : reject(failure)),
          (err: unknown) => reject(failure ?? err),
        );
      };
      parser.on('file', (name, stream) => {
        if (name !== 'file' || written) {
          stream.resume();
          return;
        }
        const out = createWriteStream(file);
        written = new Promise<void>((done, fail) => {
          out.on('finish', done);
          out.on('error', fail);
        });
        // Past the limit, or cut off with the request: the failure is recorded, not thrown.
        stream.on('error', (err) => {
          failure ??= err;
          out.end();
        });
        stream.on('limit', () => {
          failure ??= tooLarge(limits);
          stream.unpipe(out);
          out.end();
          stream.resume();
        });
        stream.pipe(out);
      });
      parser.on('field', (name, value) => fields.set(name, value));
      parser.on('error', () => {
        failure ??= noFile();
        settle();
      });
      parser.on('close', settle);
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > 2 * limits.maxFileBytes && !settled) {
          failure ??= tooLarge(limits);
          res.set('Connection', 'close');
          req.unpipe(parser);
          parser.destroy();
          settle();
        }
      });
      req.pipe(parser);
    });
    return { path: file, fields, discard };
  } catch (err) {
    await discard();
    throw err;
  }
}
