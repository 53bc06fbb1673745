import { Router, type Request } from 'express';
import type { Db } from '../../db/client';
import { escapeHtml as e } from '../../messaging/templates';
import { listPrintBatches, markPrintBatchPosted, renderPrintBatchPdf, type PrintBatchSummary } from '../../services/print-batches';
import { createCsrfToken, csrfField } from '../web-session/csrf';
import { requireConsoleRole } from './session';
import { dateHtml, timeHtml } from './display';
import { badge, layout, noticeHtml, scrollTable, sendConsoleError, sendConsolePage, type Viewer } from './views';

/**
 * Ops' print batches at `/console/print-batches`: the default print-and-mail adapter's daily
 * batches with their letter counts, each to download as one PDF and, once printed and handed to
 * the post, to mark posted (the same service as `POST /api/v2/print_batches/{id}/posted`).
 */
export function printBatchConsoleRoutes({ db, secret, clock = () => new Date() }: { db: Db; secret: string; clock?: () => Date }): Router {
  const r = Router();
  r.use(requireConsoleRole('ops'));
  const viewer = (req: Request): Viewer => ({ user: req.consoleUser!, csrf: createCsrfToken(secret, req.consoleSessionId!) });

  r.get('/', async (req, res) => {
    const posted = typeof req.query.posted === 'string' ? req.query.posted : '';
    sendConsolePage(res, 200, printBatchesPage(viewer(req), await listPrintBatches(db, { limit: 100 }), posted ? `Print batch ${posted} marked posted.` : undefined));
  });

  r.get('/:id.pdf', async (req, res) => {
    const pdf = await renderPrintBatchPdf(db, String(req.params.id));
    if (!pdf) return sendConsoleError(res, 404, 'There is no such print batch.', req.consoleUser);
    res.status(200).attachment(`print-batch-${String(req.params.id)}.pdf`).type('application/pdf').send(pdf);
  });

  r.post('/:id/posted', async (req, res) => {
    const id = String(req.params.id);
    if (!(await markPrintBatchPosted(db, id, clock()))) return sendConsoleError(res, 404, 'There is no such print batch.', req.consoleUser);
    res.redirect(303, `/console/print-batches?${new URLSearchParams({ posted: id })}`);
  });

  return r;
}

function printBatchesPage(viewer: Viewer, batches: PrintBatchSummary[], notice?: string): string {
  const rows = batches
    .map(
      (b) => `<tr data-testid="print-batch" data-batch-id="${e(b.id)}"><td data-label="Day">${dateHtml(b.batchDate)}</td><td class="num" data-label="Letters" data-testid="letter-count">${b.letterCount}</td><td data-label="Status" data-testid="batch-status">${badge(b.status)}${b.postedAt ? ` <span class="muted">${timeHtml(b.postedAt)}</span>` : ''}</td>
<td><a href="/console/print-batches/${e(b.id)}.pdf" download>Download PDF</a></td>
<td>${b.status === 'open' ? `<form method="post" action="/console/print-batches/${e(b.id)}/posted">${csrfField(viewer.csrf)}<button type="submit">Mark posted</button></form>` : ''}</td></tr>`,
    )
    .join('');
  const table = batches.length
    ? `<div class="card">${scrollTable(`<table class="stack"><thead><tr><th>Day</th><th class="num">Letters</th><th>Status</th><th>PDF</th><th></th></tr></thead><tbody>${rows}</tbody></table>`)}</div>`
    : `<p class="card muted" data-testid="print-batches-empty">No letters were queued yet.</p>`;
  return layout(
    'Print batches',
    `<h1>Print batches</h1><p class="lead">Letters to debtors collect in one batch per day (UTC). Download a batch, print it (A4, for DIN C5/6 or DL window envelopes), post it, then mark it posted: each letter then counts as sent, from that moment. Letters queued after that go to a new batch.</p>
${noticeHtml(notice)}${table}`,
    viewer,
    { current: '/console/print-batches' },
  );
}
