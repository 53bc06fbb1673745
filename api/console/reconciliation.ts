import { Router, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client';
import { escapeHtml as e } from '../../messaging/templates';
import { httpRefusal } from '../errors';
import { dismissBankTransaction, reconciliationQueue, resolveBankTransaction, type BankTransactionRow } from '../../services/reconciliation';
import { createCsrfToken, csrfField } from '../web-session/csrf';
import { requireConsoleRole } from './session';
import { dateHtml, money, timeHtml } from './display';
import { badge, layout, noticeHtml, problemHtml, scrollTable, sendConsolePage, type Viewer } from './views';

/**
 * Ops' reconciliation queue at `/console/reconciliation`: the bank lines no invoice was found for
 * (or whose invoice could not take them). Ops assign one to an invoice, which pays it through the
 * invoice workflow as an automatic match would, or dismiss it with a reason; both are audited
 * with the console user's email, the time and the reason.
 */
export function reconciliationConsoleRoutes({ db, temporal, secret }: { db: Db; temporal: Client; secret: string }): Router {
  const r = Router();
  r.use(requireConsoleRole('ops'));
  const viewer = (req: Request): Viewer => ({ user: req.consoleUser!, csrf: createCsrfToken(secret, req.consoleSessionId!) });
  const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

  async function render(req: Request, res: Response, status: number, extra: { notice?: string; problem?: string; lineId?: string } = {}) {
    sendConsolePage(res, status, reconciliationPage(viewer(req), { ...(await reconciliationQueue(db)), ...extra }));
  }

  r.get('/', async (req, res) => {
    const done = text(req.query.done);
    const action = text(req.query.action);
    await render(req, res, 200, { notice: done ? `Line ${done} ${action === 'dismiss' ? 'dismissed' : 'assigned; the invoice has the payment'}.` : undefined });
  });

  r.post('/:id/resolve', async (req, res) => {
    const id = String(req.params.id);
    const invoice = text(req.body?.invoice);
    if (!invoice) return render(req, res, 400, { problem: 'Give the invoice id, payment reference or number to assign the line to.', lineId: id });
    try {
      await resolveBankTransaction({ db, temporal }, id, { invoice, by: req.consoleUser!.email, reason: text(req.body?.reason).slice(0, 1000) });
    } catch (err) {
      const refusal = httpRefusal(err);
      if (!refusal) throw err;
      return render(req, res, refusal.status, { problem: refusal.message, lineId: id });
    }
    res.redirect(303, `/console/reconciliation?${new URLSearchParams({ done: id, action: 'resolve' })}`);
  });

  r.post('/:id/dismiss', async (req, res) => {
    const id = String(req.params.id);
    const reason = text(req.body?.reason);
    if (!reason || reason.length > 1000) return render(req, res, 422, { problem: 'A reason (at most 1000 characters) is required to dismiss a line.', lineId: id });
    try {
      await dismissBankTransaction({ db, temporal }, id, { by: req.consoleUser!.email, reason });
    } catch (err) {
      const refusal = httpRefusal(err);
      if (!refusal) throw err;
      return render(req, res, refusal.status, { problem: refusal.message, lineId: id });
    }
    res.redirect(303, `/console/reconciliation?${new URLSearchParams({ done: id, action: 'dismiss' })}`);
  });

  return r;
}

const amount = (t: BankTransactionRow): string => e(money(t.amountCents, t.currency));

function reconciliationPage(viewer: Viewer, input: { waiting: BankTransactionRow[]; decided: BankTransactionRow[]; notice?: string; problem?: string; lineId?: string }): string {
  const rows = input.waiting
    .map(
      (t) => `<tr data-testid="bank-line" data-line-id="${e(t.id)}"><td data-label="Value date">${dateHtml(t.valueDate)}</td><td class="num" data-label="Amount"><strong>${amount(t)}</strong></td><td data-label="Payer">${e(t.counterpartyName ?? '')}</td>
<td data-label="Remittance"><pre>${e(t.remittance)}</pre>${t.note ? `<p class="muted">${e(t.note)}</p>` : ''}</td>
<td><form method="post" action="/console/reconciliation/${e(t.id)}/resolve" class="stacked">${csrfField(viewer.csrf)}<label for="inv-${e(t.id)}">Invoice id, payment reference or number</label><input type="text" id="inv-${e(t.id)}" name="invoice" required value="${e(t.invoiceId ?? '')}">
<label for="why-${e(t.id)}">Note (optional)</label><input type="text" id="why-${e(t.id)}" name="reason" maxlength="1000"><button type="submit">Assign</button></form>
<form method="post" action="/console/reconciliation/${e(t.id)}/dismiss" class="stacked">${csrfField(viewer.csrf)}<label for="dis-${e(t.id)}">Reason to dismiss</label><input type="text" id="dis-${e(t.id)}" name="reason" required maxlength="1000"><button type="submit" class="danger">Dismiss</button></form></td></tr>`,
    )
    .join('');
  const waiting = input.waiting.length
    ? `<div class="card">${scrollTable(`<table class="stack"><thead><tr><th>Value date</th><th class="num">Amount</th><th>Payer</th><th>Remittance</th><th>Decision</th></tr></thead><tbody>${rows}</tbody></table>`)}</div>`
    : `<p class="card muted" data-testid="reconciliation-empty">No bank lines wait for a decision.</p>`;
  const decided = input.decided.length
    ? `<div class="card"><h2>Decided by ops</h2>${scrollTable(`<table class="stack"><thead><tr><th>Line</th><th class="num">Amount</th><th>Decision</th><th>Invoice</th><th>By</th><th>When</th><th>Why</th></tr></thead><tbody>${input.decided
        .map(
          (t) =>
            `<tr data-testid="decided-line" data-line-id="${e(t.id)}"><td data-label="Line" class="mono">${e(t.id)}</td><td class="num" data-label="Amount">${amount(t)}</td><td data-label="Decision">${badge(t.status)}</td><td data-label="Invoice" class="mono">${e(t.invoiceId ?? '')}</td><td data-label="By">${e(t.resolvedBy ?? '')}</td><td class="when">${timeHtml(t.resolvedAt)}</td><td data-label="Why">${e(t.resolutionReason ?? '')}</td></tr>`,
        )
        .join('')}</tbody></table>`)}</div>`
    : '';
  return layout(
    'Reconciliation',
    `<h1>Reconciliation</h1><p class="lead">Credit lines of imported bank statements that no invoice was found for. Assign one to an invoice to pay it, or dismiss it with a reason.</p>
${noticeHtml(input.notice)}${problemHtml(input.problem, input.lineId ? `data-line-id="${e(input.lineId)}"` : '')}${waiting}${decided}`,
    viewer,
    { current: '/console/reconciliation' },
  );
}
