import { Router, type Request, type Response } from 'express';
import { and, desc, eq } from 'drizzle-orm';
import { companyDocuments } from '../../db/schema';
import { companyDocumentTypes } from '../../domain/company-documents';
import { localDateTime } from '../../domain/local-time';
import { isoDate } from '../../domain/schemas';
import { statementQuerySchema } from '../../domain/statements/schemas';
import { escapeHtml as e } from '../../messaging/templates';
import { receiveCompanyDocument, sendCompanyDocumentContent } from '../documents/company-document-upload';
import { httpRefusal, type AppError } from '../errors';
import { sendStatementFile, statementFormats, type StatementFormat } from '../statements/statement-files';
import { noticeHtml, problemHtml, scrollTable } from '../console/views';
import { companyTexts } from './company-texts';
import { timeHtml } from './format';
import { dashboardPage, sendDashboardNotFound, sendDashboardPage, viewerOf, type DashboardViewer } from './layout';
import { requireDashboardAdmin, type DashboardDeps } from './routes';
import { fill } from './texts';

type Texts = ReturnType<typeof companyTexts>;
type DocumentRow = typeof companyDocuments.$inferSelect;

interface PageState {
  notice?: string;
  problem?: string;
  /** The statement period as typed, and which of its fields are wrong. */
  period?: { from: string; to: string };
  invalid?: ReadonlySet<'from' | 'to'>;
}

/**
 * The company's own affairs (docs/dashboard.md, "Company affairs"): its verification status and
 * documents (an admin uploads through the same code as `POST /companies/{id}/documents`), its
 * bank account (read-only: the partner manages it), and MT940 / camt.053 statements of what was
 * collected in a period, written by the same code as `GET /companies/{id}/statements/…`.
 */
export function companyDashboardRoutes(deps: DashboardDeps): Router {
  const { db, documents: store } = deps;
  const secret = deps.config.portalSecret;
  const r = Router();

  async function render(req: Request, res: Response, status: number, state: PageState = {}) {
    const viewer = viewerOf(req, secret);
    const docs = await db.select().from(companyDocuments).where(eq(companyDocuments.companyId, viewer.company.id)).orderBy(desc(companyDocuments.createdAt), desc(companyDocuments.id)).limit(200);
    const t = companyTexts(viewer.locale);
    sendDashboardPage(res, status, dashboardPage(viewer, { title: t.title, current: '/dashboard/company', body: companyPage(viewer, t, docs, state) }));
  }

  r.get('/company', async (req, res) => {
    const t = companyTexts(viewerOf(req, secret).locale);
    const uploaded = typeof req.query.uploaded === 'string' ? req.query.uploaded : '';
    const [doc] = uploaded ? await db.select().from(companyDocuments).where(and(eq(companyDocuments.companyId, req.userCompany!.id), eq(companyDocuments.id, uploaded))) : [];
    await render(req, res, 200, { notice: doc ? fill(t.uploaded, { name: doc.filename }) : undefined });
  });

  r.post('/company/documents', requireDashboardAdmin(secret), async (req, res) => {
    try {
      const row = await receiveCompanyDocument(req, res, deps, req.userCompany!.id);
      res.redirect(303, `/dashboard/company?uploaded=${encodeURIComponent(row.id)}`);
    } catch (err) {
      const refusal = httpRefusal(err);
      if (!refusal || refusal.status >= 500) throw err;
      await render(req, res, refusal.status, { problem: uploadProblem(refusal, companyTexts(viewerOf(req, secret).locale)) });
    }
  });

  r.get('/company/documents/:id', async (req, res) => {
    const [doc] = await db.select().from(companyDocuments).where(and(eq(companyDocuments.companyId, req.userCompany!.id), eq(companyDocuments.id, String(req.params.id))));
    if (!doc) return sendDashboardNotFound(req, res, viewerOf(req, secret));
    await sendCompanyDocumentContent(res, store, doc);
  });

  r.get('/company/statements/:format', async (req, res) => {
    const format = String(req.params.format);
    if (!(statementFormats as readonly string[]).includes(format)) return sendDashboardNotFound(req, res, viewerOf(req, secret));
    const typed = { from: String(req.query.from ?? '').trim(), to: String(req.query.to ?? '').trim() };
    const parsed = statementQuerySchema.safeParse(typed);
    if (!parsed.success) {
      const t = companyTexts(viewerOf(req, secret).locale);
      // Each date on its own first: only two real dates can be in the wrong order.
      const notDates = (['from', 'to'] as const).filter((field) => !isoDate.safeParse(typed[field]).success);
      const invalid = new Set<'from' | 'to'>(notDates.length ? notDates : ['from']);
      const label = (field: 'from' | 'to') => (field === 'from' ? t.from : t.to);
      const problem = notDates.length ? notDates.map((field) => fill(t.badDate, { field: label(field) })).join(' ') : fill(t.fromAfterTo, { field: t.from });
      return render(req, res, 400, { problem, period: typed, invalid });
    }
    await sendStatementFile(res, deps, req.userCompany!, parsed.data, format as StatementFormat);
  });

  return r;
}

