import type { Response } from 'express';
import { amountDue } from '../../domain/amounts';
import { isFinalStatus } from '../../domain/invoice-status';
import { addDays } from '../../domain/local-time';
import { escapeHtml, formatMoney, type Locale } from '../../messaging/templates';
import { printedPaymentReference } from '../../domain/payment-reference';
import { amountInputValue } from './form-input';
import type { PortalInvoice } from '../../services/portal-invoice';
import { portalTexts, type NoticeCode, type TextParams, type ProblemCode } from './texts';
import { disputableInvoices, disputeForm } from './dispute';

/** The debtor portal's HTML: one server-rendered page, inline CSS, no script, nothing loaded from elsewhere. */

export type Section = 'pay' | 'promise' | 'plan' | 'budget' | 'contact' | 'messages' | 'dispute';

export interface Problem {
  section: Section;
  code: ProblemCode;
  params?: TextParams;
}

export interface PageState {
  notice?: NoticeCode;
  /** Installment count proposed from the income & expenditure form. */
  proposal?: number;
  problem?: Problem;
  /** What the debtor typed, shown again with a problem. */
  values?: Record<string, string>;
}

export interface PageInput {
  portal: PortalInvoice;
  token: string;
  formToken: string;
  state: PageState;
}

export const money = (cents: number, currency: string, locale: Locale): string => formatMoney(cents, currency, locale);

