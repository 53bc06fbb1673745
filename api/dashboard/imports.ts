import { and, count, desc, eq, sum } from 'drizzle-orm';
import { Router, type Request, type Response } from 'express';
import { imports, invoices } from '../../db/schema';
import { spreadsheetLimits } from '../../files/spreadsheet/limits';
import { SpreadsheetRefused } from '../../files/spreadsheet/refusal';
import { templateLanguages, type TemplateLanguage } from '../../files/spreadsheet/columns';
import { csvTemplate, templateContentTypes, xlsxTemplate } from '../../files/spreadsheet/template';
import { escapeHtml as e } from '../../messaging/templates';
import { transmitImport } from '../../services/import-transmission';
import { importInvoiceCounts } from '../../services/imports';
import { importSpreadsheet, type SpreadsheetRowError } from '../../services/spreadsheet-imports';
import { dateHtml, moneyText, numberText } from './format';
import { importTexts } from './import-texts';
import { csrfField, dashboardPage, sendDashboardNotFound, sendDashboardPage, viewerOf, type DashboardViewer } from './layout';
import { requireDashboardAdmin, type DashboardDeps } from './routes';
import { receiveSpreadsheet } from './spreadsheet-upload';
import { fill, localeNames } from './texts';

type ImportRow = typeof imports.$inferSelect;
const FIRST_ROWS = 20;
const HERE = '/dashboard/imports';

const statusText = (t: ReturnType<typeof importTexts>, status: ImportRow['status']) =>
  status === 'draft' ? t.draft : status === 'transmitting' ? t.transmitting : t.transmittedStatus;

function templateLinks(viewer: DashboardViewer): string {
  const t = importTexts(viewer.locale);
  // The viewer's language first: the one they most likely want.
  const order = [viewer.locale as TemplateLanguage, ...templateLanguages.filter((l) => l !== viewer.locale)];
  const items = order
    .map((l) => `<li lang="${l}">${e(localeNames[l])}: <a href="${HERE}/template/${l}.xlsx" download>XLSX</a> · <a href="${HERE}/template/${l}.csv" download>CSV</a></li>`)
    .join('');
  return `<section class="card" aria-labelledby="templates"><h2 id="templates">${e(t.templates)}</h2><p class="muted">${e(t.templatesLead)}</p><ul data-testid="templates">${items}</ul></section>`;
}

/** The upload form (admins), or the note that the role may only look. */
function uploadForm(viewer: DashboardViewer, title = ''): string {
  const t = importTexts(viewer.locale);
  if (viewer.user.role !== 'admin') return `<section class="card"><h2>${e(t.newImport)}</h2><p class="muted" data-testid="viewer-note">${e(t.viewerNoUpload)}</p></section>`;
  const mb = Math.round(spreadsheetLimits.maxFileBytes / 1024 / 1024);
  // A multipart body is read by the route itself, so the CSRF token rides in the query string.
  return `<section class="card" aria-labelledby="upload"><h2 id="upload">${e(t.newImport)}</h2><p class="muted">${e(t.uploadLead)}</p>
<form method="post" action="${HERE}?_csrf=${encodeURIComponent(viewer.csrf)}" enctype="multipart/form-data" data-testid="upload-form">
<label for="import-title">${e(t.importTitle)}</label><input type="text" id="import-title" name="title" maxlength="200" value="${e(title)}">
<label for="import-file">${e(fill(t.file, { mb }))}</label><input type="file" id="import-file" name="file" required accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet">
<button type="submit">${e(t.upload)}</button></form></section>`;
}

function errorTable(viewer: DashboardViewer, errors: SpreadsheetRowError[], total: number): string {
  const t = importTexts(viewer.locale);
  const rows = errors.map((x) => `<tr><td class="num" data-label="${e(t.row)}">${x.row}</td><td data-label="${e(t.column)}">${e(x.column)}</td><td data-label="${e(t.problem)}">${e(x.message)}</td></tr>`).join('');
  const cut = errors.length < total ? `<p class="muted">${e(fill(t.rowErrorsCut, { shown: errors.length, count: total }))}</p>` : '';
  return `<section class="problem" role="alert" data-testid="row-errors"><h2>${e(t.refused)}</h2><p>${e(fill(t.rowErrors, { count: total }))}</p>${cut}</section>
<div class="card"><div class="table-scroll" tabindex="0"><table class="stack" data-testid="row-error-table"><caption class="visually-hidden">${e(t.refused)}</caption><thead><tr><th scope="col" class="num">${e(t.row)}</th><th scope="col">${e(t.column)}</th><th scope="col">${e(t.problem)}</th></tr></thead><tbody>${rows}</tbody></table></div></div>`;
}

