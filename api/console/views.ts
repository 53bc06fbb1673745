import type { Response } from 'express';
import type { companies, debtCollectionCaseDocuments, events, invoiceLines, invoices, messages } from '../../db/schema';
import type { DebtCaseRow } from '../../services/debt-cases';
import type { ConsoleUser } from '../../services/console-users';
import { deliveryStatus, reachedDebtor, reachedDebtorAt, type DeliveryStatus } from '../../domain/message-delivery';
import { escapeHtml as e } from '../../messaging/templates';
import { debtorContact, debtorContactHtml } from './debtor-contact';
import { dateHtml, money, timeHtml } from './display';
import { eventDetails, eventLabel, stateAfterEvent } from './event-details';
import { CONSOLE_CSS_PATH } from './stylesheet';
import { csrfField } from '../web-session/csrf';
import { sendStrictPage } from '../web-session/page-headers';

/** The console's HTML: server-rendered, one stylesheet (./stylesheet.ts), no script, nothing loaded from elsewhere. */

export interface Viewer {
  user: ConsoleUser;
  csrf: string;
}

type Company = typeof companies.$inferSelect;
type EventRow = typeof events.$inferSelect;
type MessageRow = typeof messages.$inferSelect;

const time = timeHtml;

/** Sends a console page with the strict headers of a signed-in area (styles only from the console's own sheet). */
export const sendConsolePage = sendStrictPage;

/** A table that scrolls sideways inside its card on a narrow screen rather than widening the page; focusable, so a keyboard can scroll it. */
export const scrollTable = (table: string): string => `<div class="table-scroll" tabindex="0">${table}</div>`;

/** A state as a coloured badge (the class names follow the state's value). */
export const badge = (value: string, attrs = ''): string => `<span class="badge badge-${e(value)}"${attrs ? ` ${attrs}` : ''}>${e(value.replace(/_/g, ' '))}</span>`;

export const noticeHtml = (notice?: string): string => (notice ? `<p class="notice" role="status" data-testid="notice">${e(notice)}</p>` : '');
export const problemHtml = (problem?: string, attrs = ''): string => (problem ? `<p class="problem" role="alert" data-testid="problem"${attrs ? ` ${attrs}` : ''}>${e(problem)}</p>` : '');

const reviewerLinks: Array<[string, string]> = [['/console', 'Review queue']];
const agentLinks: Array<[string, string]> = [['/console/conversations', 'Conversations']];
const opsLinks: Array<[string, string]> = [
  ['/console/companies', 'Companies'],
  ['/console/outbox', 'Outbox'],
  ['/console/reconciliation', 'Reconciliation'],
  ['/console/sms-replies', 'SMS replies'],
  ['/console/print-batches', 'Print batches'],
];

export function layout(title: string, body: string, viewer?: Viewer | { user?: ConsoleUser; csrf?: undefined }, options: { narrow?: boolean; current?: string } = {}): string {
  const user = viewer?.user;
  const links = !user ? [] : user.role === 'agent' ? agentLinks : user.role === 'ops' ? [...reviewerLinks, ...agentLinks, ...opsLinks] : reviewerLinks;
  const nav = user
    ? `<nav aria-label="Console">${links.map(([href, label]) => `<a href="${href}"${options.current === href ? ' aria-current="page"' : ''}>${e(label)}</a>`).join('')}</nav>
<div class="me"><span data-testid="me">${e(user.email)} (${e(user.role)})</span>${viewer?.csrf ? `<form method="post" action="/console/sign-out">${csrfField(viewer.csrf)}<button type="submit">Sign out</button></form>` : ''}</div>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${e(title)} · Recoup console</title><link rel="stylesheet" href="${e(CONSOLE_CSS_PATH)}"></head>
<body><header class="bar"><div class="wrap"><a class="brand" href="/console">Recoup <span>console</span></a>${nav}</div></header><main${options.narrow ? ' class="narrow"' : ''}>${body}</main></body></html>`;
}

