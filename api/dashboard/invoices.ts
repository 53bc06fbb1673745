import { Router, type Request, type Response } from 'express';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { debtors } from '../../db/schema';
import { invoiceStatuses } from '../../domain/invoice-status';
import { creditSchema } from '../../domain/schemas';
import { companyInvoice, companyInvoicePage, overdueBuckets, readInvoiceListCursor, type CompanyInvoiceFilter, type CompanyInvoiceView } from '../../services/company-invoices';
import { creditInvoice, holdInvoice, resumeInvoice, retractInvoice } from '../../services/invoice-updates';
import { httpRefusal } from '../errors';
import { invoiceTexts } from './invoice-texts';
import { invoiceListPage, invoicePage, type InvoiceAction, type InvoicePageExtras } from './invoice-views';
import { sendDashboardNotFound, sendDashboardPage, viewerOf } from './layout';
import { requireDashboardAdmin, type DashboardDeps } from './routes';
import { fill } from './texts';

/**
 * The company's invoices (docs/dashboard.md#invoices): `GET /dashboard/invoices` lists them with
 * filters and cursor paging, `GET /dashboard/invoices/:id` shows one with its timeline, and an
 * admin credits, retracts, holds or resumes it through the same services the partner API calls
 * (services/invoice-updates.ts), so the invoice's workflow decides and records each as it does
 * for the API. Every read is limited to the signed-in user's company: another's invoice is a 404.
 */

const PAGE_SIZE = 25;
const blank = (v: unknown) => (v === '' ? undefined : v);

/** The list's query. A field given twice arrives as a list and is refused like any bad value. */
const listQuerySchema = z.object({
  q: z.preprocess(blank, z.string().trim().max(100).optional()),
  status: z.preprocess(blank, z.enum(invoiceStatuses).optional()),
  overdue: z.preprocess(blank, z.enum(overdueBuckets).optional()),
  debtor: z.preprocess(blank, z.string().regex(/^[A-Za-z0-9_]{1,64}$/).optional()),
  cursor: z.preprocess(blank, z.string().max(200).optional()),
  limit: z.preprocess(blank, z.coerce.number().int().min(1).max(100).optional()),
});
type ListField = keyof typeof listQuerySchema.shape;

type InvoiceRow = CompanyInvoiceView['invoice'];
type Texts = ReturnType<typeof invoiceTexts>;

/** A form field the person must correct: the page names it, nothing is sent. */
class FieldProblem {
  constructor(
    readonly field: string,
    readonly message: string,
  ) {}
}

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/** `12,50`, `12.50` or `12` (in the invoice's currency) → 1250; null for anything else. */
export function amountCentsOf(input: string): number | null {
  const m = /^(\d{1,10})(?:[.,](\d{1,2}))?$/.exec(input.replace(/\s/g, ''));
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0')) : null;
}

