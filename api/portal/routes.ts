import express, { Router, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config/config';
import type { Db } from '../../db/client';
import { verifyContactUndo, verifyPortalToken } from '../../messaging/portal-link';
import type { PaymentProvider } from '../../payments/payment-provider';
import { portalActions } from './actions';
import { undoContactChange } from '../../services/portal-actions';
import { createFormToken, isValidFormToken } from './form-token';
import { loadPortalInvoice, type PortalInvoice } from '../../services/portal-invoice';
import { noticeCodes, type NoticeCode } from './texts';
import { sendNotFoundPage, sendPortalPage, sendUndoContactPage, type PageState } from './views';
import { pageErrors } from '../page-errors';

export interface PortalDeps {
  db: Db;
  temporal: Client;
  payments: PaymentProvider;
  /** Read at request time: the entry point (and the tests) settle PUBLIC_BASE_URL after the app is built. */
  config: Pick<Config, 'portalSecret' | 'publicBaseUrl' | 'TEMPORAL_TASK_QUEUE'>;
}

/** Where a provider's checkout sends the debtor back to: `?payment=…`. */
const paymentReturns: Record<string, NoticeCode> = { success: 'payment_success', cancelled: 'payment_cancelled', failed: 'payment_failed' };

/**
 * The debtor's portal, `/pay/{token}`: server-rendered, reached by the signed, expiring link in
 * every message. Each action is a form posting to `/pay/{token}/{action}` with a per-link form
 * token (CSRF); it ends in a redirect back with a notice (Post/Redirect/Get), or the page again
 * with a problem in the debtor's language. An unknown, forged or expired link is a 404 without data.
 */
export function portalRoutes(deps: PortalDeps): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 });
  const secret = () => deps.config.portalSecret;

  async function open(req: Request): Promise<{ token: string; portal: PortalInvoice } | null> {
    const token = String(req.params.token);
    const now = new Date();
    const verified = verifyPortalToken(secret(), token, now);
    const portal = verified ? await loadPortalInvoice(deps.db, verified.invoiceId, now) : null;
    return portal ? { token, portal } : null;
  }

  function render(res: Response, status: number, opened: { token: string; portal: PortalInvoice }, state: PageState): void {
    sendPortalPage(res, status, { ...opened, formToken: createFormToken(secret(), opened.token, new Date()), state });
  }

  r.get('/pay/:token', async (req, res) => {
    const opened = await open(req);
    if (!opened) return sendNotFoundPage(res);
    const state: PageState = {};
    const q = req.query;
    if (typeof q.notice === 'string' && (noticeCodes as readonly string[]).includes(q.notice)) state.notice = q.notice as NoticeCode;
    if (typeof q.payment === 'string' && paymentReturns[q.payment]) state.notice = paymentReturns[q.payment];
    const proposal = typeof q.installments === 'string' && /^\d{1,2}$/.test(q.installments) ? Number(q.installments) : 0;
    if (state.notice === 'plan_proposed' && proposal >= 2 && proposal <= opened.portal.policy.payment_plan.max_installments) state.proposal = proposal;
    render(res, 200, opened, state);
  });

  for (const [path, action] of Object.entries(portalActions)) {
    r.post(`/pay/:token/${path}`, form, async (req, res) => {
      const opened = await open(req);
      if (!opened) return sendNotFoundPage(res);
      const values = stringValues(req.body);
      if (!isValidFormToken(secret(), opened.token, values._csrf, new Date())) {
        return render(res, 403, opened, { problem: { section: action.section, code: 'form_expired' }, values });
      }
      const outcome = await action.run({ db: deps.db, temporal: deps.temporal, payments: deps.payments, publicBaseUrl: () => deps.config.publicBaseUrl, taskQueue: deps.config.TEMPORAL_TASK_QUEUE, log: req.log }, { ...opened, body: req.body ?? {} });
      if (outcome.kind === 'redirect') return res.redirect(303, outcome.location);
      if (outcome.kind === 'notice') {
        const query = new URLSearchParams({ notice: outcome.notice, ...outcome.query });
        // The notice is at the top; only a proposal sends the debtor down to where it is shown.
        return res.redirect(303, `/pay/${encodeURIComponent(opened.token)}?${query}${outcome.query ? `#${action.section}` : ''}`);
      }
      render(res, outcome.status, opened, { problem: { section: outcome.section, code: outcome.code, params: outcome.params }, values });
    });
  }

  // The undo link of a contact change, sent to the previous address. GET only shows a button (mail
  // scanners open links); the POST, with the page's form token, restores the previous details.
  async function openUndo(req: Request) {
    const opened = await open(req);
    const undo = opened ? verifyContactUndo(secret(), String(req.params.undo)) : null;
    return opened && undo ? { ...opened, changeId: undo.changeId } : null;
  }
  r.get('/pay/:token/contact/undo/:undo', async (req, res) => {
    const opened = await openUndo(req);
    if (!opened) return sendNotFoundPage(res);
    sendUndoContactPage(res, opened.portal.locale, createFormToken(secret(), opened.token, new Date()));
  });
  r.post('/pay/:token/contact/undo/:undo', form, async (req, res) => {
    const opened = await openUndo(req);
    if (!opened) return sendNotFoundPage(res);
    if (!isValidFormToken(secret(), opened.token, stringValues(req.body)._csrf, new Date())) {
      return sendUndoContactPage(res, opened.portal.locale, createFormToken(secret(), opened.token, new Date()), 403);
    }
    if (!(await undoContactChange(deps.db, opened.portal.invoice.id, opened.changeId))) return sendNotFoundPage(res);
    res.redirect(303, `/pay/${encodeURIComponent(opened.token)}?notice=contact_restored`);
  });

  r.use('/pay', pageErrors('portal'));
  return r;
}

function stringValues(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (body && typeof body === 'object') for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}