export function sendConsoleError(res: Response, status: number, message: string, user?: ConsoleUser): void {
  sendConsolePage(
    res,
    status,
    layout('Error', `<div class="card"><h1>${status === 403 ? 'Forbidden' : 'Something is wrong'}</h1>${problemHtml(message)}<p><a href="/console">Back to the console</a></p></div>`, { user }, { narrow: true }),
  );
}

export function signInPage(csrf: string, problem?: string, email = ''): string {
  return layout(
    'Sign in',
    `<div class="card"><h1>Sign in</h1><p class="muted">Review debt collection cases, answer debtors’ conversations and, for ops, run the day’s work: companies, outbox, reconciliation, SMS replies and print batches.</p>${problemHtml(problem)}
<form method="post" action="/console/sign-in">${csrfField(csrf)}
<label for="email">Email</label><input type="email" id="email" name="email" autocomplete="username" required value="${e(email)}">
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" class="block">Sign in</button></form></div>
<div class="card help" data-testid="sign-in-help"><h2>No account yet?</h2><p>Accounts are made by your Recoup operator (ops), on the server, with the command line:</p>
<code class="command">npm run recoup -- users:create --email you@example.org --role reviewer --password '…' --partner prt_…</code>
<p class="muted">Role <strong>reviewer</strong> decides debt collection cases and <strong>agent</strong> answers debtors’ conversations, both for one partner (<code>--partner</code>); <strong>ops</strong> see every partner and the ops pages. Ask ops for an account, or, on your own development machine, run it yourself.</p>
<h2>Looking for the Temporal Web UI?</h2><p class="muted">It is a separate app: the workflow histories of invoices and cases. In development <code>npm start</code> prints its address (<span class="mono">http://localhost:8233</span> unless <span class="mono">TEMPORAL_UI_PORT</span> says otherwise).</p></div>`,
    undefined,
    { narrow: true },
  );
}

export interface QueueRow {
  kase: DebtCaseRow;
  companyName: string;
}

export function queuePage(viewer: Viewer, input: { rows: QueueRow[]; companies: Array<{ id: string; name: string }>; filter: { company?: string; environment?: string }; notice?: string; problem?: string }): string {
  const { rows, filter } = input;
  const option = (value: string, label: string, selected?: string) => `<option value="${e(value)}"${value === (selected ?? '') ? ' selected' : ''}>${e(label)}</option>`;
  const filters = `<form method="get" action="/console" class="card filters"><div class="field"><label for="company">Company</label><select id="company" name="company">${option('', 'All companies', filter.company)}${input.companies.map((c) => option(c.id, c.name, filter.company)).join('')}</select></div>
<div class="field"><label for="environment">Environment</label><select id="environment" name="environment">${option('', 'All', filter.environment)}${option('production', 'production', filter.environment)}${option('test', 'test', filter.environment)}</select></div>
<button type="submit" class="secondary">Filter</button></form>`;
  const list = rows
    .map(({ kase, companyName }) => {
      const debtor = debtorContact((kase.details as { billing_address?: unknown }).billing_address);
      return `<tr data-testid="queue-row" data-case-id="${e(kase.id)}"><td class="check"><input type="checkbox" name="case_ids" value="${e(kase.id)}" aria-label="Select ${e(kase.id)}"></td><td data-label="Case"><a href="/console/cases/${e(kase.id)}">${e(kase.id)}</a><br><span class="muted">${e(kase.externalId)}</span></td><td data-label="Debtor">${e(debtor.name || debtor.organization || '—')}</td><td data-label="Company">${e(companyName)}</td><td data-label="Environment">${e(kase.environment)}</td><td data-label="Source">${e(kase.source)}</td><td class="num" data-label="Amount">${e(money(kase.amountCents, kase.currency))}</td><td class="when" data-label="Created">${time(kase.createdAt)}</td></tr>`;
    })
    .join('');
  const table = rows.length
    ? `<form method="post" action="/console/cases/bulk-review" class="card">${csrfField(viewer.csrf)}${scrollTable(`<table class="stack"><thead><tr><th></th><th>Case</th><th>Debtor</th><th>Company</th><th>Environment</th><th>Source</th><th class="num">Amount</th><th>Created</th></tr></thead><tbody>${list}</tbody></table>`)}
<label for="bulk-reason">Reason for approving the selected cases</label><textarea id="bulk-reason" name="reason" required maxlength="1000"></textarea><input type="hidden" name="decision" value="approve"><button type="submit">Approve selected</button></form>`
    : `<p class="card muted" data-testid="queue-empty">No cases wait for review.</p>`;
  return layout(
    'Review queue',
    `<h1>Review queue</h1><p class="lead">Debt collection cases waiting for a decision, newest first. Open one to read its invoice and timeline, or approve several at once with one reason.</p>${noticeHtml(input.notice)}${problemHtml(input.problem)}${filters}${table}`,
    viewer,
    { current: '/console' },
  );
}

