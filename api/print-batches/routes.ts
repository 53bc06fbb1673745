import { pageQuerySchema } from '../../domain/schemas';
import { getPrintBatch, listPrintBatches, markPrintBatchPosted, renderPrintBatchPdf } from '../../services/print-batches';
import { notFound } from '../../domain/errors';
import { defineRoute } from '../route-definition';
import { decodeCursor, page } from '../../resources/page';
import { printBatchResource, printBatchSummaryResource } from './resources';

const tag = 'Print batches';

/**
 * The default print-and-mail adapter's daily print batches, for ops: list them, download one as a
 * PDF to print, and mark it posted once it went to the post. Letters hold debtors' addresses of
 * every tenant, so no partner or reviewer key sees them.
 */
export const printBatchRoutes = [
  defineRoute({
    operationId: 'listPrintBatches',
    method: 'get',
    path: '/print_batches',
    tag,
    summary: 'List print batches, newest first',
    description:
      'With the default print-and-mail adapter (no `PRINT_MAIL_API_URL`), every letter waits in the open batch of its UTC day until ops mark the batch posted; a letter queued after that goes to a new batch.',
    roles: ['ops'],
    query: pageQuerySchema,
    response: { status: 200, description: 'A page of print batches with their letter counts', schema: 'PrintBatchPage' },
    handler: async ({ res, deps: { db }, query }) => {
      const q = query();
      const rows = await listPrintBatches(db, { limit: q.limit + 1, before: decodeCursor(q.cursor) });
      const p = page(rows, q.limit);
      res.json({ data: p.data.map(printBatchSummaryResource), next_cursor: p.next_cursor });
    },
  }),
  // Before `/{id}`, which would take `<id>.pdf` as an id.
  defineRoute({
    operationId: 'getPrintBatchPdf',
    method: 'get',
    path: '/print_batches/{id}.pdf',
    tag,
    summary: 'A print batch as one PDF',
    description:
      'Every letter of the batch in the order queued, each starting on a new A4 page with the address in the window of a DIN 5008 (C5/6, DL) window envelope. Sent as an attachment.',
    roles: ['ops'],
    response: { status: 200, description: 'The batch as a PDF', mediaType: 'application/pdf' },
    handler: async ({ res, deps: { db }, param }) => {
      const pdf = await renderPrintBatchPdf(db, param('id'));
      if (!pdf) throw notFound('print batch');
      res.status(200).attachment(`print-batch-${param('id')}.pdf`).type('application/pdf').send(pdf);
    },
  }),
  defineRoute({
    operationId: 'getPrintBatch',
    method: 'get',
    path: '/print_batches/{id}',
    tag,
    summary: 'A print batch with its letters',
    roles: ['ops'],
    response: { status: 200, description: 'The batch', schema: 'PrintBatch' },
    handler: async ({ res, deps: { db }, param }) => {
      const batch = await getPrintBatch(db, param('id'));
      if (!batch) throw notFound('print batch');
      res.json(printBatchResource(batch));
    },
  }),
  defineRoute({
    operationId: 'markPrintBatchPosted',
    method: 'post',
    path: '/print_batches/{id}/posted',
    tag,
    summary: 'Mark a print batch posted',
    description:
      'The batch was printed and handed to the post: it becomes `posted`, and so does each of its letters (`sent_at` now, event `message.sent` with `channel: letter, delivery: posted`). Marking it again changes nothing. No body.',
    roles: ['ops'],
    response: { status: 200, description: 'The batch, `posted`', schema: 'PrintBatch' },
    handler: async ({ res, deps: { db, clock }, param }) => {
      const id = param('id');
      if (!(await markPrintBatchPosted(db, id, clock()))) throw notFound('print batch');
      res.json(printBatchResource((await getPrintBatch(db, id))!));
    },
  }),
];
