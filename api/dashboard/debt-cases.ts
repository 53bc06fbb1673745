import { Router, type Request, type Response } from 'express';
import { and, desc, eq, lt } from 'drizzle-orm';
import { debtCollectionCases, invoices } from '../../db/schema';
import { companyMayReview, debtCaseStates, outstandingCents } from '../../domain/debt-case';
import { escapeHtml as e } from '../../messaging/templates';
import { caseParts, updateCase, type DebtCaseParts } from '../../services/debt-case-access';
import type { DebtCaseRow } from '../../services/debt-cases';
import { noticeHtml, problemHtml, scrollTable } from '../console/views';
import { httpRefusal } from '../errors';
import { debtCaseTexts } from './debt-case-texts';
import { dateHtml, moneyText, timeHtml } from './format';
import { csrfField, dashboardPage, sendDashboardNotFound, sendDashboardPage, viewerOf, type DashboardViewer } from './layout';
import { requireDashboardAdmin, type DashboardDeps } from './routes';
import { fill } from './texts';

type Texts = ReturnType<typeof debtCaseTexts>;
const PAGE_SIZE = 50;

/**
 * The company's debt collection cases (docs/dashboard.md, "Company affairs"): a list and each
 * case's page, read-only, except that an admin approves or rejects a case under review when the
 * partner lets the company review its own cases (`company_may_review` on the debt collector
 * configuration the case was prepared with). The decision is the console's: the case workflow's
 * `reviewDebtCase` update, audited with the company user's email.
 */
export function debtCaseDashboardRoutes(deps: DashboardDeps): Router {
  const { db, temporal, taskQueue } = deps;
  const secret = deps.config.portalSecret;
  const r = Router();

  /** The case, only when it is of the signed-in user's company. */
  async function companyCase(req: Request): Promise<DebtCaseRow | undefined> {
    const [row] = await db
      .select()
      .from(debtCollectionCases)
      .where(and(eq(debtCollectionCases.companyId, req.userCompany!.id), eq(debtCollectionCases.id, String(req.params.id))));
    return row;
  }

  r.get('/debt-cases', async (req, res) => {
    const viewer = viewerOf(req, secret);
    const t = debtCaseTexts(viewer.locale);
    const state = typeof req.query.state === 'string' && (debtCaseStates as readonly string[]).includes(req.query.state) ? (req.query.state as DebtCaseRow['state']) : undefined;
    const after = typeof req.query.after === 'string' && req.query.after.length <= 100 ? req.query.after : undefined;
    // Ids sort by creation: newest first, and the next page continues below the last id shown.
    const rows = await db
      .select({ kase: debtCollectionCases, invoiceNumber: invoices.invoiceNumber })
      .from(debtCollectionCases)
      .leftJoin(invoices, eq(invoices.id, debtCollectionCases.invoiceId))
      .where(and(eq(debtCollectionCases.companyId, viewer.company.id), state ? eq(debtCollectionCases.state, state) : undefined, after ? lt(debtCollectionCases.id, after) : undefined))
      .orderBy(desc(debtCollectionCases.id))
      .limit(PAGE_SIZE + 1);
    const more = rows.length > PAGE_SIZE ? rows.slice(0, PAGE_SIZE) : null;
    sendDashboardPage(res, 200, dashboardPage(viewer, { title: t.title, current: '/dashboard/debt-cases', body: listPage(viewer, t, more ?? rows, state, more ? more[more.length - 1]!.kase.id : null) }));
  });

  async function renderCase(req: Request, res: Response, row: DebtCaseRow, status: number, extra: { notice?: string; problem?: string; reason?: string } = {}) {
    const viewer = viewerOf(req, secret);
    const t = debtCaseTexts(viewer.locale);
    const [parts, invoice] = await Promise.all([
      caseParts(db, row),
      row.invoiceId ? db.select({ id: invoices.id, number: invoices.invoiceNumber }).from(invoices).where(and(eq(invoices.id, row.invoiceId), eq(invoices.companyId, row.companyId))) : [],
    ]);
    const title = fill(t.caseTitle, { reference: caseReference(row) });
    sendDashboardPage(res, status, dashboardPage(viewer, { title, current: '/dashboard/debt-cases', body: casePage(viewer, t, row, parts, invoice[0] ?? null, extra) }));
  }

  r.get('/debt-cases/:id', async (req, res) => {
    const row = await companyCase(req);
    if (!row) return sendDashboardNotFound(req, res, viewerOf(req, secret));
    const t = debtCaseTexts(viewerOf(req, secret).locale);
    const decided = req.query.decided;
    await renderCase(req, res, row, 200, { notice: decided === 'approve' ? t.approved : decided === 'reject' ? t.rejectedNotice : undefined });
  });

  r.post('/debt-cases/:id/review', requireDashboardAdmin(secret), async (req, res) => {
    const row = await companyCase(req);
    const viewer = viewerOf(req, secret);
    if (!row) return sendDashboardNotFound(req, res, viewer);
    const t = debtCaseTexts(viewer.locale);
    const decision = typeof req.body?.decision === 'string' ? req.body.decision : '';
    const reason = typeof req.body?.reason === 'string' ? req.body.reason.trim() : '';
    // The partner decides who reviews: without its leave the company may look, not decide.
    if (row.collector?.company_may_review !== true) return renderCase(req, res, row, 403, { problem: t.notYours });
    if (!companyMayReview(row)) return renderCase(req, res, row, 409, { problem: t.notReviewing });
    if (decision !== 'approve' && decision !== 'reject') return renderCase(req, res, row, 400, { problem: t.chooseDecision, reason });
    if (!reason || reason.length > 1000) return renderCase(req, res, row, 400, { problem: t.reasonRequired, reason });
    try {
      await updateCase({ temporal, taskQueue }, row, (c) => c.review({ decision, reason, reviewedBy: viewer.user.email, reviewedAt: new Date().toISOString() }));
    } catch (err) {
      const refusal = httpRefusal(err);
      if (!refusal || refusal.status >= 500) throw err;
      const fresh = (await companyCase(req)) ?? row;
      return renderCase(req, res, fresh, refusal.status, { problem: refusal.code === 'debt_case_not_reviewing' || refusal.code === 'debt_case_closed' ? t.notReviewing : refusal.message, reason });
    }
    res.redirect(303, `/dashboard/debt-cases/${encodeURIComponent(row.id)}?decided=${decision}`);
  });

  return r;
}

