import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { batchFileLimitDefaults } from '../domain/batch-file';
import { batchFileNameOf, startBatchFileWorkflow } from '../workflows/batch-file.client';
import type { BatchFileInput, BatchFileSummary } from '../workflows/batch-file.messages';
import { ensurePartnerFolders, isSafePartnerId, partnerFolder, resultPathFor } from './layout';

export interface IntakeDeps {
  temporal: Client;
  taskQueue: string;
  /** The files root (see files/layout.ts). */
  root: string;
  /** RECOUP_MAX_BATCH_FILE_BYTES: a larger file is refused unread. */
  maxFileBytes?: number;
}

export type IntakeResult =
  | { status: 'started'; workflowId: string; name: string; path: string; resultPath: string; sha256: string }
  /** The same bytes came before: nothing is processed; the result file says which file it repeats. */
  | { status: 'duplicate'; workflowId: string; name: string; path: string; resultPath: string; sha256: string; duplicateOf: string }
  /** Larger than the limit: moved to `processed/` unread, with a result file that says so; nothing is processed. */
  | { status: 'refused'; reason: 'file_too_large'; name: string; path: string; resultPath: string; size: number }
  /** Another process picked the file up first (or it was removed). */
  | { status: 'gone' };

/**
 * Hands a complete batch file to processing; used by the drop-folder watcher and the SFTP server.
 * The file is moved out of the inbox into the partner's `processed/` (an atomic rename: of two
 * processes submitting it, one wins), hashed, and processed by a workflow whose id is the
 * partner's and the content's: the same bytes submitted again never run twice.
 */
export async function submitBatchFile(deps: IntakeDeps, file: { partnerId: string; path: string }): Promise<IntakeResult> {
  if (!isSafePartnerId(file.partnerId)) throw new Error(`not a partner id: ${JSON.stringify(file.partnerId)}`);
  await ensurePartnerFolders(deps.root, file.partnerId);
  const processed = partnerFolder(deps.root, file.partnerId, 'processed');
  const name = path.basename(file.path);
  // Dotfiles are never picked up, so the claimed file waits here unseen until it has its name.
  const claimed = path.join(processed, `.incoming-${randomBytes(6).toString('hex')}-${name}`);
  try {
    await rename(file.path, claimed);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'gone' };
    throw err;
  }
  const finalPath = await linkUnderFreeName(claimed, processed, name);
  await unlink(claimed);
  const maxFileBytes = deps.maxFileBytes ?? batchFileLimitDefaults.maxFileBytes;
  const { size } = await stat(finalPath);
  if (size > maxFileBytes) return refuseTooLarge(finalPath, size, maxFileBytes);
  const sha256 = await sha256Of(finalPath);
  const input: BatchFileInput = { partnerId: file.partnerId, name: path.basename(finalPath), path: finalPath, resultPath: resultPathFor(finalPath), sha256 };
  const { workflowId, started } = await startBatchFileWorkflow(deps.temporal, deps.taskQueue, input).catch(async (err: unknown) => {
    // Not handed over (Temporal unreachable): back to the inbox, to be picked up again.
    await rename(finalPath, file.path).catch(() => undefined);
    throw err;
  });
  if (started) return { status: 'started', workflowId, ...input };
  const duplicateOf = (await batchFileNameOf(deps.temporal, workflowId)) ?? 'an earlier file';
  const summary: BatchFileSummary = {
    summary: true,
    file: input.name,
    sha256,
    status: 'duplicate',
    type: null,
    company_id: null,
    counts: { records: 0, accepted: 0, rejected: 0, duplicate: 0 },
    duplicate_of: duplicateOf,
    finished_at: new Date().toISOString(),
  };
  await writeAtomically(input.resultPath, `${JSON.stringify(summary)}\n`);
  return { status: 'duplicate', workflowId, ...input, duplicateOf };
}

/**
 * A file over the size limit is not read at all (not even hashed): it stays in `processed/` for
 * the partner to see and remove, with a result file of one summary line that says why.
 */
async function refuseTooLarge(file: string, size: number, maxFileBytes: number): Promise<IntakeResult> {
  const name = path.basename(file);
  const resultPath = resultPathFor(file);
  const summary: BatchFileSummary = {
    summary: true,
    file: name,
    sha256: null,
    status: 'refused',
    type: null,
    company_id: null,
    counts: { records: 0, accepted: 0, rejected: 0, duplicate: 0 },
    error: { code: 'file_too_large', message: `the file has ${size} bytes, more than the limit of ${maxFileBytes} bytes; nothing was processed` },
    finished_at: new Date().toISOString(),
  };
  await writeAtomically(resultPath, `${JSON.stringify(summary)}\n`);
  return { status: 'refused', reason: 'file_too_large', name, path: file, resultPath, size };
}

/** `name`, or `name-2.ext`, `name-3.ext`…: the first that is free (a link never overwrites). */
async function linkUnderFreeName(source: string, folder: string, name: string): Promise<string> {
  const ext = path.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 1; ; n++) {
    const candidate = path.join(folder, n === 1 ? name : `${stem}-${n}${ext}`);
    try {
      await link(source, candidate);
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const h = await open(temp, 'w');
  await h.writeFile(text);
  await h.sync();
  await h.close();
  await rename(temp, file);
}