/** The refusal of the shared upload code, in the reader's words. */
function uploadProblem(refusal: AppError, t: Texts): string {
  const path = refusal.details[0]?.path;
  if (refusal.code === 'payload_too_large') return t.fileTooLarge;
  if (refusal.code === 'unsupported_file_type') return t.fileType;
  if (refusal.code === 'validation_failed') return refusal.details.some((d) => d.path === 'type') ? t.typeMissing : t.fileMissing;
  if (refusal.code === 'invalid_multipart' && path === 'file') return t.fileMissing;
  return t.uploadBroken;
}

function companyPage(viewer: DashboardViewer, t: Texts, docs: DocumentRow[], state: PageState): string {
  const { company } = viewer;
  const status = company.status;
  const lead = status === 'verified' ? t.verifiedLead : status === 'rejected' ? (company.verificationReason ? fill(t.rejectedReason, { reason: company.verificationReason }) : '') : t.pendingLead;
  const verification = `<section class="card" aria-labelledby="verification"><h2 id="verification">${e(t.verification)}</h2>
<p><span class="badge badge-${e(status)}" data-testid="verification-status">${e(t[status])}</span></p>${lead ? `<p data-testid="verification-lead">${e(lead)}</p>` : ''}</section>`;

  const typeName = (type: string) => ((companyDocumentTypes as readonly string[]).includes(type) ? t[type as (typeof companyDocumentTypes)[number]] : type);
  const rows = docs
    .map(
      (d) =>
        `<tr data-testid="document"><td data-label="${e(t.type)}">${e(typeName(d.type))}</td><td data-label="${e(t.name)}">${e(d.filename)}</td><td class="when" data-label="${e(t.uploadedAt)}">${timeHtml(d.createdAt, viewer.locale, company.timezone)}</td><td><a href="/dashboard/company/documents/${encodeURIComponent(d.id)}" download aria-label="${e(fill(t.downloadLabel, { name: d.filename }))}">${e(t.download)}</a></td></tr>`,
    )
    .join('');
  const table = docs.length
    ? scrollTable(`<table class="stack"><thead><tr><th scope="col">${e(t.type)}</th><th scope="col">${e(t.name)}</th><th scope="col">${e(t.uploadedAt)}</th><th scope="col"><span class="visually-hidden">${e(t.download)}</span></th></tr></thead><tbody>${rows}</tbody></table>`)
    : `<p class="muted">${e(t.noDocuments)}</p>`;
  const options = companyDocumentTypes.map((type) => `<option value="${type}">${e(t[type])}</option>`).join('');
  const upload =
    viewer.user.role === 'admin'
      ? `<form class="stacked" method="post" enctype="multipart/form-data" action="/dashboard/company/documents?_csrf=${encodeURIComponent(viewer.csrf)}" data-testid="upload-form">
<h3>${e(t.uploadTitle)}</h3><p class="muted" id="upload-hint">${e(t.uploadLead)}</p>
<label for="document-type">${e(t.type)}</label><select id="document-type" name="type" required><option value="">${e(t.chooseType)}</option>${options}</select>
<label for="document-file">${e(t.name)}</label><input id="document-file" type="file" name="file" required accept=".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg" aria-describedby="upload-hint">
<button type="submit">${e(t.upload)}</button></form>`
      : '';
  const documents = `<section class="card" aria-labelledby="documents"><h2 id="documents">${e(t.documents)}</h2>${table}${upload}</section>`;

  const account = company.bankAccount;
  const iban = account?.iban.replace(/\s+/g, '') ?? '';
  const last4 = iban.slice(-4);
  const bank = `<section class="card" aria-labelledby="bank-account"><h2 id="bank-account">${e(t.bankAccount)}</h2>${
    account
      ? `<dl class="meta" data-testid="bank-account"><dt>${e(t.iban)}</dt><dd class="mono"><span aria-hidden="true">•••• •••• •••• ${e(last4)}</span><span class="visually-hidden">${e(fill(t.ibanEnding, { last4 }))}</span></dd>${
          account.bic ? `<dt>${e(t.bic)}</dt><dd class="mono">${e(account.bic)}</dd>` : ''
        }<dt>${e(t.holder)}</dt><dd>${e(account.holder)}</dd></dl>`
      : `<p class="muted">${e(t.noBankAccount)}</p>`
  }<p class="muted">${e(t.bankAccountByPartner)}</p></section>`;

  const today = localDateTime(Date.now(), company.timezone).date;
  const period = state.period ?? { from: `${today.slice(0, 8)}01`, to: today };
  const invalid = state.invalid ?? new Set();
  const dateField = (name: 'from' | 'to', label: string) =>
    `<div class="field"><label for="statement-${name}">${e(label)}</label><input id="statement-${name}" type="date" name="${name}" value="${e(period[name])}" required aria-describedby="date-hint"${invalid.has(name) ? ' aria-invalid="true"' : ''}></div>`;
  const statements = `<section class="card" aria-labelledby="statements"><h2 id="statements">${e(t.statements)}</h2><p class="muted">${e(t.statementsLead)}</p>
<form class="filters" method="get" action="/dashboard/company/statements/mt940" data-testid="statements-form">${dateField('from', t.from)}${dateField('to', t.to)}
<button type="submit">${e(t.mt940)}</button><button type="submit" class="secondary" formaction="/dashboard/company/statements/camt053">${e(t.camt053)}</button></form>
<p class="muted" id="date-hint">${e(t.dateHint)}</p></section>`;
  return `<h1>${e(t.title)}</h1>${noticeHtml(state.notice)}${problemHtml(state.problem)}${verification}${documents}${bank}${statements}`;
}
