/** Names and input of the batch file and events extract workflows: importable without the workflows. */

export interface BatchFileInput {
  partnerId: string;
  /** The name the partner gave the file. */
  name: string;
  /** Where the picked-up file now lies (in the partner's `processed/`). */
  path: string;
  /** Where its result file goes (next to it). */
  resultPath: string;
  sha256: string;
}

export interface BatchFileCounts {
  records: number;
  accepted: number;
  rejected: number;
  duplicate: number;
}

export type BatchTransmission =
  | { status: 'not_requested' }
  | { status: 'started'; import_id: string }
  | { status: 'refused'; import_id: string; reason: string };

/** The last line of every result file. */
export interface BatchFileSummary {
  summary: true;
  file: string;
  /** Null for a file refused unread (too large): it was never hashed. */
  sha256: string | null;
  /** `refused`: the file was not processed at all; `error` says why. */
  status: 'processed' | 'failed' | 'duplicate' | 'refused';
  type: 'placement' | 'update' | null;
  company_id: string | null;
  counts: BatchFileCounts;
  /** Set when these bytes were processed before: the earlier file's name; nothing was changed. */
  duplicate_of?: string;
  /** Why a file was refused, e.g. `{ code: 'file_too_large', message }`. */
  error?: { code: 'file_too_large'; message: string };
  import_id?: string | null;
  transmission?: BatchTransmission;
  finished_at: string;
}

/** One workflow per partner and file content: the same bytes submitted again never run twice. */
export function batchFileWorkflowId(partnerId: string, sha256: string): string {
  return `batch-file-${partnerId}-${sha256}`;
}

export interface EventsExtractInput {
  /** The UTC day to extract (YYYY-MM-DD); default: the day before the run started. */
  day?: string;
}

export const eventsExtractScheduleId = 'events-extract-daily';