export function dashboardInvoiceRoutes(deps: DashboardDeps): Router {
  const { db, temporal } = deps;
  const secret = deps.config.portalSecret;
  const r = Router();
  const admin = requireDashboardAdmin(secret);

  r.get('/invoices', async (req, res) => {
    const viewer = viewerOf(req, secret);
    const t = invoiceTexts(viewer.locale);
    const labels: Record<ListField, string> = { q: t.search, status: t.status, overdue: t.overdue, debtor: t.debtor, cursor: t.cursor, limit: t.limit };
    const hints: Record<ListField, string> = { q: t.badTextHint, status: t.badFilterHint, overdue: t.badFilterHint, debtor: t.badFilterHint, cursor: t.badCursorHint, limit: t.badFilterHint };
    const refuse = (field: ListField, filter: CompanyInvoiceFilter = {}) =>
      sendDashboardPage(res, 400, invoiceListPage(viewer, { filter, rows: [], next: null, paged: false, problem: { field, message: fill(t.badFilter, { field: labels[field], hint: hints[field] }) } }));

    const parsed = listQuerySchema.safeParse(req.query);
    if (!parsed.success) return refuse((parsed.error.issues[0]?.path[0] as ListField | undefined) ?? 'q');
    const q = parsed.data;
    const filter: CompanyInvoiceFilter = { status: q.status, overdue: q.overdue, debtorId: q.debtor, search: q.q || undefined };
    const after = q.cursor ? readInvoiceListCursor(q.cursor) : undefined;
    if (after === null) return refuse('cursor', filter);
    const company = req.userCompany!;
    const [page, debtor] = await Promise.all([
      companyInvoicePage(db, company, filter, { limit: q.limit ?? PAGE_SIZE, after }, deps.clock()),
      filter.debtorId
        ? db
            .select({ name: debtors.name })
            .from(debtors)
            .where(and(eq(debtors.id, filter.debtorId), eq(debtors.companyId, company.id)))
        : [],
    ]);
    sendDashboardPage(res, 200, invoiceListPage(viewer, { filter, rows: page.rows, next: page.next, paged: Boolean(after), limit: q.limit, debtorName: debtor[0]?.name }));
  });

  async function showInvoice(req: Request, res: Response, status: number, extras: InvoicePageExtras): Promise<void> {
    const viewer = viewerOf(req, secret);
    const found = await companyInvoice(db, req.userCompany!.id, String(req.params.id));
    if (!found) return sendDashboardNotFound(req, res, viewer);
    sendDashboardPage(res, status, invoicePage(viewer, found, extras));
  }

  r.get('/invoices/:id', async (req, res) => {
    const done = text(req.query.done);
    const t = invoiceTexts(viewerOf(req, secret).locale);
    const notice = ['credit', 'retract', 'hold', 'resume'].includes(done) ? t[`done_${done as InvoiceAction}`] : undefined;
    await showInvoice(req, res, 200, { notice });
  });

  /**
   * One admin action: the form's fields checked here (a 400 naming the field, nothing sent), then
   * the service; a refusal of the domain (closed, more credit than is due) comes back on the
   * invoice page with its status and message. The invoice is looked up within the company first.
   */
  function action(name: InvoiceAction, run: (invoice: InvoiceRow, form: { amount: string; reason: string }, t: Texts) => Promise<FieldProblem | unknown>) {
    r.post(`/invoices/:id/${name}`, admin, async (req, res) => {
      const viewer = viewerOf(req, secret);
      const t = invoiceTexts(viewer.locale);
      const found = await companyInvoice(db, req.userCompany!.id, String(req.params.id));
      if (!found) return sendDashboardNotFound(req, res, viewer);
      const form = { amount: text(req.body?.amount), reason: text(req.body?.reason) };
      const refuse = (status: number, message: string, field?: string) => showInvoice(req, res, status, { problem: { action: name, message, field }, form });
      if (name !== 'resume' && (!form.reason || form.reason.length > 500)) return refuse(400, fill(t.needReason, { field: t.reason }), 'reason');
      try {
        const problem = await run(found.invoice, form, t);
        if (problem instanceof FieldProblem) return refuse(400, problem.message, problem.field);
      } catch (err) {
        const refusal = httpRefusal(err);
        if (!refusal || refusal.status >= 500) throw err;
        return refuse(refusal.status, fill(t.refused, { message: refusal.message }), refusal.details[0]?.path === 'amount_cents' ? 'amount' : undefined);
      }
      req.log.info({ invoiceId: found.invoice.id, action: name, companyUserId: req.companyUser!.id }, 'dashboard: invoice action');
      res.redirect(303, `/dashboard/invoices/${encodeURIComponent(found.invoice.id)}?done=${name}`);
    });
  }

  action('credit', async (invoice, form, t) => {
    const cents = amountCentsOf(form.amount);
    // The API's own limits on a credit (more than zero, within the amount columns) apply here too.
    const checked = cents === null ? null : creditSchema.safeParse({ amount_cents: cents, reason: form.reason });
    if (!checked?.success) return new FieldProblem('amount', fill(t.badAmount, { field: t.amount }));
    return creditInvoice({ db, temporal }, invoice, { amountCents: checked.data.amount_cents, reason: checked.data.reason });
  });
  action('retract', (invoice, form) => retractInvoice({ db, temporal }, invoice, form.reason));
  action('hold', (invoice, form) => holdInvoice({ db, temporal }, invoice, form.reason));
  action('resume', (invoice) => resumeInvoice({ db, temporal }, invoice));
  return r;
}
