import { escapeHtml } from '../../messaging/templates';
import { DomainError } from '../../domain/errors';
import { openDispute } from '../../services/disputes';
import type { PortalInvoice } from '../../services/portal-invoice';
import type { ActionOutcome, PortalAction } from './actions';
import { field } from './form-input';
import { portalTexts } from './texts';

const REASON_MAX = 500;
const DETAILS_MAX = 4000;

/** The invoices the debtor may dispute from this page: open or overdue ones of the account (the link's own when it stands alone). */
export function disputableInvoices(portal: PortalInvoice): Array<PortalInvoice['invoice']> {
  const all = portal.account.length > 0 ? portal.account.map((a) => a.invoice) : [portal.invoice];
  return all.filter((inv) => inv.status === 'open' || inv.status === 'overdue');
}

const problem = (status: 409 | 422, code: 'dispute_reason_missing' | 'dispute_too_long' | 'dispute_open' | 'dispute_not_possible' | 'invoice_not_in_account'): ActionOutcome => ({
  kind: 'problem',
  status,
  section: 'dispute',
  code,
});

/**
 * The debtor disputes one of their invoices from the portal (`via: 'portal'`): the dispute and an
 * `in` entry on the debtor's thread are written together, and the invoice's reminders pause.
 */
export const disputeFromPortal: PortalAction = async (deps, { portal, body }) => {
  const raw = (name: string) => {
    const v = (body as Record<string, unknown> | undefined)?.[name];
    return typeof v === 'string' ? v.trim() : '';
  };
  const reason = raw('reason');
  const details = raw('details');
  if (!reason) return problem(422, 'dispute_reason_missing');
  if (reason.length > REASON_MAX || details.length > DETAILS_MAX) return problem(422, 'dispute_too_long');
  const chosen = field(body, 'invoice') || portal.invoice.id;
  // Only an invoice of this debtor's account at this company, and only one that may be disputed now.
  const target = disputableInvoices(portal).find((inv) => inv.id === chosen);
  if (!target) {
    const inAccount = chosen === portal.invoice.id || portal.account.some((a) => a.invoice.id === chosen);
    if (!inAccount) return problem(422, 'invoice_not_in_account');
    const status = chosen === portal.invoice.id ? portal.invoice.status : portal.account.find((a) => a.invoice.id === chosen)!.invoice.status;
    return problem(409, status === 'disputed' ? 'dispute_open' : 'dispute_not_possible');
  }
  try {
    await openDispute(deps, target, { reason, details: details || null, via: 'portal' });
  } catch (err) {
    if (!(err instanceof DomainError) || err.kind !== 'conflict') throw err;
    return problem(409, err.code === 'dispute_open' ? 'dispute_open' : 'dispute_not_possible');
  }
  return { kind: 'notice', notice: 'dispute_opened' };
};

/** The "dispute this invoice" section's form: which invoice (when the account has several), what is wrong, details. */
export function disputeForm(portal: PortalInvoice, value: (name: string) => string): string {
  const t = portalTexts[portal.locale].dispute;
  const offered = disputableInvoices(portal);
  const choice =
    offered.length > 1
      ? `<label for="dispute-invoice">${escapeHtml(t.invoice)}</label><select id="dispute-invoice" name="invoice">${offered
          .map((inv) => `<option value="${escapeHtml(inv.id)}"${inv.id === portal.invoice.id ? ' selected' : ''}>${escapeHtml(inv.invoiceNumber)}</option>`)
          .join('')}</select>`
      : `<input type="hidden" name="invoice" value="${escapeHtml(offered[0]?.id ?? portal.invoice.id)}">`;
  return `${choice}<label for="dispute-reason">${escapeHtml(t.reason)}</label><input id="dispute-reason" name="reason" type="text" required maxlength="${REASON_MAX}" value="${value('reason')}">
<label for="dispute-details">${escapeHtml(t.details)}</label><textarea id="dispute-details" name="details" rows="4" maxlength="${DETAILS_MAX}">${value('details')}</textarea>`;
}