export interface CaseView {
  kase: DebtCaseRow;
  company: Company | undefined;
  invoice: typeof invoices.$inferSelect | undefined;
  lines: Array<typeof invoiceLines.$inferSelect>;
  invoiceTimeline: EventRow[];
  invoiceMessages: MessageRow[];
  caseTimeline: EventRow[];
  documents: Array<typeof debtCollectionCaseDocuments.$inferSelect>;
  notice?: string;
  problem?: string;
  reason?: string;
}

const channelNames: Record<string, string> = { email: 'Email', sms: 'SMS', letter: 'Letter' };
const channelName = (c: string): string => channelNames[c] ?? c;

/**
 * The words around an invoice's timeline: its column heads, channel names and delivery statuses,
 * and how a moment is written. The console's are English in UTC; the company dashboard passes its
 * reader's language and the company's timezone. The events' own labels and sentences
 * (./event-details.ts) are written once, in English, for both.
 */
export interface TimelineWords {
  when: string;
  event: string;
  details: string;
  delivery: string;
  nothing: string;
  channel: (channel: string) => string;
  deliveryStatus: (status: DeliveryStatus) => string;
  time: (d: Date | null | undefined) => string;
}

const consoleTimelineWords: TimelineWords = {
  when: 'When',
  event: 'Event',
  details: 'Details',
  delivery: 'Delivery',
  nothing: 'Nothing yet.',
  channel: channelName,
  deliveryStatus: (s) => s.replace(/_/g, ' '),
  time,
};

/** A message's channel and its delivery as it stands now (accepted, delivered, failed, posted), and since when it reached the debtor. */
function messageDelivery(m: MessageRow, words: TimelineWords = consoleTimelineWords): string {
  const at = reachedDebtor(m.channel, m.status) ? reachedDebtorAt(m) : null;
  const status = deliveryStatus(m.status);
  return `${e(words.channel(m.channel))}: <span class="badge badge-${e(status)}">${e(words.deliveryStatus(status))}</span>${at ? ` <span class="muted">${words.time(at)}</span>` : ''}`;
}

/**
 * An invoice's (or case's) events as a table: when, what (./event-details.ts), the state after it,
 * and for a message event its message's delivery now (`messagesById`: the invoice's messages).
 */
