import { createReadStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { Context } from '@temporalio/activity';
import { and, eq } from 'drizzle-orm';
import { batchFiles, companies, partners } from '../../db/schema';
import {
  batchFileHeaderSchema,
  batchFileLimitDefaults,
  issuesToErrors,
  parseJsonLine,
  type BatchFileHeader,
  type RecordError,
} from '../../domain/batch-file';
import { boundedLines } from '../../files/bounded-lines';
import { newId } from '../../services/ids';
import { ImportTransmissionRefused, transmitImport } from '../../services/import-transmission';
import type { BatchFileCounts, BatchFileInput, BatchFileSummary, BatchTransmission } from '../../workflows/batch-file.messages';
import type { ActivityDeps } from '../deps';
import { applyPlacements } from './placements';
import type { Pending } from './record-claims';
import { exists, partTempPath, ResultWriter, writeWhole } from './result-file';
import { applyUpdates } from './updates';

export { partTempPath } from './result-file';

export interface ProcessBatchFileResult {
  batchFileId: string | null;
  outcome: 'processed' | 'failed' | 'duplicate';
  duplicateOf: string | null;
  type: 'placement' | 'update' | null;
  companyId: string | null;
  importId: string | null;
  transmit: boolean;
  counts: BatchFileCounts;
  /** Bytes of record lines in the result file (the summary follows them). */
  resultBytes: number;
}

/** What a heartbeat carries: where to resume after a retry. */
interface Progress {
  line: number;
  resultBytes: number;
  counts: BatchFileCounts;
}

type Company = typeof companies.$inferSelect;

const PLACEMENT_CHUNK = 500;
/** Update records read before they are applied: an invoice's records within it go in one Update. */
const UPDATE_CHUNK = 500;

export function batchFileActivities({ db, temporal, config }: ActivityDeps) {
  return {
    /**
     * Reads the file line by line (never whole), applies each valid record and writes one result
     * line per record to `<result>.part`. Heartbeats the last line done; a retry resumes there.
     */
    async processBatchFileRecords(input: BatchFileInput): Promise<ProcessBatchFileResult> {
      const ctx = Context.current();
      const empty: BatchFileCounts = { records: 0, accepted: 0, rejected: 0, duplicate: 0 };
      const base = { batchFileId: null, duplicateOf: null, type: null, companyId: null, importId: null, transmit: false } as const;

      const [partner] = await db.select({ id: partners.id }).from(partners).where(eq(partners.id, input.partnerId));
      if (!partner) {
        const out = await ResultWriter.open(partTempPath(input.resultPath), undefined);
        await out.write([{ line: 0, record_id: null, status: 'rejected', errors: [{ field: '', message: 'the folder does not belong to a partner' }] }]);
        await out.close();
        return { ...base, outcome: 'failed', counts: empty, resultBytes: out.bytes };
      }
      await db
        .insert(batchFiles)
        .values({ id: newId('bf'), partnerId: input.partnerId, name: input.name, sha256: input.sha256, path: input.path, resultPath: input.resultPath })
        .onConflictDoNothing();
      const [file] = await db.select().from(batchFiles).where(and(eq(batchFiles.partnerId, input.partnerId), eq(batchFiles.sha256, input.sha256)));
      if (file!.path !== input.path) {
        return { ...base, batchFileId: null, outcome: 'duplicate', duplicateOf: file!.name, counts: empty, resultBytes: 0 };
      }

      const progress = (ctx.info.heartbeatDetails as Progress | undefined) ?? { line: 1, resultBytes: 0, counts: { ...empty } };
      const writer = await ResultWriter.open(partTempPath(input.resultPath), progress.resultBytes);
      const counts = { ...progress.counts };
      // Longest line held in memory; a longer one is reported by its number and skipped unread.
      const maxLineBytes = config.RECOUP_MAX_BATCH_LINE_BYTES ?? batchFileLimitDefaults.maxLineBytes;
      const stream = createReadStream(input.path);
      const lines = boundedLines(stream as AsyncIterable<Buffer>, maxLineBytes);
      const tooLong = (line: number): RecordError[] => [{ field: '', message: `line ${line} is longer than ${maxLineBytes} bytes; it was not read` }];
      let header: BatchFileHeader | undefined;
      let company: Company | undefined;
      let importId = file!.importId;
      let pending: Pending[] = [];

      const fail = async (line: number, errors: RecordError[]): Promise<ProcessBatchFileResult> => {
        stream.destroy();
        await writer.write([{ line, record_id: null, status: 'rejected', errors }]);
        await writer.close();
        await db.update(batchFiles).set({ status: 'failed', counts: empty }).where(eq(batchFiles.id, file!.id));
        return { ...base, batchFileId: file!.id, outcome: 'failed', counts: empty, resultBytes: writer.bytes };
      };

      const flush = async (): Promise<void> => {
        if (pending.length === 0) return;
        const results =
          header!.type === 'placement'
            ? await applyPlacements(db, { file: file!, company: company!, header: header!, importId: () => importId, setImportId: (id) => (importId = id) }, pending)
            : await applyUpdates(db, temporal, { fileId: file!.id, company: company! }, pending);
        await writer.write(results);
        for (const r of results) {
          counts.records++;
          counts[r.status]++;
        }
        const last = pending[pending.length - 1]!.line;
        pending = [];
        // A copy: the SDK may send the details later, and `counts` keeps changing.
        ctx.heartbeat({ line: last, resultBytes: writer.bytes, counts: { ...counts } } satisfies Progress);
      };

      for await (const read of lines) {
        const lineNo = read.line;
        if (lineNo === 1) {
          if (!('text' in read)) return fail(1, tooLong(1));
          const json = parseJsonLine(read.text.replace(/^\uFEFF/, ''));
          if (!json.ok) return fail(1, [json.error]);
          const parsed = batchFileHeaderSchema.safeParse(json.value);
          if (!parsed.success) return fail(1, issuesToErrors(parsed.error.issues));
          header = parsed.data;
          [company] = await db.select().from(companies).where(and(eq(companies.id, header.company_id), eq(companies.partnerId, input.partnerId)));
          // Another partner's company reads as unknown: its existence is not theirs to learn.
          if (!company) return fail(1, [{ field: 'company_id', message: 'no such company' }]);
          if (file!.companyId === null) await db.update(batchFiles).set({ companyId: company.id, type: header.type }).where(eq(batchFiles.id, file!.id));
          continue;
        }
        if (lineNo <= progress.line) continue;
        if (!('text' in read)) {
          pending.push({ line: lineNo, result: { line: lineNo, record_id: null, status: 'rejected', errors: tooLong(lineNo) } });
        } else {
          if (read.text.trim() === '') continue;
          const json = parseJsonLine(read.text);
          if (json.ok) pending.push({ line: lineNo, record: json.value });
          else pending.push({ line: lineNo, result: { line: lineNo, record_id: null, status: 'rejected', errors: [json.error] } });
        }
        if (pending.length >= (header!.type === 'placement' ? PLACEMENT_CHUNK : UPDATE_CHUNK)) await flush();
      }
      if (!header) return fail(1, [{ field: '', message: 'the file is empty: it needs a header line' }]);
      await flush();
      await writer.close();
      await db.update(batchFiles).set({ counts, importId }).where(eq(batchFiles.id, file!.id));
      return {
        batchFileId: file!.id,
        outcome: 'processed',
        duplicateOf: null,
        type: header.type,
        companyId: company!.id,
        importId,
        transmit: header.settings.transmit,
        counts,
        resultBytes: writer.bytes,
      };
    },

    /** The same transmission as POST /imports/{id}/transmit. */
    async transmitBatchImport(input: { importId: string }): Promise<BatchTransmission> {
      try {
        await transmitImport(db, temporal, config.TEMPORAL_TASK_QUEUE, input.importId);
        return { status: 'started', import_id: input.importId };
      } catch (err) {
        if (err instanceof ImportTransmissionRefused) return { status: 'refused', import_id: input.importId, reason: err.code };
        throw err;
      }
    },

    /** Appends the summary line and gives the result file its name (temporary name, then rename). */
    async completeBatchFile(input: { input: BatchFileInput; processed: ProcessBatchFileResult; transmission?: BatchTransmission }): Promise<BatchFileSummary> {
      const { processed } = input;
      const summary: BatchFileSummary = {
        summary: true,
        file: input.input.name,
        sha256: input.input.sha256,
        status: processed.outcome,
        type: processed.type,
        company_id: processed.companyId,
        counts: processed.counts,
        ...(processed.duplicateOf ? { duplicate_of: processed.duplicateOf } : {}),
        ...(processed.type === 'placement' ? { import_id: processed.importId } : {}),
        ...(input.transmission ? { transmission: input.transmission } : {}),
        finished_at: new Date().toISOString(),
      };
      const part = partTempPath(input.input.resultPath);
      if (processed.outcome === 'duplicate' || !(await exists(part))) {
        if (processed.outcome !== 'duplicate' && (await exists(input.input.resultPath))) return summary; // done by an earlier attempt
        await writeWhole(part, `${JSON.stringify(summary)}\n`);
      } else {
        const out = await ResultWriter.open(part, processed.resultBytes);
        await out.writeLine(summary);
        await out.close();
      }
      await rename(part, input.input.resultPath);
      if (processed.batchFileId) {
        await db
          .update(batchFiles)
          .set({ status: processed.outcome === 'failed' ? 'failed' : 'processed', finishedAt: new Date(summary.finished_at) })
          .where(eq(batchFiles.id, processed.batchFileId));
      }
      return summary;
    },
  };
}