/** How a case is called on the page: the partner's reference, else its external id. */
function caseReference(row: DebtCaseRow): string {
  const reference = row.details.reference;
  return typeof reference === 'string' && reference ? reference : row.externalId;
}

function stateHtml(row: DebtCaseRow, t: Texts): string {
  const reason = row.closeReason && row.closeReason in t ? t[row.closeReason as 'collected'] : row.closeReason;
  const label = row.state === 'closed' && reason ? fill(t.closedWhy, { reason }) : t[row.state];
  const test = row.environment === 'test' ? ` <span class="badge">${e(t.testCase)}</span>` : '';
  return `<span class="badge badge-${e(row.state)}" data-testid="case-state">${e(label)}</span>${test}`;
}

function collectorText(row: DebtCaseRow, t: Texts): string {
  if (!row.preparedAt) return t.notYetChosen;
  return row.collector?.name ?? t.yourPartner;
}

function listPage(viewer: DashboardViewer, t: Texts, rows: Array<{ kase: DebtCaseRow; invoiceNumber: string | null }>, state: string | undefined, next: string | null): string {
  const { locale } = viewer;
  const options = [`<option value="">${e(t.all)}</option>`, ...debtCaseStates.map((s) => `<option value="${s}"${s === state ? ' selected' : ''}>${e(t[s])}</option>`)].join('');
  const filter = `<form class="filters" method="get" action="/dashboard/debt-cases"><div class="field"><label for="case-state">${e(t.state)}</label><select id="case-state" name="state">${options}</select></div><button type="submit" class="secondary">${e(t.filter)}</button></form>`;
  const body = rows
    .map(({ kase: c, invoiceNumber }) => {
      const ref = caseReference(c);
      return `<tr data-testid="case"><td data-label="${e(t.case)}"><a href="/dashboard/debt-cases/${encodeURIComponent(c.id)}">${e(ref)}</a></td><td data-label="${e(t.state)}">${stateHtml(c, t)}</td><td data-label="${e(t.invoice)}">${
        invoiceNumber && c.invoiceId ? `<a href="/dashboard/invoices/${encodeURIComponent(c.invoiceId)}">${e(invoiceNumber)}</a>` : `<span class="muted">${e(t.noInvoice)}</span>`
      }</td><td class="num" data-label="${e(t.amount)}">${e(moneyText(c.amountCents, c.currency, locale))}</td><td class="num" data-label="${e(t.collectedAmount)}">${e(moneyText(c.collectedAmountCents, c.currency, locale))}</td><td data-label="${e(t.collector)}">${e(collectorText(c, t))}</td><td class="when" data-label="${e(t.opened)}">${timeHtml(c.createdAt, locale, viewer.company.timezone)}</td></tr>`;
    })
    .join('');
  const table = rows.length
    ? scrollTable(
        `<table class="stack"><thead><tr><th scope="col">${e(t.case)}</th><th scope="col">${e(t.state)}</th><th scope="col">${e(t.invoice)}</th><th scope="col" class="num">${e(t.amount)}</th><th scope="col" class="num">${e(t.collectedAmount)}</th><th scope="col">${e(t.collector)}</th><th scope="col">${e(t.opened)}</th></tr></thead><tbody>${body}</tbody></table>`,
      )
    : `<p class="muted">${e(t.noCases)}</p>`;
  const more = next ? `<p><a href="/dashboard/debt-cases?${new URLSearchParams({ ...(state ? { state } : {}), after: next })}" rel="next">${e(t.next)}</a></p>` : '';
  return `<h1>${e(t.title)}</h1><p class="lead">${e(t.lead)}</p><div class="card">${filter}</div><section class="card" aria-label="${e(t.title)}">${table}${more}</section>`;
}

