import { amountDue } from '../../domain/amounts';
import { invoiceStatuses, isFinalStatus, type InvoiceStatus } from '../../domain/invoice-status';
import { escapeHtml as e } from '../../messaging/templates';
import { overdueBuckets, type CompanyInvoiceFilter, type CompanyInvoiceListRow, type CompanyInvoiceView } from '../../services/company-invoices';
import { debtorContact, debtorContactHtml } from '../console/debtor-contact';
import { noticeHtml, problemHtml, scrollTable, timelineTable, type TimelineWords } from '../console/views';
import { dateHtml, moneyText, numberText, timeHtml } from './format';
import { invoiceStatusTexts, invoiceTexts } from './invoice-texts';
import { csrfField, dashboardPage, type DashboardViewer } from './layout';
import { fill } from './texts';

/**
 * The dashboard's invoice list and invoice page (server-rendered, no script). Tables scroll
 * sideways inside their card on a phone; amounts and dates are in the reader's language, moments
 * in the company's timezone. The timeline is the console's (api/console/views.ts) with the words
 * around it translated.
 */

type Texts = ReturnType<typeof invoiceTexts>;
type Key = keyof Texts;

export const statusBadge = (status: InvoiceStatus, viewer: DashboardViewer): string =>
  `<span class="badge badge-${e(status)}" data-testid="status" data-status="${e(status)}">${e(invoiceStatusTexts(viewer.locale)[status])}</span>`;