async function importsPage(deps: DashboardDeps, viewer: DashboardViewer, top = '', title = ''): Promise<string> {
  const t = importTexts(viewer.locale);
  const rows = await deps.db.select().from(imports).where(eq(imports.companyId, viewer.company.id)).orderBy(desc(imports.createdAt)).limit(100);
  const counts = await importInvoiceCounts({ db: deps.db }, rows.map((r) => r.id));
  const created = (r: ImportRow) => r.createdAt.toISOString().slice(0, 10);
  const list = rows.length === 0
    ? `<p class="muted">${e(t.noImports)}</p>`
    : `<div class="table-scroll" tabindex="0"><table class="stack" data-testid="imports"><thead><tr><th scope="col">${e(t.title)}</th><th scope="col">${e(t.created)}</th><th scope="col">${e(t.status)}</th><th scope="col" class="num">${e(t.invoices)}</th></tr></thead><tbody>${rows
        .map((r) => {
          const n = Object.values(counts.get(r.id) ?? {}).reduce((a, b) => a + b, 0);
          const name = r.title ?? fill(t.untitled, { date: created(r) });
          return `<tr><td><a href="${HERE}/${encodeURIComponent(r.id)}">${e(name)}</a></td><td class="when">${dateHtml(created(r), viewer.locale)}</td><td><span class="badge badge-${e(r.status)}">${e(statusText(t, r.status))}</span></td><td class="num">${numberText(n, viewer.locale)}</td></tr>`;
        })
        .join('')}</tbody></table></div>`;
  const body = `<h1>${e(t.title)}</h1>${top}${uploadForm(viewer, title)}${templateLinks(viewer)}<section class="card" aria-labelledby="list"><h2 id="list">${e(t.yourImports)}</h2>${list}</section>`;
  return dashboardPage(viewer, { title: t.title, current: HERE, body });
}

/** The viewer's company's import, or a 404 page (another company's import does not exist here). */
async function ownImport(deps: DashboardDeps, req: Request, res: Response, viewer: DashboardViewer): Promise<ImportRow | undefined> {
  const [row] = await deps.db.select().from(imports).where(and(eq(imports.id, String(req.params.id)), eq(imports.companyId, viewer.company.id)));
  if (!row) sendDashboardNotFound(req, res, viewer);
  return row;
}

async function reviewPage(deps: DashboardDeps, viewer: DashboardViewer, imp: ImportRow): Promise<string> {
  const t = importTexts(viewer.locale);
  const currency = viewer.company.currency;
  const [totals] = await deps.db.select({ n: count(), cents: sum(invoices.amountTotalCents) }).from(invoices).where(eq(invoices.importId, imp.id));
  const n = Number(totals?.n ?? 0);
  const first = await deps.db.select().from(invoices).where(eq(invoices.importId, imp.id)).orderBy(invoices.createdAt, invoices.id).limit(FIRST_ROWS);
  const byStatus = Object.entries((await importInvoiceCounts({ db: deps.db }, [imp.id])).get(imp.id) ?? {});
  const name = (d: (typeof first)[number]['debtor']) => d.organization_name ?? [d.first_name, d.last_name].filter(Boolean).join(' ');
  const rows = first
    .map((i) => `<tr><td data-label="${e(t.number)}">${e(i.invoiceNumber)}</td><td data-label="${e(t.debtor)}">${e(name(i.debtor))}</td><td class="num" data-label="${e(t.amount)}">${e(moneyText(i.amountTotalCents, i.currency, viewer.locale))}</td><td data-label="${e(t.dueDate)}">${dateHtml(i.dueDate, viewer.locale)}</td></tr>`)
    .join('');
  const transmit =
    imp.status === 'draft' && viewer.user.role === 'admin' && n > 0
      ? `<form method="post" action="${HERE}/${encodeURIComponent(imp.id)}/transmit" data-testid="transmit-form">${csrfField(viewer.csrf)}<p class="muted">${e(t.transmitLead)}</p><button type="submit">${e(fill(t.transmit, { count: numberText(n, viewer.locale) }))}</button></form>`
      : imp.status !== 'draft'
        ? `<p class="notice" role="status">${e(t.transmitted)}</p>`
        : '';
  const title = imp.title ?? fill(t.untitled, { date: imp.createdAt.toISOString().slice(0, 10) });
  const body = `<h1>${e(t.review)}: ${e(title)}</h1>
<section class="card"><dl class="meta" data-testid="import-summary"><dt>${e(t.status)}</dt><dd><span class="badge badge-${e(imp.status)}">${e(statusText(t, imp.status))}</span></dd><dt>${e(t.invoices)}</dt><dd>${numberText(n, viewer.locale)}${byStatus.length > 1 ? ` (${byStatus.map(([s, c]) => `${e(s)}: ${c}`).join(', ')})` : ''}</dd><dt>${e(t.total)}</dt><dd>${e(moneyText(Number(totals?.cents ?? 0), currency, viewer.locale))}</dd></dl>${transmit}</section>
<section class="card" aria-labelledby="first"><h2 id="first">${e(fill(t.firstRows, { n: Math.min(n, FIRST_ROWS) }))}</h2><div class="table-scroll" tabindex="0"><table class="stack" data-testid="first-rows"><thead><tr><th scope="col">${e(t.number)}</th><th scope="col">${e(t.debtor)}</th><th scope="col" class="num">${e(t.amount)}</th><th scope="col">${e(t.dueDate)}</th></tr></thead><tbody>${rows}</tbody></table></div></section>
<p><a href="${HERE}">← ${e(t.title)}</a></p>`;
  return dashboardPage(viewer, { title: t.review, current: HERE, body });
}

