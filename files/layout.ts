import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config';

/**
 * Where batch files live: `<root>/<partner id>/inbox/` (the partner drops files, by hand, script
 * or SFTP), `processed/` (picked-up files with their `<name>.result.jsonl` beside them) and
 * `outbox/` (the daily events extracts, `events-YYYY-MM-DD.jsonl`).
 */
export type PartnerFolderKind = 'inbox' | 'processed' | 'outbox';

/** The files root: `RECOUP_FILES_DIR`, else `$RECOUP_DATA_DIR/files`; null with an in-memory data dir. */
export function filesRoot(config: Partial<Pick<Config, 'RECOUP_FILES_DIR' | 'RECOUP_DATA_DIR'>>): string | null {
  if (config.RECOUP_FILES_DIR) return path.resolve(config.RECOUP_FILES_DIR);
  if (!config.RECOUP_DATA_DIR || config.RECOUP_DATA_DIR.startsWith('memory://')) return null;
  return path.resolve(config.RECOUP_DATA_DIR, 'files');
}

/** A partner id names a folder: it must not climb out of the root. */
export function isSafePartnerId(partnerId: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(partnerId);
}

export function partnerFolder(root: string, partnerId: string, kind?: PartnerFolderKind): string {
  if (!isSafePartnerId(partnerId)) throw new Error(`not a partner id: ${JSON.stringify(partnerId)}`);
  return kind ? path.join(root, partnerId, kind) : path.join(root, partnerId);
}

export async function ensurePartnerFolders(root: string, partnerId: string): Promise<void> {
  for (const kind of ['inbox', 'processed', 'outbox'] as const) await mkdir(partnerFolder(root, partnerId, kind), { recursive: true });
}

/** Files still being written by convention (`*.part`, `*.tmp`, `*.filepart`) and dotfiles are never picked up. */
export function isCandidateFileName(name: string): boolean {
  return !name.startsWith('.') && !/\.(part|tmp|filepart)$/i.test(name);
}

/** The result file written next to a processed file. */
export function resultPathFor(processedPath: string): string {
  return `${processedPath}.result.jsonl`;
}

export function eventsExtractName(day: string): string {
  return `events-${day}.jsonl`;
}