export function formatDate(date: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

/** The first installment date of a plan the portal proposes: a week out, within the policy. */
export function proposedFirstDate(portal: PortalInvoice): string {
  return addDays(portal.today, Math.min(7, portal.policy.promise_to_pay.max_days));
}

/** Arrangements are made on a running invoice without one, not on hold or in debt collection. */
export function arrangementPossible(status: PortalInvoice['invoice']['status']): boolean {
  return status === 'open' || status === 'overdue';
}

export function collectible(status: PortalInvoice['invoice']['status']): boolean {
  return status !== 'draft' && !isFinalStatus(status);
}

/** At most this many invoices in one checkout or arrangement: a provider's metadata carries all their ids. */
export const MAX_INVOICES_PER_FORM = 15;

/** The account's invoices the debtor can pay now (something is due), the oldest due first, at most {@link MAX_INVOICES_PER_FORM}. */
export function payableInvoices(portal: PortalInvoice): PortalInvoice['account'] {
  return portal.account.filter((a) => amountDue(a.invoice) > 0).slice(0, MAX_INVOICES_PER_FORM);
}

/** The account's invoices a promise or a plan can be made on. */
export function arrangeableInvoices(portal: PortalInvoice): PortalInvoice['account'] {
  return payableInvoices(portal).filter((a) => arrangementPossible(a.invoice.status));
}

/** The debtor owes this company more than the one invoice: the forms let them choose which. */
export function isAccount(portal: PortalInvoice): boolean {
  return portal.account.length > 1;
}

/** Headers of every portal page: the token in the URL must not leak by Referer, pages are not cached or framed. */
export function portalPageHeaders(res: Response): void {
  res.set({
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self' https:; frame-ancestors 'none'; base-uri 'none'",
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
  });
}

export function sendPortalPage(res: Response, status: number, input: PageInput): void {
  portalPageHeaders(res);
  res.status(status).type('html').send(invoicePage(input));
}

/** An unknown, forged or expired link: English (we do not know whose it is), no data. */
export function sendNotFoundPage(res: Response, status = 404): void {
  const t = portalTexts.en.notFound;
  portalPageHeaders(res);
  res
    .status(status)
    .type('html')
    .send(layout('en', t.title, `<main><div class="card"><h1>${escapeHtml(t.title)}</h1><p>${escapeHtml(t.message)}</p></div></main>`));
}

/** The page behind a contact change's undo link: one button, posting back to the same address. */
export function sendUndoContactPage(res: Response, locale: Locale, formToken: string, status = 200): void {
  const t = portalTexts[locale].undoContact;
  portalPageHeaders(res);
  res
    .status(status)
    .type('html')
    .send(
      layout(
        locale,
        t.title,
        `<main><div class="card"><h1>${escapeHtml(t.title)}</h1><p>${escapeHtml(t.intro)}</p><form method="post"><input type="hidden" name="_csrf" value="${escapeHtml(formToken)}"><button type="submit">${escapeHtml(t.button)}</button></form></div></main>`,
      ),
    );
}

/** One switch per channel: its state and a form that flips it (`opt_out` / `opt_in` with the channel). */
function messageSwitches(portal: PortalInvoice, form: (action: string, inner: string, button: string, cls?: string) => string): string {
  const t = portalTexts[portal.locale].messages;
  return (['email', 'sms'] as const)
    .map((channel) => {
      const off = portal.optOuts.includes(channel);
      return `<p data-testid="channel-${channel}">${escapeHtml(`${t.channels[channel]}: ${off ? t.off : t.on}`)}</p>${form(
        off ? 'opt_in' : 'opt_out',
        `<input type="hidden" name="channel" value="${channel}">`,
        off ? t.turnOn[channel] : t.turnOff[channel],
        'secondary',
      )}`;
    })
    .join('');
}

/**
 * The page behind an email's one-click unsubscribe link: a GET only asks (link scanners follow
 * GETs; RFC 8058), its button POSTs to the same address; after it, the page says it is done.
 */
export function sendUnsubscribePage(res: Response, locale: Locale, company: string, done: boolean): void {
  const t = portalTexts[locale].unsubscribe;
  const body = done
    ? `<p role="status" data-testid="unsubscribed">${escapeHtml(t.done({ company }))}</p>`
    : `<p>${escapeHtml(t.intro({ company }))}</p><form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">${escapeHtml(t.button)}</button></form>`;
  portalPageHeaders(res);
  res
    .status(200)
    .type('html')
    .send(layout(locale, t.title, `<main><div class="card"><h1>${escapeHtml(t.title)}</h1>${body}</div></main>`));
}

export function sendErrorPage(res: Response, status: number): void {
  portalPageHeaders(res);
  res.status(status).type('html').send(layout('en', 'Recoup', `<main><div class="card"><p class="problem" role="alert">${escapeHtml(portalTexts.en.problems.unavailable({}))}</p></div></main>`));
}

function invoicePage({ portal, token, formToken, state }: PageInput): string {
  const { invoice, locale } = portal;
  const t = portalTexts[locale];
  const company = portal.companyName;
  const m = (cents: number) => escapeHtml(money(cents, invoice.currency, locale));
  const d = (date: string) => escapeHtml(formatDate(date, locale));
  const due = amountDue(invoice);
  const status = invoice.status;
  const shown = new Set<Section>();
  const problemText = (): string => `<p class="problem" role="alert" data-testid="problem">${escapeHtml(t.problems[state.problem!.code]({ company, ...state.problem!.params }))}</p>`;
  const problemIn = (section: Section): string => {
    shown.add(section);
    return state.problem?.section === section ? problemText() : '';
  };
  const value = (name: string, fallback = ''): string => escapeHtml(state.problem ? (state.values?.[name] ?? fallback) : fallback);
  const form = (action: string, inner: string, button: string, cls = ''): string =>
    `<form method="post" action="/pay/${escapeHtml(token)}/${action}"><input type="hidden" name="_csrf" value="${escapeHtml(formToken)}">${inner}<button type="submit"${cls ? ` class="${cls}"` : ''}>${escapeHtml(button)}</button></form>`;
  const input = (name: string, label: string, attrs: string, fallback = ''): string =>
    `<label for="${name}">${escapeHtml(label)}</label><input id="${name}" name="${name}" ${attrs} value="${value(name, fallback)}">`;
  const section = (id: Section, heading: string, body: string, open = false): string =>
    `<details id="${id}"${open || state.problem?.section === id ? ' open' : ''}><summary>${escapeHtml(heading)}</summary><div>${body}${problemIn(id)}</div></details>`;

  const notice = state.notice ? `<p class="notice" role="status" data-testid="notice">${escapeHtml(t.notices[state.notice]({ company }))}</p>` : '';
  const lines = portal.lines
    .map((l) => {
      const quantity = Number(l.quantity) === 1 ? '' : `<br><span class="muted">${escapeHtml(String(Number(l.quantity)))} × ${m(l.amountCents)}</span>`;
      return `<tr><td>${escapeHtml(l.description)}${quantity}</td><td class="num">${m(Math.round(l.amountCents * Number(l.quantity)))}</td></tr>`;
    })
    .join('');
  const sums = [
    [t.total, invoice.amountTotalCents, invoice.amountTotalCents !== due],
    [t.fees, invoice.feesCents, invoice.feesCents > 0],
    [t.paid, -invoice.amountPaidCents, invoice.amountPaidCents > 0],
    [t.credited, -invoice.amountCreditedCents, invoice.amountCreditedCents > 0],
  ] as const;
  const summary = sums
    .filter(([, , shown]) => shown)
    .map(([label, cents]) => `<tr class="sum"><td>${escapeHtml(label)}</td><td class="num">${m(cents)}</td></tr>`)
    .join('');

  const overview = `<div class="card">
<div class="row"><span>${escapeHtml(t.status)}</span><span class="badge badge-${escapeHtml(status)}" data-testid="status" data-status="${escapeHtml(status)}">${escapeHtml(t.statuses[status])}</span></div>
<dl class="meta"><dt>${escapeHtml(t.invoice)}</dt><dd data-testid="invoice-number">${escapeHtml(invoice.invoiceNumber)}</dd><dt>${escapeHtml(t.issueDate)}</dt><dd>${d(invoice.issueDate)}</dd><dt>${escapeHtml(t.dueDate)}</dt><dd>${d(invoice.dueDate)}</dd><dt>${escapeHtml(t.paymentReference)}</dt><dd data-testid="payment-reference">${escapeHtml(printedPaymentReference(invoice.paymentReference))}</dd></dl>
<h2>${escapeHtml(t.lines)}</h2>
<table>${lines}${summary}</table>
<div class="due"><span>${escapeHtml(t.amountDue)}</span><strong data-testid="amount-due">${m(due)}</strong></div>
</div>`;

  const account = isAccount(portal);
  const accountCard = account
    ? `<div class="card" id="account" data-testid="account"><h2>${escapeHtml(t.account.heading({ company }))}</h2><p class="muted">${escapeHtml(t.account.intro)}</p>${portal.account
        .map(({ invoice: inv, lines: invLines }) => {
          const rows = invLines.map((l) => `<tr><td>${escapeHtml(l.description)}</td><td class="num">${m(Math.round(l.amountCents * Number(l.quantity)))}</td></tr>`).join('');
          return `<div class="account-invoice" data-testid="account-invoice" data-invoice-id="${escapeHtml(inv.id)}"><div class="row"><strong>${escapeHtml(t.invoice)} ${escapeHtml(inv.invoiceNumber)}</strong><span class="badge badge-${escapeHtml(inv.status)}" data-testid="account-status">${escapeHtml(t.statuses[inv.status])}</span></div><p class="muted">${escapeHtml(t.dueDate)}: ${d(inv.dueDate)}</p><table>${rows}<tr class="sum"><td>${escapeHtml(t.amountDue)}</td><td class="num" data-testid="account-due">${m(amountDue(inv))}</td></tr></table></div>`;
        })
        .join('')}<div class="due"><span>${escapeHtml(t.account.total)}</span><strong data-testid="account-total">${m(portal.account.reduce((sum, a) => sum + amountDue(a.invoice), 0))}</strong></div></div>`
    : '';
  /** The invoices a form is about, when the debtor owes more than one: checkboxes, all ticked. */
  const choices = (formId: string, offered: PortalInvoice['account']): string =>
    account
      ? `<fieldset class="choices"><legend>${escapeHtml(t.account.choose)}</legend><input type="hidden" name="choice" value="1">${offered
          .map(
            ({ invoice: inv }) =>
              `<label class="choice"><input type="checkbox" name="invoices" value="${escapeHtml(inv.id)}" id="${formId}-${escapeHtml(inv.id)}" checked> ${escapeHtml(t.account.invoiceLine({ invoices: inv.invoiceNumber, date: formatDate(inv.dueDate, locale), amount: money(amountDue(inv), inv.currency, locale) }))}</label>`,
          )
          .join('')}</fieldset>`
      : '';

  const notes: string[] = [];
  if (!collectible(status)) notes.push(t.closedNote);
  if (status === 'in_debt_collection') notes.push(t.debtCollectionNote);
  if (status === 'on_hold') notes.push(t.onHoldNote({ company }));
  if (status === 'disputed') notes.push(t.disputedNote({ company }));
  if (status === 'promise_to_pay' && portal.promiseDate) notes.push(t.promiseInPlace({ date: formatDate(portal.promiseDate, locale) }));
  let arrangement = notes.map((n) => `<p>${escapeHtml(n)}</p>`).join('');
  if (status === 'payment_plan' && portal.installments.length > 0) {
    arrangement += `<p>${escapeHtml(t.planInPlace)}</p><ul>${portal.installments.map((i) => `<li>${escapeHtml(t.installment({ date: formatDate(i.due_date, locale), amount: money(i.amount_cents, invoice.currency, locale) }))}</li>`).join('')}</ul>`;
  }
  const arrangementCard = arrangement ? `<div class="card info" data-testid="arrangement">${arrangement}</div>` : '';

  const actions: string[] = [];
  const payable = payableInvoices(portal);
  if (payable.length > 0) {
    const amount = account
      ? `${input('amount', `${t.pay.amount} (${invoice.currency})`, 'type="text" inputmode="decimal" autocomplete="off"')}<p class="muted">${escapeHtml(t.account.amountHint)}</p>`
      : input('amount', `${t.pay.amount} (${invoice.currency})`, 'type="text" inputmode="decimal" autocomplete="off" required', amountInputValue(due, locale));
    actions.push(`<div class="card" id="pay"><h2>${escapeHtml(t.pay.heading)}</h2><p class="muted">${escapeHtml(t.pay.intro)}</p>${form('payment', choices('pay', payable) + amount, t.pay.button)}${problemIn('pay')}</div>`);
  }
  const arrangeable = arrangeableInvoices(portal);
  if (arrangeable.length > 0) {
    // The income & expenditure proposal is for everything the debtor can arrange at once.
    const planDue = account ? arrangeable.reduce((sum, a) => sum + amountDue(a.invoice), 0) : due;
    const allArrangeable = account ? `<input type="hidden" name="choice" value="1">${arrangeable.map((a) => `<input type="hidden" name="invoices" value="${escapeHtml(a.invoice.id)}">`).join('')}` : '';
    const limits = portal.policy;
    const latest = addDays(portal.today, limits.promise_to_pay.max_days);
    const range = `min="${portal.today}" max="${latest}"`;
    actions.push(
      section('promise', t.promise.heading, `<p class="muted">${escapeHtml(t.promise.intro)}</p>${form('promise_to_pay', choices('promise', arrangeable) + input('date', t.promise.date, `type="date" required ${range}`), t.promise.button)}`),
    );
    actions.push(
      section(
        'plan',
        t.plan.heading,
        `<p class="muted">${escapeHtml(t.plan.intro({ count: String(limits.payment_plan.max_installments), min: money(limits.payment_plan.min_installment_cents, invoice.currency, locale) }))}</p>${form(
          'payment_plan',
          choices('plan', arrangeable) +
          input('installment_count', t.plan.count, `type="number" inputmode="numeric" min="2" max="${limits.payment_plan.max_installments}" step="1" required`, '3') +
            input('first_due_date', t.plan.firstDate, `type="date" required ${range}`, proposedFirstDate(portal)),
          t.plan.button,
        )}`,
      ),
    );
    let proposal = '';
    if (state.proposal) {
      const count = state.proposal;
      proposal = `<div class="proposal" data-testid="proposal"><p>${escapeHtml(
        t.budget.proposal({ count: String(count), amount: money(Math.ceil(planDue / count), invoice.currency, locale), date: formatDate(proposedFirstDate(portal), locale) }),
      )}</p>${form('payment_plan', `${allArrangeable}<input type="hidden" name="installment_count" value="${count}"><input type="hidden" name="first_due_date" value="${proposedFirstDate(portal)}">`, t.budget.accept)}</div>`;
    }
    actions.push(
      section(
        'budget',
        t.budget.heading,
        `${proposal}<p class="muted">${escapeHtml(t.budget.intro)}</p>${form(
          'income_expenditure',
          input('monthly_income', `${t.budget.income} (${invoice.currency})`, 'type="text" inputmode="decimal" autocomplete="off" required') +
            input('monthly_expenses', `${t.budget.expenses} (${invoice.currency})`, 'type="text" inputmode="decimal" autocomplete="off" required'),
          t.budget.button,
          proposal ? 'secondary' : '',
        )}`,
        state.proposal !== undefined,
      ),
    );
  }
  if (collectible(status)) {
    actions.push(
      section(
        'contact',
        t.contact.heading,
        `<p class="muted">${escapeHtml(t.contact.intro)}</p>${form(
          'contact',
          input('email', t.contact.email, 'type="email" autocomplete="email"', invoice.debtor.email ?? '') + input('phone', t.contact.phone, 'type="tel" autocomplete="tel"', invoice.debtor.phone ?? ''),
          t.contact.button,
        )}`,
      ),
    );
  }
  if (disputableInvoices(portal).length > 0) {
    actions.push(section('dispute', t.dispute.heading, `<p class="muted">${escapeHtml(t.dispute.intro({ company }))}</p>${form('dispute', disputeForm(portal, (name) => value(name)), t.dispute.button)}`));
  }
  // The debtor's switches per channel, for all their invoices at the company (a closed invoice's link too).
  actions.push(section('messages', t.messages.heading, `<p class="muted">${escapeHtml(t.messages.intro({ company }))}</p>${messageSwitches(portal, form)}`));

  // A form posted from a stale page whose section is no longer offered (an arrangement was made meanwhile).
  const topProblem = state.problem && !shown.has(state.problem.section) ? problemText() : '';
  const body = `<header><div class="wrap"><h1>${escapeHtml(t.title({ company }))}</h1></div></header>
<main>${notice}${topProblem}${overview}${arrangementCard}${accountCard}${actions.join('\n')}</main>
<footer>${escapeHtml(t.footer({ company }))}</footer>`;
  return layout(locale, `${t.invoice} ${invoice.invoiceNumber} · ${company}`, body);
}

const css = `:root{--ink:#1b1f24;--muted:#59636e;--line:#e2e5e9;--accent:#0b6e4f;--accent-ink:#fff;--bg:#f4f5f7}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
header{background:var(--accent);color:var(--accent-ink);padding:1.25rem 1rem 1.5rem}
.wrap,main,footer{max-width:34rem;margin:0 auto}
main{padding:1rem}
h1{font-size:1.35rem;line-height:1.25;margin:0}
h2{font-size:1.05rem;margin:1rem 0 .25rem}
.meta{display:grid;grid-template-columns:auto 1fr;gap:.15rem 1rem;margin:.75rem 0 0;font-size:.92rem}
.meta dt{color:var(--muted)}
.meta dd{margin:0;text-align:right}
.card,details{background:#fff;border:1px solid var(--line);border-radius:12px;margin:0 0 .9rem}
.card{padding:1rem}
.card>:first-child{margin-top:0}
.card>:last-child{margin-bottom:0}
.info{background:#f0f7f4}
.row{display:flex;justify-content:space-between;align-items:center;gap:.5rem}
.badge{display:inline-block;padding:.15rem .65rem;border-radius:999px;font-size:.85rem;font-weight:600;background:#e8ecef}
.badge-overdue,.badge-in_debt_collection{background:#fde8e6;color:#8a1c12}
.badge-paid,.badge-credited,.badge-collected{background:#dff3ea;color:#0b5a41}
.badge-promise_to_pay,.badge-payment_plan,.badge-on_hold{background:#fff3d6;color:#6b4a00}
table{width:100%;border-collapse:collapse}
td{padding:.5rem 0;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
td.num{text-align:right;white-space:nowrap;padding-left:.75rem}
tr.sum td{color:var(--muted);font-size:.95rem}
.due{display:flex;justify-content:space-between;align-items:baseline;gap:.5rem;margin-top:.75rem;font-size:1.05rem}
.due strong{font-size:1.75rem}
.muted{color:var(--muted);font-size:.92rem;margin:.25rem 0}
label{display:block;font-weight:600;margin:.8rem 0 .3rem}
input,select,textarea{display:block;width:100%;font:inherit;padding:.7rem .75rem;border:1px solid #aeb5bd;border-radius:8px;background:#fff;color:var(--ink);min-height:2.9rem}
button{display:block;width:100%;font:inherit;font-weight:600;padding:.8rem;margin-top:1rem;border:1px solid var(--accent);border-radius:8px;background:var(--accent);color:var(--accent-ink);cursor:pointer;min-height:3rem}
button.secondary{background:#fff;color:var(--accent)}
details>summary{padding:1rem;font-weight:600;cursor:pointer;list-style:none;display:flex;justify-content:space-between}
details>summary::-webkit-details-marker{display:none}
details>summary::after{content:"+";font-weight:400;font-size:1.25rem;line-height:1}
details[open]>summary::after{content:"\\2013"}
details>div{padding:0 1rem 1rem}
.notice{border-left:4px solid var(--accent);background:#e6f4ee;padding:.75rem 1rem;border-radius:8px;margin:0 0 1rem}
.problem{border-left:4px solid #b42318;background:#fdecea;color:#7a1a12;padding:.75rem 1rem;border-radius:8px;margin:.9rem 0 0}
.proposal{background:#f0f7f4;border-radius:8px;padding:.75rem 1rem;margin-bottom:.5rem}
.proposal p{margin:0}
.account-invoice{border-top:1px solid var(--line);padding-top:.5rem;margin-top:.75rem}
fieldset.choices{border:0;margin:0;padding:0}
fieldset.choices legend{font-weight:600;margin:.8rem 0 .3rem;padding:0}
label.choice{display:flex;gap:.6rem;align-items:flex-start;font-weight:400;margin:.4rem 0}
label.choice input{display:inline-block;width:1.4rem;min-height:1.4rem;height:1.4rem;flex:none;margin:.1rem 0 0}
footer{padding:0 1rem 2rem;color:var(--muted);font-size:.85rem}
input:focus,select:focus,textarea:focus,button:focus,summary:focus{outline:3px solid #7cc4a8;outline-offset:2px}`;

function layout(locale: Locale, title: string, body: string): string {
  return `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head><body>
${body}
</body></html>`;
}