export const timelineTable = (rows: EventRow[], testid: string, currency: string, messagesById: Map<string, MessageRow> = new Map(), words: TimelineWords = consoleTimelineWords): string =>
  rows.length
    ? scrollTable(
        `<table class="stack" data-testid="${testid}"><thead><tr><th>${e(words.when)}</th><th>${e(words.event)}</th><th>${e(words.details)}</th><th>${e(words.delivery)}</th></tr></thead><tbody>${rows
          .map((ev) => {
            const m = typeof ev.data.message_id === 'string' ? messagesById.get(ev.data.message_id) : undefined;
            const delivery = m ? `<span data-testid="delivery" data-channel="${e(m.channel)}" data-status="${e(deliveryStatus(m.status))}">${messageDelivery(m, words)}</span>` : '';
            const details = eventDetails(ev.type, ev.data, currency);
            const after = stateAfterEvent(ev.data, currency);
            const cell = [details ? `<span data-testid="event-details" lang="en">${e(details)}</span>` : '', after ? `<span class="muted" data-testid="state-after" lang="en">${e(after)}</span>` : ''].filter(Boolean).join('<br>');
            return `<tr data-testid="${testid}-event" data-type="${e(ev.type)}"><td class="when">${words.time(ev.createdAt)}</td><td data-label="${e(words.event)}"><strong title="${e(ev.type)}" lang="en">${e(eventLabel(ev.type))}</strong></td><td${cell ? ` data-label="${e(words.details)}"` : ''}>${cell}</td><td${delivery ? ` data-label="${e(words.delivery)}"` : ''}>${delivery}</td></tr>`;
          })
          .join('')}</tbody></table>`,
      )
    : `<p class="muted">${e(words.nothing)}</p>`;

