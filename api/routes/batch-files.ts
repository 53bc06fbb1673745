import path from 'node:path';
import { Router } from 'express';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { batchFiles } from '../../db/schema';
import { pageQuerySchema } from '../../domain/schemas';
import { principalOf, requireRole } from '../auth';
import { parse } from '../errors';
import { notFound } from '../../domain/errors';
import { partnerListPage } from '../pagination';
import { canSee } from '../scope';

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

function batchFileResource(f: typeof batchFiles.$inferSelect): z.infer<typeof batchFileSchema> {
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

/** The partner's batch files and how they went (the result files say it record by record). */
export function batchFileRoutes(db: Db): Router {
  const r = Router();
  r.use('/batch_files', requireRole('partner', 'ops'));

  r.get('/batch_files', async (req, res) => {
    const q = parse(batchFileListQuerySchema, req.query, 'query');
    const p = await partnerListPage(db, principalOf(req), batchFiles, q);
    res.json({ data: p.data.map(batchFileResource), next_cursor: p.next_cursor });
  });

  r.get('/batch_files/:id', async (req, res) => {
    const [row] = await db.select().from(batchFiles).where(eq(batchFiles.id, String(req.params.id)));
    if (!row || !canSee(principalOf(req), row.partnerId)) throw notFound('batch file');
    res.json(batchFileResource(row));
  });

  return r;
}
