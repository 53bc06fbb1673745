import { Router, type Request, type Response } from 'express';
import type { Db } from '../../db/client';
import { escapeHtml as e } from '../../messaging/templates';
import {
  assignSmsReply,
  dismissSmsReply,
  listSmsReplyQueue,
  smsReplyCandidates,
  SmsReplyDecisionRefused,
  type SmsReplyCandidate,
  type SmsReplyRow,
} from '../../services/sms-reply-queue';
import { statusOf } from '../errors';
import { createCsrfToken, csrfField } from '../web-session/csrf';
import { requireConsoleRole } from './session';
import { timeHtml } from './display';
import { badge, layout, noticeHtml, problemHtml, scrollTable, sendConsolePage, type Viewer } from './views';

const reasons: Record<SmsReplyRow['reason'], string> = {
  several_companies: 'The number was texted from this sender for invoices of several companies.',
  no_sender_match: 'No open invoice of this number was texted from the number the reply was sent to.',
};

/**
 * Ops' queue of SMS replies no single creditor could be picked for, at `/console/sms-replies`.
 * Ops put one on an invoice's timeline (only an open invoice of the number that wrote) or dismiss
 * it; both are audited with the console user's email, the time and the reason.
 */
export function smsReplyConsoleRoutes({ db, secret }: { db: Db; secret: string }): Router {
  const r = Router();
  r.use(requireConsoleRole('ops'));
  const viewer = (req: Request): Viewer => ({ user: req.consoleUser!, csrf: createCsrfToken(secret, req.consoleSessionId!) });
  const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

  async function render(req: Request, res: Response, status: number, extra: { notice?: string; problem?: string; replyId?: string } = {}) {
    const queue = await listSmsReplyQueue(db);
    const candidates = new Map<string, SmsReplyCandidate[]>();
    for (const reply of queue.waiting) {
      if (!candidates.has(reply.fromNumber)) candidates.set(reply.fromNumber, await smsReplyCandidates(db, reply.fromNumber));
    }
    sendConsolePage(res, status, smsRepliesPage(viewer(req), { ...queue, candidates, ...extra }));
  }

  /** Runs ops' decision; a refusal shows the queue again with the reason. */
  async function decide(req: Request, res: Response, action: 'assign' | 'dismiss', run: (id: string, reason: string) => Promise<unknown>) {
    const id = String(req.params.id);
    const reason = text(req.body?.reason);
    if (!reason || reason.length > 1000) return render(req, res, 422, { problem: 'A reason (at most 1000 characters) is required.', replyId: id });
    try {
      await run(id, reason);
    } catch (err) {
      if (!(err instanceof SmsReplyDecisionRefused)) throw err;
      return render(req, res, statusOf[err.kind], { problem: err.message, replyId: id });
    }
    res.redirect(303, `/console/sms-replies?${new URLSearchParams({ done: id, action })}`);
  }

  r.get('/', async (req, res) => {
    const done = text(req.query.done);
    await render(req, res, 200, { notice: done ? `Reply ${done} ${text(req.query.action) === 'dismiss' ? 'dismissed' : 'put on the invoice’s timeline'}.` : undefined });
  });

  r.post('/:id/assign', async (req, res) => {
    const invoiceId = text(req.body?.invoice_id);
    if (!invoiceId) return render(req, res, 400, { problem: 'Choose the invoice to put the reply on.', replyId: String(req.params.id) });
    await decide(req, res, 'assign', (id, reason) => assignSmsReply(db, id, { invoiceId, by: req.consoleUser!.email, reason }));
  });

  r.post('/:id/dismiss', async (req, res) => {
    await decide(req, res, 'dismiss', (id, reason) => dismissSmsReply(db, id, { by: req.consoleUser!.email, reason }));
  });

  return r;
}

function smsRepliesPage(
  viewer: Viewer,
  input: { waiting: SmsReplyRow[]; decided: SmsReplyRow[]; candidates: Map<string, SmsReplyCandidate[]>; notice?: string; problem?: string; replyId?: string },
): string {
  const rows = input.waiting
    .map((m) => {
      const options = (input.candidates.get(m.fromNumber) ?? [])
        .map((c) => `<option value="${e(c.invoiceId)}">${e(c.partnerName)} · ${e(c.companyName)} · ${e(c.invoiceNumber)} (${e(c.status)})</option>`)
        .join('');
      return `<tr data-testid="sms-reply" data-reply-id="${e(m.id)}"><td class="when">${timeHtml(m.createdAt)}</td><td data-label="From">${e(m.fromNumber)}</td><td data-label="To">${e(m.toNumber)}${m.messagingServiceSid ? `<br><span class="muted mono">${e(m.messagingServiceSid)}</span>` : ''}</td>
<td data-label="Text"><pre>${e(m.text)}</pre><p class="muted">${e(reasons[m.reason])}</p></td>
<td><form method="post" action="/console/sms-replies/${e(m.id)}/assign" class="stacked">${csrfField(viewer.csrf)}<label for="inv-${e(m.id)}">Invoice</label><select id="inv-${e(m.id)}" name="invoice_id" required>${options}</select>
<label for="why-${e(m.id)}">Reason</label><input type="text" id="why-${e(m.id)}" name="reason" required maxlength="1000"><button type="submit">Assign</button></form>
<form method="post" action="/console/sms-replies/${e(m.id)}/dismiss" class="stacked">${csrfField(viewer.csrf)}<label for="dis-${e(m.id)}">Reason to dismiss</label><input type="text" id="dis-${e(m.id)}" name="reason" required maxlength="1000"><button type="submit" class="danger">Dismiss</button></form></td></tr>`;
    })
    .join('');
  const waiting = input.waiting.length
    ? `<div class="card">${scrollTable(`<table class="stack"><thead><tr><th>Received</th><th>From</th><th>To</th><th>Text</th><th>Decision</th></tr></thead><tbody>${rows}</tbody></table>`)}</div>`
    : `<p class="card muted" data-testid="sms-replies-empty">No SMS replies wait for a decision.</p>`;
  const decided = input.decided.length
    ? `<div class="card"><h2>Decided by ops</h2>${scrollTable(`<table class="stack"><thead><tr><th>Reply</th><th>From</th><th>Decision</th><th>Invoice</th><th>By</th><th>When</th><th>Why</th></tr></thead><tbody>${input.decided
        .map(
          (m) =>
            `<tr data-testid="decided-reply" data-reply-id="${e(m.id)}"><td data-label="Reply" class="mono">${e(m.id)}</td><td data-label="From">${e(m.fromNumber)}</td><td data-label="Decision">${badge(m.status)}</td><td data-label="Invoice" class="mono">${e(m.invoiceId ?? '')}</td><td data-label="By">${e(m.decidedBy ?? '')}</td><td class="when">${timeHtml(m.decidedAt)}</td><td data-label="Why">${e(m.decisionReason ?? '')}</td></tr>`,
        )
        .join('')}</tbody></table>`)}</div>`
    : '';
  return layout(
    'SMS replies',
    `<h1>SMS replies</h1><p class="lead">Debtors’ SMS replies that could not be given to one creditor: the number that wrote was texted from the same sender for several companies’ invoices, or for none. They are on no timeline until you assign one to an invoice or dismiss it.</p>
${noticeHtml(input.notice)}${problemHtml(input.problem, input.replyId ? `data-reply-id="${e(input.replyId)}"` : '')}${waiting}${decided}`,
    viewer,
    { current: '/console/sms-replies' },
  );
}