export function casePage(viewer: Viewer, v: CaseView): string {
  const { kase, invoice } = v;
  const details = kase.details as { billing_address?: unknown; line_items?: Array<Record<string, unknown>>; reference?: string; due_date?: string };
  const debtor = details.billing_address ? debtorContact(details.billing_address) : invoice ? debtorContact(invoice.debtor) : null;
  const overview = `<div class="card"><h1>Case <span class="mono">${e(kase.id)}</span></h1>${noticeHtml(v.notice)}
<dl class="meta"><dt>State</dt><dd>${badge(kase.state, 'data-testid="case-state"')}</dd><dt>Company</dt><dd>${e(v.company?.name ?? kase.companyId)} <span class="muted mono">${e(kase.companyId)}</span></dd>
<dt>External id</dt><dd class="mono">${e(kase.externalId)}</dd><dt>Environment</dt><dd>${e(kase.environment)}</dd><dt>Source</dt><dd>${e(kase.source)}</dd>
<dt>Amount</dt><dd data-testid="case-amount"><strong>${e(money(kase.amountCents, kase.currency))}</strong></dd><dt>Collected</dt><dd>${e(money(kase.collectedAmountCents, kase.currency))}</dd>
<dt>Collector</dt><dd>${e(kase.collector ? `${kase.collector.name || 'no matching configuration'} (${kase.collector.collector})${kase.reviewRequired ? ', review required' : ''}` : '—')}</dd>
${details.reference ? `<dt>Reference</dt><dd>${e(details.reference)}</dd>` : ''}${details.due_date ? `<dt>Due date</dt><dd>${dateHtml(details.due_date)}</dd>` : ''}
<dt>Created</dt><dd>${time(kase.createdAt)}</dd>${kase.preparedAt ? `<dt>Prepared</dt><dd>${time(kase.preparedAt)}</dd>` : ''}
${kase.reviewDecision ? `<dt>Review</dt><dd data-testid="case-review"><strong>${e(kase.reviewDecision)}</strong> by ${e(kase.reviewedBy ?? '')} on ${time(kase.reviewedAt)}: “${e(kase.reviewReason ?? '')}”</dd>` : ''}
${kase.closeReason ? `<dt>Closed</dt><dd>${e(kase.closeReason)} ${time(kase.closedAt)}</dd>` : ''}</dl>
${details.line_items?.length ? `<h3>Claimed line items</h3>${scrollTable(`<table><thead><tr><th>Item</th><th class="num">Quantity</th><th class="num">Amount incl. tax</th></tr></thead><tbody>${details.line_items.map((l) => `<tr><td>${e(String(l.name ?? l.sku ?? ''))}</td><td class="num">${e(String(l.quantity ?? ''))}</td><td class="num">${e(money(Number(l.amount_including_tax_cents ?? 0), kase.currency))}</td></tr>`).join('')}</tbody></table>`)}` : ''}</div>`;
  const debtorCard = `<div class="card"><h2>Debtor</h2>${debtor ? debtorContactHtml(debtor) : '<p class="muted">—</p>'}</div>`;

  const decide =
    kase.state === 'reviewing'
      ? `<div class="card" id="review"><h2>Decide</h2>${problemHtml(v.problem)}
<form method="post" action="/console/cases/${e(kase.id)}/review">${csrfField(viewer.csrf)}<label for="reason">Reason (kept in the audit trail)</label><textarea id="reason" name="reason" required maxlength="1000">${e(v.reason ?? '')}</textarea>
<div class="actions"><button type="submit" name="decision" value="approve">Approve</button><button type="submit" name="decision" value="reject" class="danger">Reject</button></div></form></div>`
      : v.problem
        ? `<div class="card">${problemHtml(v.problem)}</div>`
        : '';

  const invoiceCard = invoice
    ? `<div class="card" data-testid="invoice"><h2>Invoice ${e(invoice.invoiceNumber)}</h2><div class="grid"><dl class="meta"><dt>Status</dt><dd>${badge(invoice.status)}</dd>
<dt>Issued</dt><dd>${dateHtml(invoice.issueDate)}</dd><dt>Due</dt><dd>${dateHtml(invoice.dueDate)}</dd><dt>Total</dt><dd>${e(money(invoice.amountTotalCents, invoice.currency))}</dd><dt>Fees</dt><dd>${e(money(invoice.feesCents, invoice.currency))}</dd>
<dt>Paid</dt><dd>${e(money(invoice.amountPaidCents, invoice.currency))}</dd><dt>Credited</dt><dd>${e(money(invoice.amountCreditedCents, invoice.currency))}</dd><dt>Dunning level</dt><dd>${invoice.dunningLevel}</dd></dl>
<div><h3>Debtor on the invoice</h3>${debtorContactHtml(debtorContact(invoice.debtor), 'invoice-debtor')}</div></div>
<h3>Lines</h3>${scrollTable(`<table><thead><tr><th>Description</th><th class="num">Quantity</th><th class="num">Amount</th><th class="num">VAT</th></tr></thead><tbody>${v.lines.map((l) => `<tr><td>${e(l.description)}</td><td class="num">${e(String(Number(l.quantity)))}</td><td class="num">${e(money(l.amountCents, invoice.currency))}</td><td class="num">${e(String(Number(l.vatRate)))}%</td></tr>`).join('')}</tbody></table>`)}
<h3>Timeline</h3>${timelineTable(v.invoiceTimeline, 'invoice-timeline', invoice.currency, new Map(v.invoiceMessages.map((m) => [m.id, m])))}
<h3>Messages</h3>${
        v.invoiceMessages.length
          ? scrollTable(
              `<table class="stack" data-testid="invoice-messages"><thead><tr><th>When</th><th>Channel</th><th>To</th><th>Subject</th><th>Delivery</th></tr></thead><tbody>${v.invoiceMessages
                .map(
                  (m) =>
                    `<tr data-testid="invoice-message" data-status="${e(deliveryStatus(m.status))}"><td class="when">${time(m.createdAt)}</td><td data-label="Channel">${e(channelName(m.channel))}</td><td data-label="To">${e(m.recipient)}</td><td data-label="Subject">${e(m.subject ?? m.kind)}</td><td data-label="Delivery">${messageDelivery(m)}${m.attempts > 1 ? ` <span class="muted">(resumed after an interrupted attempt${m.resentAt ? ', sent again' : ''})</span>` : ''}</td></tr>`,
                )
                .join('')}</tbody></table>`,
            )
          : '<p class="muted">No messages.</p>'
      }</div>`
    : `<div class="card" data-testid="invoice"><h2>Invoice</h2><p class="muted">The case has no invoice in Recoup.</p></div>`;

  const caseTimeline = `<div class="card"><h2>Case timeline</h2>${timelineTable(v.caseTimeline, 'case-timeline', kase.currency)}</div>`;
  const documents = `<div class="card"><h2>Documents</h2>${
    v.documents.length
      ? scrollTable(
          `<table data-testid="documents"><thead><tr><th>Name</th><th>Type</th><th>Content type</th><th class="num">Size</th><th>Added</th></tr></thead><tbody>${v.documents.map((d) => `<tr><td>${e(d.name)}</td><td>${e(d.type)}</td><td>${e(d.contentType)}</td><td class="num">${e(bytes(d.sizeBytes))}</td><td class="when">${time(d.createdAt)}</td></tr>`).join('')}</tbody></table>`,
        )
      : '<p class="muted">No documents.</p>'
  }</div>`;
  return layout(
    `Case ${kase.id}`,
    `<p><a href="/console">← Review queue</a></p><div class="grid"><div>${overview}</div><div>${debtorCard}${decide}</div></div>${invoiceCard}${caseTimeline}${documents}`,
    viewer,
  );
}

