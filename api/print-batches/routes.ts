import { Router } from 'express';
import type { Db } from '../../db/client';
import { pageQuerySchema } from '../../domain/schemas';
import { getPrintBatch, listPrintBatches, markPrintBatchPosted, renderPrintBatchPdf } from '../../services/print-batches';
import { requireRole } from '../auth';
import { parse } from '../errors';
import { notFound } from '../../domain/errors';
import { decodeCursor, page } from '../../resources/page';
import { printBatchResource, printBatchSummaryResource } from './resources';

/**
 * The default print-and-mail adapter's daily print batches, for ops: list them, download one as a
 * PDF to print, and mark it posted once it went to the post. Letters hold debtors' addresses of
 * every tenant, so no partner or reviewer key sees them.
 */
export function printBatchRoutes(db: Db, clock: () => Date = () => new Date()): Router {
  const r = Router();
  r.use('/print_batches', requireRole('ops'));

  r.get('/print_batches', async (req, res) => {
    const q = parse(pageQuerySchema, req.query, 'query');
    const rows = await listPrintBatches(db, { limit: q.limit + 1, before: decodeCursor(q.cursor) });
    const p = page(rows, q.limit);
    res.json({ data: p.data.map(printBatchSummaryResource), next_cursor: p.next_cursor });
  });

  // Before `/:id`, which would take `<id>.pdf` as an id.
  r.get('/print_batches/:id.pdf', async (req, res) => {
    const pdf = await renderPrintBatchPdf(db, String(req.params.id));
    if (!pdf) throw notFound('print batch');
    res.status(200).attachment(`print-batch-${String(req.params.id)}.pdf`).type('application/pdf').send(pdf);
  });

  r.get('/print_batches/:id', async (req, res) => {
    const batch = await getPrintBatch(db, String(req.params.id));
    if (!batch) throw notFound('print batch');
    res.json(printBatchResource(batch));
  });

  r.post('/print_batches/:id/posted', async (req, res) => {
    const id = String(req.params.id);
    if (!(await markPrintBatchPosted(db, id, clock()))) throw notFound('print batch');
    res.json(printBatchResource((await getPrintBatch(db, id))!));
  });
  return r;
}
