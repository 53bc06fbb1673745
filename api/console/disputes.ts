import { Router, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client';
import { amountDue } from '../../domain/amounts';
import { DomainError } from '../../domain/errors';
import { escapeHtml as e } from '../../messaging/templates';
import { consoleScope } from '../../services/console-users';
import { openDisputes, type OpenDisputeRow } from '../../services/dispute-queue';
import { resolveDispute } from '../../services/disputes';
import { statusOf } from '../errors';
import { createCsrfToken, csrfField } from '../web-session/csrf';
import { money, timeHtml } from './display';
import { requireConsoleRole } from './session';
import { layout, noticeHtml, problemHtml, scrollTable, sendConsolePage, type Viewer } from './views';

/** How long a dispute has waited, e.g. `3 d 4 h`, `5 h 10 min`. */
export function ageText(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}

/** An amount typed in the currency's units (`12.50` or `12,50`) as cents; null when it is not one. */
export function centsOf(typed: string): number | null {
  const m = /^(\d{1,9})(?:[.,](\d{1,2}))?$/.exec(typed.trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}

/**
 * Open disputes for agents and ops at `/console/disputes`, oldest first with their age, each with
 * a resolve form (outcome, reason, credit) that resolves it as `POST .../resolve` of the API does,
 * recorded with the console user's email. An agent bound to a partner sees and resolves only
 * that partner's disputes; another's is not found.
 */
export function disputeConsoleRoutes({ db, temporal, secret }: { db: Db; temporal: Client; secret: string }): Router {
  const r = Router();
  r.use(requireConsoleRole('agent', 'ops'));
  const viewer = (req: Request): Viewer => ({ user: req.consoleUser!, csrf: createCsrfToken(secret, req.consoleSessionId!) });
  const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

  async function render(req: Request, res: Response, status: number, extra: { notice?: string; problem?: string; disputeId?: string } = {}) {
    const rows = await openDisputes(db, consoleScope(req.consoleUser!));
    sendConsolePage(res, status, disputesPage(viewer(req), rows, new Date(), extra));
  }

  r.get('/', async (req, res) => {
    const done = text(req.query.done);
    await render(req, res, 200, { notice: done ? `Dispute ${done} ${text(req.query.outcome) === 'upheld' ? 'upheld' : 'rejected'}.` : undefined });
  });

  r.post('/:id/resolve', async (req, res) => {
    const id = String(req.params.id);
    const outcome = text(req.body?.outcome);
    const reason = text(req.body?.reason);
    const typedCredit = text(req.body?.credit);
    if (outcome !== 'upheld' && outcome !== 'rejected') return render(req, res, 400, { problem: 'Choose upheld or rejected.', disputeId: id });
    if (!reason || reason.length > 500) return render(req, res, 400, { problem: 'A reason (at most 500 characters) is required.', disputeId: id });
    const creditCents = outcome === 'upheld' && typedCredit ? centsOf(typedCredit) : undefined;
    if (creditCents === null || creditCents === 0) return render(req, res, 400, { problem: 'The credit is an amount such as 12.50 (empty: everything due).', disputeId: id });
    const user = req.consoleUser!;
    try {
      await resolveDispute({ db, temporal }, { disputeId: id, partnerId: consoleScope(user).partnerId }, { outcome, reason, creditCents, by: user.email });
    } catch (err) {
      // Not found stays the console's 404 page; a refusal (resolved already, credit over what is due) shows the queue again.
      if (!(err instanceof DomainError) || err.kind === 'not_found') throw err;
      return render(req, res, statusOf[err.kind], { problem: err.message, disputeId: id });
    }
    res.redirect(303, `/console/disputes?${new URLSearchParams({ done: id, outcome })}`);
  });

  return r;
}

function disputesPage(viewer: Viewer, rows: OpenDisputeRow[], now: Date, input: { notice?: string; problem?: string; disputeId?: string }): string {
  const body = rows
    .map(({ dispute: d, invoice, companyName, debtorName }) => {
      const id = e(d.id);
      const age = ageText(now.getTime() - d.openedAt.getTime());
      return `<tr data-testid="dispute" data-dispute-id="${id}"><td data-label="Age" data-testid="dispute-age">${e(age)}<br><span class="muted">${timeHtml(d.openedAt)}</span></td>
<td data-label="Invoice"><span class="mono">${e(invoice.invoiceNumber)}</span><br>${e(companyName)}<br>${e(debtorName ?? '')}<br>Due: ${e(money(amountDue(invoice), invoice.currency))}</td>
<td data-label="Dispute"><strong>${e(d.reason)}</strong>${d.details ? `<pre>${e(d.details)}</pre>` : ''}<p class="muted">via ${e(d.via)}</p></td>
<td><form method="post" action="/console/disputes/${id}/resolve" class="stacked">${csrfField(viewer.csrf)}
<label for="outcome-${id}">Outcome</label><select id="outcome-${id}" name="outcome" required><option value="rejected">Rejected: collection resumes</option><option value="upheld">Upheld: credit</option></select>
<label for="reason-${id}">Reason</label><input type="text" id="reason-${id}" name="reason" required maxlength="500">
<label for="credit-${id}">Credit (${e(invoice.currency)}, upheld only; empty: everything due)</label><input type="text" id="credit-${id}" name="credit" inputmode="decimal" autocomplete="off">
<button type="submit">Resolve</button></form></td></tr>`;
    })
    .join('');
  const table = rows.length
    ? `<div class="card">${scrollTable(`<table class="stack"><thead><tr><th>Age</th><th>Invoice</th><th>Dispute</th><th>Resolve</th></tr></thead><tbody>${body}</tbody></table>`)}</div>`
    : `<p class="card muted" data-testid="disputes-empty">No open disputes.</p>`;
  return layout(
    'Disputes',
    `<h1>Disputes</h1><p class="lead">Invoices a debtor contests, oldest first. Their reminders, fees and escalations are paused until you resolve them: upheld credits the invoice (all that is due unless you give an amount); rejected resumes collection, every later step moved by the time it was disputed.</p>
${noticeHtml(input.notice)}${problemHtml(input.problem, input.disputeId ? `data-dispute-id="${e(input.disputeId)}"` : '')}${table}`,
    viewer,
    { current: '/console/disputes' },
  );
}