const bytes = (n: number): string => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

export function companiesPage(viewer: Viewer, rows: Company[], notice?: string, problem?: string): string {
  const list = rows
    .map(
      (c) => `<tr data-testid="company-row" data-company-id="${e(c.id)}"><td data-label="Company"><strong>${e(c.name)}</strong><br><span class="muted mono">${e(c.id)}</span></td><td data-label="Country">${e(c.country)}</td><td data-label="Partner" class="mono">${e(c.partnerId)}</td><td class="when">${time(c.createdAt)}</td>
<td><form method="post" action="/console/companies/${e(c.id)}/verification" class="inline">${csrfField(viewer.csrf)}<input type="text" name="reason" maxlength="1000" placeholder="Reason" aria-label="Reason for ${e(c.name)}"><button type="submit" name="decision" value="approve">Approve</button><button type="submit" name="decision" value="reject" class="danger">Reject</button></form></td></tr>`,
    )
    .join('');
  return layout(
    'Companies',
    `<h1>Companies pending verification</h1><p class="lead">A company sends no invoices until it is verified. Approve or reject it, with a reason kept on the company.</p>${noticeHtml(notice)}${problemHtml(problem)}<div class="card">${
      rows.length ? scrollTable(`<table class="stack"><thead><tr><th>Company</th><th>Country</th><th>Partner</th><th>Created</th><th>Decision</th></tr></thead><tbody>${list}</tbody></table>`) : '<p class="muted">No company waits for verification.</p>'
    }</div>`,
    viewer,
    { current: '/console/companies' },
  );
}

export function outboxPage(viewer: Viewer, rows: MessageRow[], waiting = ''): string {
  const list = rows
    .map(
      (m) => `<tr data-testid="outbox-row"><td class="when">${time(m.createdAt)}</td><td data-label="Channel">${e(channelName(m.channel))}<br><span class="muted">${e(m.transport)}</span></td><td data-label="To">${e(m.recipient)}</td><td data-label="Status">${badge(m.status)}</td><td><strong>${e(m.subject ?? m.kind)}</strong><details><summary>Text</summary><pre>${e(m.bodyText)}</pre></details><span class="muted">invoice <span class="mono">${e(m.invoiceId)}</span></span></td></tr>`,
    )
    .join('');
  return layout(
    'Outbox',
    `<h1>Outbox</h1>${waiting}<p class="lead">The latest 100 messages to debtors (in dev mode, with no provider configured, this is where they stay).</p><div class="card">${
      rows.length ? scrollTable(`<table class="stack"><thead><tr><th>When</th><th>Channel</th><th>To</th><th>Status</th><th>Message</th></tr></thead><tbody>${list}</tbody></table>`) : '<p class="muted">No messages.</p>'
    }</div>`,
    viewer,
    { current: '/console/outbox' },
  );
}