/** The list's filters as query parameters (the next-page link keeps them). */
export function filterQuery(filter: CompanyInvoiceFilter, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  if (filter.search) q.set('q', filter.search);
  if (filter.status) q.set('status', filter.status);
  if (filter.overdue) q.set('overdue', filter.overdue);
  if (filter.debtorId) q.set('debtor', filter.debtorId);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export interface InvoiceListView {
  filter: CompanyInvoiceFilter;
  rows: CompanyInvoiceListRow[];
  next: string | null;
  /** The page after the first: offers a way back to the start. */
  paged: boolean;
  limit?: number | undefined;
  debtorName?: string | undefined;
  /** A refused filter: the field's query name and its message. */
  problem?: { field: string; message: string } | undefined;
}

export function invoiceListPage(viewer: DashboardViewer, v: InvoiceListView): string {
  const t = invoiceTexts(viewer.locale);
  const st = invoiceStatusTexts(viewer.locale);
  const { filter } = v;
  const option = (value: string, label: string, selected: string | undefined) => `<option value="${e(value)}"${value === (selected ?? '') ? ' selected' : ''}>${e(label)}</option>`;
  const form = `<form method="get" action="/dashboard/invoices" class="card filters" role="search" aria-label="${e(t.filters)}" data-testid="filters">
<div class="field"><label for="f-q">${e(t.search)}</label><input type="search" id="f-q" name="q" maxlength="100" value="${e(filter.search ?? '')}"></div>
<div class="field"><label for="f-status">${e(t.status)}</label><select id="f-status" name="status">${option('', t.anyStatus, filter.status)}${invoiceStatuses.map((s) => option(s, st[s], filter.status)).join('')}</select></div>
<div class="field"><label for="f-overdue">${e(t.overdue)}</label><select id="f-overdue" name="overdue">${option('', t.anyOverdue, filter.overdue)}${overdueBuckets.map((b) => option(b, t[b], filter.overdue)).join('')}</select></div>
${filter.debtorId ? `<input type="hidden" name="debtor" value="${e(filter.debtorId)}">` : ''}<button type="submit">${e(t.apply)}</button><a href="/dashboard/invoices">${e(t.clear)}</a></form>`;
  const debtorNote = filter.debtorId
    ? `<p data-testid="debtor-filter">${e(fill(t.debtorFilter, { name: v.debtorName ?? filter.debtorId }))} <a href="/dashboard/invoices${filterQuery({ ...filter, debtorId: undefined })}">${e(t.allDebtors)}</a></p>`
    : '';
  const money = (cents: number, currency: string) => e(moneyText(cents, currency, viewer.locale));
  const rows = v.rows
    .map(
      ({ invoice: i, debtorName }) =>
        `<tr data-testid="invoice-row" data-invoice-id="${e(i.id)}"><td><a href="/dashboard/invoices/${e(i.id)}">${e(i.invoiceNumber)}</a></td><td><a href="/dashboard/invoices${filterQuery({ debtorId: i.debtorId })}" data-testid="debtor-link">${e(debtorName)}</a></td><td class="when">${dateHtml(i.issueDate, viewer.locale)}</td><td class="when">${dateHtml(i.dueDate, viewer.locale)}</td><td>${statusBadge(i.status, viewer)}</td><td class="num">${money(i.amountTotalCents, i.currency)}</td><td class="num">${money(amountDue(i), i.currency)}</td></tr>`,
    )
    .join('');
  const table = v.rows.length
    ? scrollTable(
        `<table data-testid="invoices"><caption class="visually-hidden">${e(t.tableCaption)}</caption><thead><tr><th scope="col">${e(t.number)}</th><th scope="col">${e(t.debtor)}</th><th scope="col">${e(t.issued)}</th><th scope="col">${e(t.due)}</th><th scope="col">${e(t.status)}</th><th scope="col" class="num">${e(t.total)}</th><th scope="col" class="num">${e(t.amountDue)}</th></tr></thead><tbody>${rows}</tbody></table>`,
      )
    : `<p class="muted" data-testid="no-invoices">${e(t.none)}</p>`;
  const limit: Record<string, string> = v.limit ? { limit: String(v.limit) } : {};
  const paging = [
    v.paged ? `<a href="/dashboard/invoices${filterQuery(filter, limit)}">${e(t.firstPage)}</a>` : '',
    v.next ? `<a rel="next" href="/dashboard/invoices${filterQuery(filter, { ...limit, cursor: v.next })}" data-testid="next-page">${e(t.nextPage)}</a>` : '',
  ].filter(Boolean);
  const problem = v.problem ? problemHtml(v.problem.message, `data-field="${e(v.problem.field)}"`) : '';
  return dashboardPage(viewer, {
    title: t.listTitle,
    current: '/dashboard/invoices',
    body: `<h1>${e(t.listTitle)}</h1><p class="lead">${e(t.listLead)}</p>${problem}${form}${debtorNote}<div class="card">${table}${paging.length ? `<nav class="actions" aria-label="${e(t.cursor)}">${paging.join(' ')}</nav>` : ''}</div>`,
  });
}

export type InvoiceAction = 'credit' | 'retract' | 'hold' | 'resume';

export interface InvoicePageExtras {
  notice?: string | undefined;
  /** A refused action: which form, the message, and the field at fault if one was. */
  problem?: { action: InvoiceAction; message: string; field?: string | undefined } | undefined;
  /** What the person typed, given back with a refusal. */
  form?: { amount?: string | undefined; reason?: string | undefined } | undefined;
}

function timelineWords(viewer: DashboardViewer, t: Texts): TimelineWords {
  return {
    when: t.when,
    event: t.event,
    details: t.details,
    delivery: t.delivery,
    nothing: t.nothingYet,
    channel: (c) => (`channel_${c}` in t ? t[`channel_${c}` as Key] : c),
    deliveryStatus: (s) => t[`delivery_${s}` as Key] ?? s,
    time: (d) => timeHtml(d, viewer.locale, viewer.company.timezone),
  };
}

export function invoicePage(viewer: DashboardViewer, v: CompanyInvoiceView, extras: InvoicePageExtras = {}): string {
  const t = invoiceTexts(viewer.locale);
  const { invoice: i } = v;
  const money = (cents: number) => e(moneyText(cents, i.currency, viewer.locale));
  const time = (d: Date | null | undefined) => timeHtml(d, viewer.locale, viewer.company.timezone);
  // The note says what the next action is and why only while it belongs to the planned moment.
  const note = i.nextAction && i.nextActionAt && i.nextAction.at === i.nextActionAt.toISOString() ? i.nextAction : null;
  const next = i.nextActionAt
    ? `${time(i.nextActionAt)}${note ? `: ${e(t[`action_${note.action}` as Key] ?? note.action)} (${e(t[`why_${note.reason}` as Key] ?? note.reason)})` : ''}`
    : e(t.noNextAction);
  const amounts = `<div class="card"><h1>${e(fill(t.invoiceTitle, { number: i.invoiceNumber }))}</h1>${noticeHtml(extras.notice)}
<dl class="meta" data-testid="amounts"><dt>${e(t.status)}</dt><dd>${statusBadge(i.status, viewer)}</dd>
<dt>${e(t.issued)}</dt><dd>${dateHtml(i.issueDate, viewer.locale)}</dd><dt>${e(t.due)}</dt><dd>${dateHtml(i.dueDate, viewer.locale)}</dd>
<dt>${e(t.total)}</dt><dd data-testid="amount-total">${money(i.amountTotalCents)}</dd><dt>${e(t.paid)}</dt><dd data-testid="amount-paid">${money(i.amountPaidCents)}</dd>
<dt>${e(t.credited)}</dt><dd data-testid="amount-credited">${money(i.amountCreditedCents)}</dd><dt>${e(t.fees)}</dt><dd data-testid="fees">${money(i.feesCents)}</dd>
<dt>${e(t.amountDue)}</dt><dd data-testid="amount-due"><strong>${money(amountDue(i))}</strong></dd>
<dt>${e(t.dunningLevel)}</dt><dd data-testid="dunning-level">${e(numberText(i.dunningLevel, viewer.locale))}</dd><dt>${e(t.nextAction)}</dt><dd data-testid="next-action">${next}</dd>
<dt>${e(t.reference)}</dt><dd class="mono">${e(i.paymentReference)}</dd></dl>
<h2>${e(t.lines)}</h2>${scrollTable(
    `<table data-testid="lines"><thead><tr><th scope="col">${e(t.description)}</th><th scope="col" class="num">${e(t.quantity)}</th><th scope="col" class="num">${e(t.amount)}</th><th scope="col" class="num">${e(t.vat)}</th></tr></thead><tbody>${v.lines
      .map(
        (l) =>
          `<tr><td>${e(l.description)}</td><td class="num">${e(numberText(Number(l.quantity), viewer.locale))}</td><td class="num">${money(l.amountCents)}</td><td class="num">${e(numberText(Number(l.vatRate) / 100, viewer.locale, { style: 'percent', maximumFractionDigits: 2 }))}</td></tr>`,
      )
      .join('')}</tbody></table>`,
  )}</div>`;
  const debtor = `<div class="card"><h2>${e(t.debtorContact)}</h2>${debtorContactHtml(debtorContact(i.debtor), 'debtor')}<p><a href="/dashboard/invoices${filterQuery({ debtorId: i.debtorId })}">${e(t.otherInvoices)}</a></p></div>`;
  const ledger = `<div class="card"><h2>${e(t.money)}</h2>${
    v.ledger.length
      ? scrollTable(
          `<table data-testid="ledger"><thead><tr><th scope="col">${e(t.when)}</th><th scope="col">${e(t.kind)}</th><th scope="col" class="num">${e(t.amount)}</th><th scope="col">${e(t.reason)}</th></tr></thead><tbody>${v.ledger
            .map(
              (l) =>
                `<tr data-testid="ledger-entry" data-kind="${e(l.kind)}"><td class="when">${time(l.occurredAt)}</td><td>${e(t[`kind_${l.kind}`])}</td><td class="num">${money(l.amountCents)}</td><td>${e(l.reason ?? '')}</td></tr>`,
            )
            .join('')}</tbody></table>`,
        )
      : `<p class="muted">${e(t.noMoney)}</p>`
  }</div>`;
  const timeline = `<div class="card"><h2>${e(t.timeline)}</h2><p class="muted">${e(t.timelineLead)}</p>${timelineTable(v.timeline, 'timeline', i.currency, new Map(v.messages.map((m) => [m.id, m])), timelineWords(viewer, t))}</div>`;
  return dashboardPage(viewer, {
    title: fill(t.invoiceTitle, { number: i.invoiceNumber }),
    current: '/dashboard/invoices',
    body: `<p><a href="/dashboard/invoices">${e(t.backToList)}</a></p><div class="grid"><div>${amounts}</div><div>${debtor}${actionsCard(viewer, v, extras, t)}</div></div>${ledger}${timeline}`,
  });
}

/** The admin's forms: credit, retract, hold or resume, each with its reason. None for a viewer. */
function actionsCard(viewer: DashboardViewer, v: CompanyInvoiceView, extras: InvoicePageExtras, t: Texts): string {
  if (viewer.user.role !== 'admin') return '';
  const { invoice: i } = v;
  const problemOf = (action: InvoiceAction) => (extras.problem?.action === action ? problemHtml(extras.problem.message, extras.problem.field ? `data-field="${e(extras.problem.field)}"` : '') : '');
  if (isFinalStatus(i.status)) return `<div class="card" data-testid="actions"><h2>${e(t.actions)}</h2>${extras.problem ? problemHtml(extras.problem.message) : ''}<p class="muted">${e(t.noActions)}</p></div>`;
  const typed = (action: InvoiceAction) => (extras.problem?.action === action ? extras.form : undefined);
  const reason = (action: InvoiceAction) =>
    `<label for="${action}-reason">${e(t.reasonLabel)}</label><textarea id="${action}-reason" name="reason" maxlength="500" required${extras.problem?.action === action && extras.problem.field === 'reason' ? ' aria-invalid="true"' : ''}>${e(typed(action)?.reason ?? '')}</textarea>`;
  const form = (action: InvoiceAction, title: string, lead: string, fields: string, button: string, danger = false) =>
    `<form method="post" action="/dashboard/invoices/${e(i.id)}/${action}" class="stacked" data-testid="${action}-form"><h3>${e(title)}</h3><p class="muted">${e(lead)}</p>${problemOf(action)}${csrfField(viewer.csrf)}${fields}<button type="submit"${danger ? ' class="danger"' : ''}>${e(button)}</button></form>`;
  const forms: string[] = [];
  if (i.status !== 'draft') {
    const amount = `<label for="credit-amount">${e(fill(t.creditAmount, { currency: i.currency }))}</label><input type="text" inputmode="decimal" id="credit-amount" name="amount" required autocomplete="off" value="${e(typed('credit')?.amount ?? '')}"${extras.problem?.action === 'credit' && extras.problem.field === 'amount' ? ' aria-invalid="true"' : ''}>`;
    forms.push(form('credit', t.creditTitle, t.creditLead, `${amount}${reason('credit')}`, t.creditButton));
    forms.push(i.status === 'on_hold' ? form('resume', t.resumeTitle, t.resumeLead, '', t.resumeButton) : form('hold', t.holdTitle, t.holdLead, reason('hold'), t.holdButton));
  }
  forms.push(form('retract', t.retractTitle, t.retractLead, reason('retract'), t.retractButton, true));
  return `<div class="card" id="actions" data-testid="actions"><h2>${e(t.actions)}</h2>${forms.join('')}</div>`;
}
