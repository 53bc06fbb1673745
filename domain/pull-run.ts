/**
 * The rules of one pull run, pure so that the pull workflow and unit tests share them:
 * whether to transmit what was pulled, and how a run is summed up on the pull source.
 */

/** Bounds of one run, so a misbehaving partner endpoint cannot exhaust the worker. */
export const pullLimits = {
  maxPages: 50,
  maxInvoicesPerPage: 1000,
  maxResponseBytes: 10 * 1024 * 1024,
  requestTimeoutMs: 30_000,
} as const;

export interface FieldIssue {
  path: string;
  message: string;
}

/** A record of the partner's response that was skipped, and why. */
export interface SkippedPullRecord {
  page: number;
  index: number;
  externalId: string | null;
  errors: FieldIssue[];
}

export type PullRunStatus = 'succeeded' | 'completed_with_errors' | 'failed';

export type TransmitSkipReason = 'auto_transmit_off' | 'company_not_verified' | 'import_empty' | 'no_import' | 'import_already_transmitted';

export interface PullRunResult {
  status: PullRunStatus;
  startedAt: string;
  finishedAt: string;
  pages: number;
  /** Records in the partner's responses, valid or not. */
  received: number;
  created: number;
  updated: number;
  /** Known, still draft, and identical: nothing written. */
  unchanged: number;
  /** Known and already transmitted (or otherwise no longer a draft): left alone. */
  skippedTransmitted: number;
  /** Invalid records (and repeated external ids) skipped; `skipped` lists the first of them. */
  invalidCount: number;
  skipped: SkippedPullRecord[];
  /** More pages were offered than one run follows. */
  truncated: boolean;
  importId: string | null;
  transmitted: boolean;
  transmitSkipReason: TransmitSkipReason | null;
  /** Why the run failed, or a summary of what was skipped; null when all went well. */
  error: string | null;
}

/** At most this many skipped records are kept in detail per run (the count is always exact). */
export const MAX_REPORTED_SKIPS = 50;

export interface TransmitFacts {
  autoTransmit: boolean;
  companyVerified: boolean;
  importId: string | null;
  importInvoiceCount: number;
}

/** Auto-transmit only a verified company's non-empty pulled import. */
export function autoTransmitDecision(f: TransmitFacts): { transmit: true; importId: string } | { transmit: false; reason: TransmitSkipReason } {
  if (!f.autoTransmit) return { transmit: false, reason: 'auto_transmit_off' };
  if (!f.importId) return { transmit: false, reason: 'no_import' };
  if (!f.companyVerified) return { transmit: false, reason: 'company_not_verified' };
  if (f.importInvoiceCount === 0) return { transmit: false, reason: 'import_empty' };
  return { transmit: true, importId: f.importId };
}

/** New or changed invoices: what `last_imported_count` reports. */
export function importedCount(r: Pick<PullRunResult, 'created' | 'updated'>): number {
  return r.created + r.updated;
}

/** A run that fetched everything but skipped records or pages completed with errors. */
export function completedRunStatus(r: Pick<PullRunResult, 'invalidCount' | 'truncated'>): PullRunStatus {
  return r.invalidCount > 0 || r.truncated ? 'completed_with_errors' : 'succeeded';
}

/** One human sentence (or a few) for `last_error`, naming the first skipped records. */
export function completedRunError(r: Pick<PullRunResult, 'invalidCount' | 'received' | 'skipped' | 'truncated' | 'pages'>): string | null {
  const parts: string[] = [];
  if (r.invalidCount > 0) {
    const named = r.skipped.slice(0, 5).map((s) => {
      const which = `page ${s.page + 1} invoices[${s.index}]${s.externalId ? ` (external_id ${s.externalId})` : ''}`;
      return `${which}: ${s.errors.map((e) => `${e.path}: ${e.message}`).join(', ')}`;
    });
    const more = r.invalidCount > named.length ? `; and ${r.invalidCount - named.length} more` : '';
    parts.push(`${r.invalidCount} of ${r.received} records skipped: ${named.join('; ')}${more}`);
  }
  if (r.truncated) parts.push(`stopped after ${r.pages} pages; the remaining pages were not fetched`);
  return parts.length > 0 ? parts.join('. ') : null;
}
