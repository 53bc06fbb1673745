import { z } from 'zod';
import { debtorPatchSchema, invoiceCreateSchema, paymentSchema, positiveAmountCents } from './schemas';

/**
 * JSON batch files (version 1), JSON Lines: a header line, then one record per line. The JSON
 * Schema `schemas/batch-file.v1.schema.json` documents the same shapes for partners; a test keeps
 * the two in agreement. Pure zod, shared by the processor and the tests.
 */
export const BATCH_FILE_FORMAT = 'recoup.batch';

/**
 * Default limits of a batch file (RECOUP_MAX_BATCH_FILE_BYTES, RECOUP_MAX_BATCH_LINE_BYTES):
 * 500 MiB a file (about a million placement records) and 1 MiB a line (a record is a few KB).
 * Binary units: 500 × 1024 × 1024 bytes.
 */
export const batchFileLimitDefaults = { maxFileBytes: 500 * 1024 * 1024, maxLineBytes: 1024 * 1024 } as const;
export const BATCH_FILE_VERSION = 1;

const text = (max: number) => z.string().trim().min(1).max(max);
export const recordIdSchema = z.string().min(1).max(100).regex(/^[A-Za-z0-9._:\-/]+$/, 'must be letters, digits or . _ : - /');

export const batchFileHeaderSchema = z.strictObject({
  format: z.literal(BATCH_FILE_FORMAT),
  version: z.literal(BATCH_FILE_VERSION),
  type: z.enum(['placement', 'update']),
  company_id: text(64),
  settings: z
    .strictObject({
      /** Placement: start collecting the new invoices when the file is processed (default true). */
      transmit: z.boolean().default(true),
      /** Placement: the import's title (default: the file name). */
      import_title: text(200).optional(),
    })
    .default({ transmit: true }),
});
export type BatchFileHeader = z.infer<typeof batchFileHeaderSchema>;

/** A placement record: one invoice to collect. `external_id` is required so update files can address it. */
export const placementRecordSchema = z.strictObject({
  record_id: recordIdSchema,
  invoice: invoiceCreateSchema.omit({ import_id: true }).extend({ external_id: text(100) }),
});
export type PlacementRecord = z.infer<typeof placementRecordSchema>;

/** Which invoice of the file's company an update is about: the partner's id for it, or Recoup's. */
const target = {
  record_id: recordIdSchema,
  invoice_external_id: text(100).optional(),
  invoice_id: text(64).optional(),
};

const updateRecordUnion = z.discriminatedUnion('action', [
  z.strictObject({
    ...target,
    action: z.literal('payment'),
    amount_cents: positiveAmountCents,
    paid_at: paymentSchema.shape.paid_at,
    /** The payment's own id (default: the record id): the same payment is never counted twice. */
    external_id: text(100).optional(),
  }),
  z.strictObject({ ...target, action: z.literal('credit'), amount_cents: positiveAmountCents, reason: text(500).optional() }),
  z.strictObject({ ...target, action: z.literal('retract'), reason: text(500).optional() }),
  z.strictObject({
    ...target,
    action: z.literal('contact'),
    // As PATCH /invoices/{id}/debtor, but a field the format does not know is an error, not ignored.
    debtor: z.strictObject(debtorPatchSchema.shape).refine((p) => Object.keys(p).length > 0, { message: 'give at least one field to change' }),
  }),
  z.strictObject({ ...target, action: z.literal('hold'), reason: text(500).optional() }),
  z.strictObject({ ...target, action: z.literal('resume') }),
]);

export const updateRecordSchema = updateRecordUnion.superRefine((r, ctx) => {
  if ((r.invoice_external_id === undefined) === (r.invoice_id === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['invoice_external_id'], message: 'give exactly one of invoice_external_id and invoice_id' });
  }
});
export type UpdateRecord = z.infer<typeof updateRecordSchema>;

/** One problem of a record, as the result file reports it. */
export interface RecordError {
  field: string;
  message: string;
}

export type RecordStatus = 'accepted' | 'rejected' | 'duplicate';

/** One line of a result file per record of the batch file. */
export interface RecordResult {
  line: number;
  record_id: string | null;
  status: RecordStatus;
  invoice_id?: string;
  errors?: RecordError[];
}

export function issuesToErrors(issues: readonly z.core.$ZodIssue[]): RecordError[] {
  return issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message }));
}

/** Parses one line as JSON; a line that is not JSON is one error without a field. */
export function parseJsonLine(line: string): { ok: true; value: unknown } | { ok: false; error: RecordError } {
  try {
    return { ok: true, value: JSON.parse(line) as unknown };
  } catch (err) {
    return { ok: false, error: { field: '', message: `not valid JSON: ${(err as Error).message}` } };
  }
}

/** The record id of a record that failed validation, when it has a usable one (for the report). */
export function recordIdOf(value: unknown): string | null {
  if (value && typeof value === 'object' && 'record_id' in value) {
    const id = (value as { record_id: unknown }).record_id;
    if (typeof id === 'string' && recordIdSchema.safeParse(id).success) return id;
  }
  return null;
}
