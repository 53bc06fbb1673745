import path from 'node:path';
import { z } from 'zod';
import type { batchFiles } from '../../db/schema';
import { pageQuerySchema } from '../../domain/schemas';

export const batchFileListQuerySchema = pageQuerySchema.extend({ company_id: z.string().max(64).optional() });

/** A batch file picked up from the partner's inbox (docs/batch-files.md). */
export const batchFileSchema = z.object({
  id: z.string(),
  company_id: z.string().nullable(),
  type: z.enum(['placement', 'update']).nullable(),
  name: z.string().describe('the name in `processed/`'),
  result_file: z.string().describe('the result file next to it in `processed/`'),
  sha256: z.string(),
  status: z.enum(['processing', 'processed', 'failed']),
  counts: z.object({ records: z.number().int(), accepted: z.number().int(), rejected: z.number().int(), duplicate: z.number().int() }).nullable(),
  import_id: z.string().nullable(),
  created_at: z.string(),
  finished_at: z.string().nullable(),
});

export function batchFileResource(f: typeof batchFiles.$inferSelect): z.infer<typeof batchFileSchema> {
  return {
    id: f.id,
    company_id: f.companyId,
    type: f.type,
    name: f.name,
    result_file: path.basename(f.resultPath),
    sha256: f.sha256,
    status: f.status,
    counts: f.counts,
    import_id: f.importId,
    created_at: f.createdAt.toISOString(),
    finished_at: f.finishedAt?.toISOString() ?? null,
  };
}