function casePage(
  viewer: DashboardViewer,
  t: Texts,
  c: DebtCaseRow,
  parts: DebtCaseParts,
  invoice: { id: string; number: string } | null,
  extra: { notice?: string; problem?: string; reason?: string },
): string {
  const { locale } = viewer;
  const tz = viewer.company.timezone;
  const money = (cents: number) => e(moneyText(cents, c.currency, locale));
  const dueDate = typeof c.details.due_date === 'string' ? c.details.due_date : null;
  const meta = `<dl class="meta" data-testid="case-facts">
<dt>${e(t.state)}</dt><dd>${stateHtml(c, t)}</dd>
<dt>${e(t.invoice)}</dt><dd>${invoice ? `<a href="/dashboard/invoices/${encodeURIComponent(invoice.id)}">${e(invoice.number)}</a>` : e(t.noInvoice)}</dd>
<dt>${e(t.amount)}</dt><dd>${money(c.amountCents)}</dd>
<dt>${e(t.collectedAmount)}</dt><dd>${money(c.collectedAmountCents)}</dd>
<dt>${e(t.outstanding)}</dt><dd>${money(outstandingCents(c))}</dd>
<dt>${e(t.collector)}</dt><dd>${e(collectorText(c, t))}</dd>
<dt>${e(t.opened)}</dt><dd>${timeHtml(c.createdAt, locale, tz)}</dd>
${dueDate ? `<dt>${e(t.dueDate)}</dt><dd>${dateHtml(dueDate, locale)}</dd>` : ''}
${c.handedOffAt ? `<dt>${e(t.handedOff)}</dt><dd>${timeHtml(c.handedOffAt, locale, tz)}</dd>` : ''}
${c.closedAt ? `<dt>${e(t.closedAt)}</dt><dd>${timeHtml(c.closedAt, locale, tz)}</dd>` : ''}
</dl>`;

  const items = Array.isArray(c.details.line_items) ? (c.details.line_items as Array<Record<string, unknown>>) : [];
  const itemRows = items
    .map(
      (l) =>
        `<tr><td data-label="${e(t.description)}">${e(String(l.name ?? ''))}</td><td class="num" data-label="${e(t.quantity)}">${e(String(l.quantity ?? ''))}</td><td class="num" data-label="${e(t.amount)}">${money(Number(l.amount_including_tax_cents ?? 0))}</td></tr>`,
    )
    .join('');
  const itemsCard = items.length
    ? `<section class="card" aria-labelledby="items"><h2 id="items">${e(t.items)}</h2>${scrollTable(`<table class="stack"><thead><tr><th scope="col">${e(t.description)}</th><th scope="col" class="num">${e(t.quantity)}</th><th scope="col" class="num">${e(t.amount)}</th></tr></thead><tbody>${itemRows}</tbody></table>`)}</section>`
    : '';

  const collections = parts.collectedAmounts.length
    ? `<section class="card" aria-labelledby="collections"><h2 id="collections">${e(t.collections)}</h2>${scrollTable(
        `<table class="stack"><thead><tr><th scope="col">${e(t.collectedAt)}</th><th scope="col" class="num">${e(t.amount)}</th></tr></thead><tbody>${parts.collectedAmounts
          .map((a) => `<tr><td data-label="${e(t.collectedAt)}">${timeHtml(a.collectedAt, locale, tz)}</td><td class="num" data-label="${e(t.amount)}">${money(a.amountCents)}</td></tr>`)
          .join('')}</tbody></table>`,
      )}</section>`
    : '';

  const history = `<section class="card" aria-labelledby="history"><h2 id="history">${e(t.history)}</h2>${scrollTable(
    `<table class="stack"><thead><tr><th scope="col">${e(t.when)}</th><th scope="col">${e(t.what)}</th></tr></thead><tbody>${parts.timeline
      .map((ev) => `<tr data-testid="case-event"><td class="when" data-label="${e(t.when)}">${timeHtml(ev.createdAt, locale, tz)}</td><td class="mono" data-label="${e(t.what)}">${e(ev.type)}</td></tr>`)
      .join('')}</tbody></table>`,
  )}</section>`;

  return `<p><a href="/dashboard/debt-cases">${e(t.back)}</a></p><h1>${e(fill(t.caseTitle, { reference: caseReference(c) }))}</h1>${noticeHtml(extra.notice)}${problemHtml(extra.problem)}<div class="card">${meta}</div>${reviewCard(viewer, t, c, extra.reason)}${itemsCard}${collections}${history}`;
}

