import type { Response } from 'express';
import type { companies, debtCollectionCaseDocuments, events, invoiceLines, invoices, messages } from '../../db/schema';
import type { DebtCaseRow } from '../../services/debt-cases';
import type { ConsoleUser } from '../../services/console-users';
import { deliveryStatus, reachedDebtor, reachedDebtorAt } from '../../domain/message-delivery';
import { escapeHtml as e, formatMoney } from '../../messaging/templates';

/** The console's HTML: server-rendered, inline CSS, no script, nothing loaded from elsewhere. */

export interface Viewer {
  user: ConsoleUser;
  csrf: string;
}

type Company = typeof companies.$inferSelect;
type EventRow = typeof events.$inferSelect;
type MessageRow = typeof messages.$inferSelect;

const money = (cents: number, currency: string): string => formatMoney(cents, currency, 'en');
const time = (d: Date | null | undefined): string => (d ? e(d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC') : '');

const CSS = `body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff}header .me{margin-left:auto}header form{display:inline}
main{padding:1rem;max-width:1100px;margin:auto}.card{background:#fff;border-radius:6px;padding:1rem;margin-bottom:1rem;box-shadow:0 1px 2px #0002}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e3e5ea;vertical-align:top}
td.num,th.num{text-align:right}.muted{color:#667}.notice{background:#e7f6ea;padding:.6rem;border-radius:4px}
.problem{background:#fdeaea;color:#8a1c1c;padding:.6rem;border-radius:4px}label{display:block;margin:.4rem 0 .2rem}
textarea,input[type=text],input[type=email],input[type=password],select{font:inherit;padding:.35rem;max-width:100%}
textarea{width:100%;min-height:4rem}button{font:inherit;padding:.4rem .9rem;cursor:pointer}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{color:#667}dd{margin:0}
pre{white-space:pre-wrap;font-size:13px;margin:0}`;

/** Headers of every console page: not cached, not framed, no referrer, scripts impossible. */
export function consolePageHeaders(res: Response): void {
  res.set({
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
  });
}

export function sendConsolePage(res: Response, status: number, html: string): void {
  consolePageHeaders(res);
  res.status(status).type('html').send(html);
}

export const csrfField = (csrf: string): string => `<input type="hidden" name="_csrf" value="${e(csrf)}">`;

export function layout(title: string, body: string, viewer?: Viewer | { user?: ConsoleUser; csrf?: undefined }): string {
  const user = viewer?.user;
  const nav = user
    ? `<nav><a href="/console">Review queue</a>${user.role === 'ops' ? ' · <a href="/console/companies">Companies</a> · <a href="/console/outbox">Outbox</a> · <a href="/console/reconciliation">Reconciliation</a> · <a href="/console/sms-replies">SMS replies</a> · <a href="/console/print-batches">Print batches</a>' : ''}</nav>
<span class="me" data-testid="me">${e(user.email)} (${e(user.role)})</span>${viewer?.csrf ? `<form method="post" action="/console/sign-out">${csrfField(viewer.csrf)}<button type="submit">Sign out</button></form>` : ''}`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${e(title)} · Recoup console</title><style>${CSS}</style></head>
<body><header><strong>Recoup console</strong>${nav}</header><main>${body}</main></body></html>`;
}

export function sendConsoleError(res: Response, status: number, message: string, user?: ConsoleUser): void {
  sendConsolePage(res, status, layout('Error', `<div class="card"><h1>${status === 403 ? 'Forbidden' : 'Something is wrong'}</h1><p class="problem" role="alert" data-testid="problem">${e(message)}</p><p><a href="/console">Back to the review queue</a></p></div>`, { user }));
}

export function signInPage(csrf: string, problem?: string, email = ''): string {
  return layout(
    'Sign in',
    `<div class="card" style="max-width:420px;margin:2rem auto"><h1>Sign in</h1>${problem ? `<p class="problem" role="alert" data-testid="problem">${e(problem)}</p>` : ''}
<form method="post" action="/console/sign-in">${csrfField(csrf)}
<label for="email">Email</label><input type="email" id="email" name="email" autocomplete="username" required value="${e(email)}">
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<p><button type="submit">Sign in</button></p></form></div>`,
  );
}

export interface QueueRow {
  kase: DebtCaseRow;
  companyName: string;
}

export function queuePage(viewer: Viewer, input: { rows: QueueRow[]; companies: Array<{ id: string; name: string }>; filter: { company?: string; environment?: string }; notice?: string; problem?: string }): string {
  const { rows, filter } = input;
  const option = (value: string, label: string, selected?: string) => `<option value="${e(value)}"${value === (selected ?? '') ? ' selected' : ''}>${e(label)}</option>`;
  const filters = `<form method="get" action="/console" class="card"><label for="company" style="display:inline">Company</label> <select id="company" name="company">${option('', 'All companies', filter.company)}${input.companies.map((c) => option(c.id, c.name, filter.company)).join('')}</select>
 <label for="environment" style="display:inline">Environment</label> <select id="environment" name="environment">${option('', 'All', filter.environment)}${option('production', 'production', filter.environment)}${option('test', 'test', filter.environment)}</select>
 <button type="submit">Filter</button></form>`;
  const list = rows
    .map(
      ({ kase, companyName }) =>
        `<tr data-testid="queue-row" data-case-id="${e(kase.id)}"><td><input type="checkbox" name="case_ids" value="${e(kase.id)}" aria-label="Select ${e(kase.id)}"></td><td><a href="/console/cases/${e(kase.id)}">${e(kase.id)}</a><br><span class="muted">${e(kase.externalId)}</span></td><td>${e(companyName)}</td><td>${e(kase.environment)}</td><td>${e(kase.source)}</td><td class="num">${e(money(kase.amountCents, kase.currency))}</td><td>${time(kase.createdAt)}</td></tr>`,
    )
    .join('');
  const table = rows.length
    ? `<form method="post" action="/console/cases/bulk-review" class="card">${csrfField(viewer.csrf)}<table><thead><tr><th></th><th>Case</th><th>Company</th><th>Environment</th><th>Source</th><th class="num">Amount</th><th>Created</th></tr></thead><tbody>${list}</tbody></table>
<label for="bulk-reason">Reason for approving the selected cases</label><textarea id="bulk-reason" name="reason" required maxlength="1000"></textarea><input type="hidden" name="decision" value="approve"><p><button type="submit">Approve selected</button></p></form>`
    : `<p class="card muted" data-testid="queue-empty">No cases wait for review.</p>`;
  return layout(
    'Review queue',
    `<h1>Review queue</h1>${input.notice ? `<p class="notice" role="status" data-testid="notice">${e(input.notice)}</p>` : ''}${input.problem ? `<p class="problem" role="alert" data-testid="problem">${e(input.problem)}</p>` : ''}${filters}${table}`,
    viewer,
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

/** A one-line summary of an event's data: what a reviewer needs at a glance. */
function eventSummary(ev: EventRow): string {
  const d = ev.data;
  const parts: string[] = [];
  for (const k of ['channel', 'kind', 'recipient', 'status', 'amount_cents', 'amount_due_cents', 'source', 'reason', 'decision', 'dunning_level', 'date']) {
    const v = d[k];
    if (v !== undefined && v !== null && typeof v !== 'object') parts.push(`${k}: ${String(v)}`);
  }
  return parts.join(', ');
}

/** A message's channel and its delivery as it stands now (accepted, delivered, failed, posted), and since when it reached the debtor. */
function messageDelivery(m: MessageRow): string {
  const at = reachedDebtor(m.channel, m.status) ? reachedDebtorAt(m) : null;
  return `${m.channel}: ${deliveryStatus(m.status)}${at ? ` ${time(at)}` : ''}`;
}

/** `messages`: the invoice's messages, so that a message event shows its message's delivery now. */
const timelineTable = (rows: EventRow[], testid: string, messagesById: Map<string, MessageRow> = new Map()): string =>
  rows.length
    ? `<table data-testid="${testid}"><thead><tr><th>When</th><th>Event</th><th>Details</th><th>Delivery</th></tr></thead><tbody>${rows
        .map((ev) => {
          const m = typeof ev.data.message_id === 'string' ? messagesById.get(ev.data.message_id) : undefined;
          const delivery = m ? `<span data-testid="delivery" data-channel="${e(m.channel)}" data-status="${e(deliveryStatus(m.status))}">${e(messageDelivery(m))}</span>` : '';
          return `<tr data-testid="${testid}-event" data-type="${e(ev.type)}"><td>${time(ev.createdAt)}</td><td>${e(ev.type)}</td><td class="muted">${e(eventSummary(ev))}</td><td>${delivery}</td></tr>`;
        })
        .join('')}</tbody></table>`
    : '<p class="muted">Nothing yet.</p>';

export function casePage(viewer: Viewer, v: CaseView): string {
  const { kase, invoice } = v;
  const details = kase.details as { billing_address?: Record<string, unknown>; line_items?: Array<Record<string, unknown>>; reference?: string; due_date?: string };
  const address = details.billing_address
    ? Object.entries(details.billing_address)
        .filter(([, x]) => x !== null && x !== undefined && x !== '')
        .map(([k, x]) => `${k}: ${String(x)}`)
        .join(', ')
    : '';
  const overview = `<div class="card"><h1>Case ${e(kase.id)}</h1>${v.notice ? `<p class="notice" role="status" data-testid="notice">${e(v.notice)}</p>` : ''}
<dl class="meta"><dt>State</dt><dd data-testid="case-state">${e(kase.state)}</dd><dt>Company</dt><dd>${e(v.company?.name ?? kase.companyId)} <span class="muted">${e(kase.companyId)}</span></dd>
<dt>External id</dt><dd>${e(kase.externalId)}</dd><dt>Environment</dt><dd>${e(kase.environment)}</dd><dt>Source</dt><dd>${e(kase.source)}</dd>
<dt>Amount</dt><dd data-testid="case-amount">${e(money(kase.amountCents, kase.currency))}</dd><dt>Collected</dt><dd>${e(money(kase.collectedAmountCents, kase.currency))}</dd>
<dt>Collector</dt><dd>${e(kase.collector ? `${kase.collector.name || 'no matching configuration'} (${kase.collector.collector})${kase.reviewRequired ? ', review required' : ''}` : '—')}</dd>
${details.reference ? `<dt>Reference</dt><dd>${e(details.reference)}</dd>` : ''}${details.due_date ? `<dt>Due date</dt><dd>${e(details.due_date)}</dd>` : ''}${address ? `<dt>Debtor</dt><dd>${e(address)}</dd>` : ''}
<dt>Created</dt><dd>${time(kase.createdAt)}</dd><dt>Prepared</dt><dd>${time(kase.preparedAt)}</dd>
${kase.reviewDecision ? `<dt>Review</dt><dd data-testid="case-review">${e(kase.reviewDecision)} by ${e(kase.reviewedBy ?? '')} at ${time(kase.reviewedAt)}: ${e(kase.reviewReason ?? '')}</dd>` : ''}
${kase.closeReason ? `<dt>Closed</dt><dd>${e(kase.closeReason)} ${time(kase.closedAt)}</dd>` : ''}</dl>
${details.line_items?.length ? `<h2>Claimed line items</h2><table><thead><tr><th>Item</th><th class="num">Quantity</th><th class="num">Amount incl. tax</th></tr></thead><tbody>${details.line_items.map((l) => `<tr><td>${e(String(l.name ?? l.sku ?? ''))}</td><td class="num">${e(String(l.quantity ?? ''))}</td><td class="num">${e(money(Number(l.amount_including_tax_cents ?? 0), kase.currency))}</td></tr>`).join('')}</tbody></table>` : ''}</div>`;

  const decide =
    kase.state === 'reviewing'
      ? `<div class="card" id="review"><h2>Decide</h2>${v.problem ? `<p class="problem" role="alert" data-testid="problem">${e(v.problem)}</p>` : ''}
<form method="post" action="/console/cases/${e(kase.id)}/review">${csrfField(viewer.csrf)}<label for="reason">Reason (kept in the audit trail)</label><textarea id="reason" name="reason" required maxlength="1000">${e(v.reason ?? '')}</textarea>
<p><button type="submit" name="decision" value="approve">Approve</button> <button type="submit" name="decision" value="reject">Reject</button></p></form></div>`
      : v.problem
        ? `<div class="card"><p class="problem" role="alert" data-testid="problem">${e(v.problem)}</p></div>`
        : '';

  const invoiceCard = invoice
    ? `<div class="card" data-testid="invoice"><h2>Invoice ${e(invoice.invoiceNumber)}</h2><dl class="meta"><dt>Status</dt><dd>${e(invoice.status)}</dd><dt>Debtor</dt><dd>${e([invoice.debtor.first_name, invoice.debtor.last_name].filter(Boolean).join(' '))} ${e(invoice.debtor.email ?? '')}</dd>
<dt>Issued</dt><dd>${e(invoice.issueDate)}</dd><dt>Due</dt><dd>${e(invoice.dueDate)}</dd><dt>Total</dt><dd>${e(money(invoice.amountTotalCents, invoice.currency))}</dd><dt>Fees</dt><dd>${e(money(invoice.feesCents, invoice.currency))}</dd>
<dt>Paid</dt><dd>${e(money(invoice.amountPaidCents, invoice.currency))}</dd><dt>Credited</dt><dd>${e(money(invoice.amountCreditedCents, invoice.currency))}</dd><dt>Dunning level</dt><dd>${invoice.dunningLevel}</dd></dl>
<h3>Lines</h3><table><thead><tr><th>Description</th><th class="num">Quantity</th><th class="num">Amount</th><th class="num">VAT</th></tr></thead><tbody>${v.lines.map((l) => `<tr><td>${e(l.description)}</td><td class="num">${e(String(l.quantity))}</td><td class="num">${e(money(l.amountCents, invoice.currency))}</td><td class="num">${e(String(l.vatRate))}%</td></tr>`).join('')}</tbody></table>
<h3>Timeline</h3>${timelineTable(v.invoiceTimeline, 'invoice-timeline', new Map(v.invoiceMessages.map((m) => [m.id, m])))}
<h3>Messages</h3>${v.invoiceMessages.length ? `<table data-testid="invoice-messages"><thead><tr><th>When</th><th>Channel</th><th>To</th><th>Subject</th><th>Delivery</th></tr></thead><tbody>${v.invoiceMessages.map((m) => `<tr data-testid="invoice-message" data-status="${e(deliveryStatus(m.status))}"><td>${time(m.createdAt)}</td><td>${e(m.channel)}</td><td>${e(m.recipient)}</td><td>${e(m.subject ?? m.kind)}</td><td>${e(messageDelivery(m))}${m.attempts > 1 ? ` <span class="muted">(resumed after an interrupted attempt${m.resentAt ? ', sent again' : ''})</span>` : ''}</td></tr>`).join('')}</tbody></table>` : '<p class="muted">No messages.</p>'}</div>`
    : `<div class="card" data-testid="invoice"><h2>Invoice</h2><p class="muted">The case has no invoice in Recoup.</p></div>`;

  const caseTimeline = `<div class="card"><h2>Case timeline</h2>${timelineTable(v.caseTimeline, 'case-timeline')}</div>`;
  const documents = `<div class="card"><h2>Documents</h2>${
    v.documents.length
      ? `<table data-testid="documents"><thead><tr><th>Name</th><th>Type</th><th>Content type</th><th class="num">Size</th><th>Added</th></tr></thead><tbody>${v.documents.map((d) => `<tr><td>${e(d.name)}</td><td>${e(d.type)}</td><td>${e(d.contentType)}</td><td class="num">${d.sizeBytes}</td><td>${time(d.createdAt)}</td></tr>`).join('')}</tbody></table>`
      : '<p class="muted">No documents.</p>'
  }</div>`;
  return layout(`Case ${kase.id}`, `<p><a href="/console">← Review queue</a></p>${overview}${decide}${invoiceCard}${caseTimeline}${documents}`, viewer);
}

export function companiesPage(viewer: Viewer, rows: Company[], notice?: string, problem?: string): string {
  const list = rows
    .map(
      (c) => `<tr data-testid="company-row" data-company-id="${e(c.id)}"><td>${e(c.name)}<br><span class="muted">${e(c.id)}</span></td><td>${e(c.country)}</td><td>${e(c.partnerId)}</td><td>${time(c.createdAt)}</td>
<td><form method="post" action="/console/companies/${e(c.id)}/verification">${csrfField(viewer.csrf)}<input type="text" name="reason" maxlength="1000" placeholder="Reason" aria-label="Reason for ${e(c.name)}"> <button type="submit" name="decision" value="approve">Approve</button> <button type="submit" name="decision" value="reject">Reject</button></form></td></tr>`,
    )
    .join('');
  return layout(
    'Companies',
    `<h1>Companies pending verification</h1>${notice ? `<p class="notice" role="status" data-testid="notice">${e(notice)}</p>` : ''}${problem ? `<p class="problem" role="alert" data-testid="problem">${e(problem)}</p>` : ''}<div class="card">${
      rows.length ? `<table><thead><tr><th>Company</th><th>Country</th><th>Partner</th><th>Created</th><th>Decision</th></tr></thead><tbody>${list}</tbody></table>` : '<p class="muted">No company waits for verification.</p>'
    }</div>`,
    viewer,
  );
}

export function outboxPage(viewer: Viewer, rows: MessageRow[], waiting = ''): string {
  const list = rows
    .map(
      (m) => `<tr data-testid="outbox-row"><td>${time(m.createdAt)}</td><td>${e(m.channel)}<br><span class="muted">${e(m.transport)}</span></td><td>${e(m.recipient)}</td><td>${e(m.status)}</td><td><strong>${e(m.subject ?? m.kind)}</strong><details><summary>Text</summary><pre>${e(m.bodyText)}</pre></details><span class="muted">invoice ${e(m.invoiceId)}</span></td></tr>`,
    )
    .join('');
  return layout(
    'Outbox',
    `<h1>Outbox</h1>${waiting}<p class="muted">The latest 100 messages to debtors (in dev mode, with no provider configured, this is where they stay).</p><div class="card">${
      rows.length ? `<table><thead><tr><th>When</th><th>Channel</th><th>To</th><th>Status</th><th>Message</th></tr></thead><tbody>${list}</tbody></table>` : '<p class="muted">No messages.</p>'
    }</div>`,
    viewer,
  );
}