/**
 * The low-touch import (docs/dashboard.md#spreadsheet-import): upload a spreadsheet, see every
 * wrong cell by row and column before anything exists, review the draft import, send it.
 * Uploading and sending are for admins; everything is the signed-in company's only.
 */
export function importDashboardRoutes(deps: DashboardDeps): Router {
  const secret = deps.config.portalSecret;
  const adminOnly = requireDashboardAdmin(secret);
  const r = Router();

  r.get('/imports', async (req, res) => {
    const viewer = viewerOf(req, secret);
    sendDashboardPage(res, 200, await importsPage(deps, viewer));
  });

  r.get('/imports/template/:name', async (req, res) => {
    const viewer = viewerOf(req, secret);
    const m = /^(nl|en|de|fr)\.(csv|xlsx)$/.exec(String(req.params.name));
    if (!m) return sendDashboardNotFound(req, res, viewer);
    const [language, format] = [m[1] as TemplateLanguage, m[2] as 'csv' | 'xlsx'];
    const bytes = format === 'csv' ? csvTemplate(language) : await xlsxTemplate(language);
    res.set({ 'Content-Type': templateContentTypes[format], 'Content-Disposition': `attachment; filename="recoup-import-${language}.${format}"`, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
    res.send(bytes);
  });

  r.post('/imports', adminOnly, async (req, res) => {
    const viewer = viewerOf(req, secret);
    const t = importTexts(viewer.locale);
    let upload;
    try {
      upload = await receiveSpreadsheet(req, res, spreadsheetLimits);
    } catch (err) {
      if (!(err instanceof SpreadsheetRefused)) throw err;
      return sendDashboardPage(res, 400, await importsPage(deps, viewer, refusedNote(t.refused, err.message)));
    }
    const title = (upload.fields.get('title') ?? '').trim().slice(0, 200);
    try {
      const result = await importSpreadsheet({ db: deps.db }, viewer.company, upload.path, { title: title || undefined });
      if (!result.ok) return sendDashboardPage(res, 422, await importsPage(deps, viewer, errorTable(viewer, result.errors, result.errorCount), title));
      res.redirect(303, `${HERE}/${encodeURIComponent(result.import.id)}`);
    } catch (err) {
      if (!(err instanceof SpreadsheetRefused)) throw err;
      sendDashboardPage(res, 400, await importsPage(deps, viewer, refusedNote(t.refused, err.message), title));
    } finally {
      await upload.discard();
    }
  });

  r.get('/imports/:id', async (req, res) => {
    const viewer = viewerOf(req, secret);
    const imp = await ownImport(deps, req, res, viewer);
    if (imp) sendDashboardPage(res, 200, await reviewPage(deps, viewer, imp));
  });

  r.post('/imports/:id/transmit', adminOnly, async (req, res) => {
    const viewer = viewerOf(req, secret);
    const imp = await ownImport(deps, req, res, viewer);
    if (!imp) return;
    // Refusals (already sent, company not verified, nothing to send) are domain errors: the dashboard's error page shows them.
    await transmitImport(deps.db, deps.temporal, deps.taskQueue, imp.id);
    res.redirect(303, `${HERE}/${encodeURIComponent(imp.id)}`);
  });

  return r;
}

const refusedNote = (heading: string, message: string) => `<section class="problem" role="alert" data-testid="file-refused"><h2>${e(heading)}</h2><p>${e(message)}</p></section>`;