/** The decision when one was taken; the review form for an admin when the company may review; else who reviews. */
function reviewCard(viewer: DashboardViewer, t: Texts, c: DebtCaseRow, reason = ''): string {
  if (c.reviewDecision) {
    const when = c.reviewedAt ? timeHtml(c.reviewedAt, viewer.locale, viewer.company.timezone) : '';
    // The template escaped first, then filled with escaped values and the <time> element.
    const text = fill(e(t.decided), { who: e(c.reviewedBy ?? ''), when, decision: e(c.reviewDecision === 'approve' ? t.decisionApprove : t.decisionReject), reason: e(c.reviewReason ?? '') });
    return `<section class="card" aria-labelledby="review"><h2 id="review">${e(t.review)}</h2><p data-testid="review-decision">${text}</p></section>`;
  }
  if (c.state !== 'reviewing') return '';
  let body: string;
  if (!companyMayReview(c)) body = `<p data-testid="review-by-partner">${e(t.reviewByPartner)}</p>`;
  else if (viewer.user.role !== 'admin') body = `<p>${e(t.reviewViewer)}</p>`;
  else
    body = `<p>${e(t.reviewLead)}</p><form method="post" action="/dashboard/debt-cases/${encodeURIComponent(c.id)}/review" data-testid="review-form">${csrfField(viewer.csrf)}
<label for="review-reason">${e(t.reason)}</label><textarea id="review-reason" name="reason" required maxlength="1000" aria-describedby="reason-hint">${e(reason)}</textarea><p class="muted" id="reason-hint">${e(t.reasonHint)}</p>
<div class="actions"><button type="submit" name="decision" value="approve">${e(t.approve)}</button><button type="submit" name="decision" value="reject" class="danger">${e(t.reject)}</button></div></form>`;
  return `<section class="card" aria-labelledby="review"><h2 id="review">${e(t.review)}</h2>${body}</section>`;
}
