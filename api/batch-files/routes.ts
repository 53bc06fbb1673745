import { eq } from 'drizzle-orm';
import { batchFiles } from '../../db/schema';
import { notFound } from '../../domain/errors';
import { principalOf } from '../auth';
import { partnerListPage } from '../pagination';
import { defineRoute } from '../route-definition';
import { canSee } from '../scope';
import { batchFileListQuerySchema, batchFileResource } from './resources';

/** The partner's batch files and how they went (the result files say it record by record). */
export const batchFileRoutes = [
  defineRoute({
    operationId: 'listBatchFiles',
    method: 'get',
    path: '/batch_files',
    tag: 'Imports',
    summary: 'List batch files',
    description: "JSON batch files picked up from the partner's inbox (docs/batch-files.md), with their record counts; the result file beside each says how every record went.",
    roles: ['partner', 'ops'],
    query: batchFileListQuerySchema,
    response: { status: 200, description: 'A page of batch files', schema: 'BatchFilePage' },
    handler: async ({ req, res, deps: { db }, query }) => {
      const p = await partnerListPage(db, principalOf(req), batchFiles, query());
      res.json({ data: p.data.map(batchFileResource), next_cursor: p.next_cursor });
    },
  }),
  defineRoute({
    operationId: 'getBatchFile',
    method: 'get',
    path: '/batch_files/{id}',
    tag: 'Imports',
    summary: 'Get a batch file',
    roles: ['partner', 'ops'],
    response: { status: 200, description: 'The batch file', schema: 'BatchFile' },
    handler: async ({ req, res, deps: { db }, param }) => {
      const [row] = await db.select().from(batchFiles).where(eq(batchFiles.id, param('id')));
      if (!row || !canSee(principalOf(req), row.partnerId)) throw notFound('batch file');
      res.json(batchFileResource(row));
    },
  }),
];
