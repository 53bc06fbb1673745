import { escapeHtml as e } from '../../messaging/templates';
import type { QueueFilter, QueueRow } from '../../services/conversation-queue';
import type { Thread, ThreadItem } from '../../services/conversation-thread';
import type { ConsoleUser } from '../../services/console-users';
import { deliveryStatus } from '../../domain/message-delivery';
import { dateHtml, money, timeHtml } from './display';
import { csrfField } from '../web-session/csrf';
import { badge, layout, noticeHtml, problemHtml, scrollTable, type Viewer } from './views';

/** The agents' pages: the queue of conversations and one debtor's thread. */

/** How long something has waited, as an agent reads it: `45 min`, `3 h 10 min`, `2 d 4 h`. */
export function ageText(since: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

const filters: Array<[QueueFilter, string]> = [
  ['all', 'All open'],
  ['mine', 'Mine'],
  ['unassigned', 'Unassigned'],
];

export function conversationQueuePage(viewer: Viewer, input: { rows: QueueRow[]; filter: QueueFilter; now: Date; notice?: string }): string {
  const tabs = `<nav class="card filters" aria-label="Which threads">${filters
    .map(([f, label]) => `<a href="/console/conversations${f === 'all' ? '' : `?filter=${f}`}"${f === input.filter ? ' aria-current="page"' : ''} data-testid="filter-${f}">${e(label)}</a>`)
    .join(' · ')}</nav>`;
  const rows = input.rows
    .map(
      (r) => `<tr data-testid="conversation-row" data-debtor-id="${e(r.debtorId)}" data-waiting="${r.awaitingSince ? 'yes' : 'no'}">
<td data-label="Debtor"><a href="/console/conversations/${e(r.debtorId)}">${e(r.debtorName || r.debtorId)}</a><br><span class="muted">${e(r.companyName)}</span></td>
<td data-label="Waiting">${r.awaitingSince ? `<span class="badge badge-open" data-testid="sla-age">waiting ${e(ageText(r.awaitingSince, input.now))}</span>` : '<span class="muted">answered</span>'}</td>
<td class="when" data-label="Last activity">${timeHtml(r.lastEntryAt)}</td>
<td data-label="Agent" data-testid="assignee">${r.assignedEmail ? e(r.assignedEmail) : '<span class="muted">unassigned</span>'}</td></tr>`,
    )
    .join('');
  const table = input.rows.length
    ? `<div class="card">${scrollTable(`<table class="stack"><thead><tr><th>Debtor</th><th>Waiting</th><th>Last activity</th><th>Agent</th></tr></thead><tbody>${rows}</tbody></table>`)}</div>`
    : `<p class="card muted" data-testid="conversations-empty">No open conversations here.</p>`;
  return layout(
    'Conversations',
    `<h1>Conversations</h1><p class="lead">One thread per debtor. Threads with a reply nobody answered yet come first, the longest waiting at the top; then the rest by their last activity.</p>${noticeHtml(input.notice)}${tabs}${table}`,
    viewer,
    { current: '/console/conversations' },
  );
}

const channelNames: Record<string, string> = { email: 'Email', sms: 'SMS', letter: 'Letter', portal: 'Portal', note: 'Note' };

interface ItemContext {
  base: string;
  csrf: string;
  openInvoices: Thread['openInvoices'];
}

/** Under a debtor's reply: record the dispute it makes, on one of their open invoices (the reply's own first). */
function disputeForm(entry: { id: string }, invoiceId: string | null, ctx: ItemContext): string {
  if (ctx.openInvoices.length === 0) return '';
  const options = ctx.openInvoices
    .map((i) => `<option value="${e(i.id)}"${i.id === invoiceId ? ' selected' : ''}>${e(i.invoiceNumber)}</option>`)
    .join('');
  const id = `dispute-${e(entry.id)}`;
  return `<details><summary>Record a dispute from this message</summary><form method="post" action="${ctx.base}/disputes" class="stacked" data-testid="dispute-form">${ctx.csrf}<input type="hidden" name="entry_id" value="${e(entry.id)}">
<label for="${id}-invoice">Invoice</label><select id="${id}-invoice" name="invoice_id">${options}</select>
<label for="${id}-reason">Reason</label><input type="text" id="${id}-reason" name="reason" maxlength="500" required>
<button type="submit" class="secondary">Open the dispute</button></form></details>`;
}

function itemHtml(item: ThreadItem, ctx: ItemContext): string {
  if (item.source === 'message') {
    const m = item.message;
    const agent = m.kind === 'agent_reply';
    return `<li class="card" data-testid="thread-item" data-source="message" data-direction="out" data-kind="${e(m.kind)}" data-channel="${e(m.channel)}">
<p class="muted">${timeHtml(item.at)} · ${e(channelNames[m.channel] ?? m.channel)} to ${e(m.recipient)} · ${agent ? 'agent’s reply' : e(m.kind.replace(/_/g, ' '))} · invoice ${e(item.invoiceNumber)} · ${badge(deliveryStatus(m.status))}</p>
${m.subject ? `<p><strong>${e(m.subject)}</strong></p>` : ''}<pre>${e(m.bodyText)}</pre></li>`;
  }
  const en = item.entry;
  // An agent's reply is shown once: by its message (above), which carries the delivery status.
  if (en.direction === 'out' && en.messageId) return '';
  const who = en.direction === 'in' ? `from ${e(en.sender ?? 'the debtor')}` : en.authorEmail ? `by ${e(en.authorEmail)}` : '';
  const kind = en.kind === 'note' ? 'Internal note' : en.kind.replace(/_/g, ' ');
  return `<li class="card${en.direction === 'internal' ? ' note' : ''}" data-testid="thread-item" data-source="entry" data-direction="${e(en.direction)}" data-kind="${e(en.kind)}" data-channel="${e(en.channel)}">
<p class="muted">${timeHtml(item.at)} · ${e(channelNames[en.channel] ?? en.channel)} ${who} · ${e(kind)}${item.invoiceNumber ? ` · invoice ${e(item.invoiceNumber)}` : ''}</p>
${en.subject ? `<p><strong>${e(en.subject)}</strong></p>` : ''}<pre>${e(en.body)}</pre>
${en.direction === 'in' && en.kind === 'reply' ? disputeForm(en, item.entry.invoiceId, ctx) : ''}</li>`;
}

export interface ThreadPageInput {
  thread: Thread;
  agents: Array<Pick<ConsoleUser, 'id' | 'email'>>;
  now: Date;
  notice?: string;
  problem?: string;
  /** What the agent wrote, shown again when the reply was refused. */
  draft?: { channel?: string; subject?: string; body?: string };
}

export function threadPage(viewer: Viewer, input: ThreadPageInput): string {
  const { thread, now } = input;
  const d = thread.debtor;
  const c = thread.conversation;
  const base = `/console/conversations/${e(d.id)}`;
  const state = c
    ? `${c.awaitingSince ? `<span class="badge badge-open" data-testid="sla-age">waiting ${e(ageText(c.awaitingSince, now))}</span>` : '<span class="muted" data-testid="sla-age">nothing waits</span>'} · ${badge(c.status)}`
    : '<span class="muted">no conversation yet</span>';
  const assignee = c?.assignedUserId ? (input.agents.find((a) => a.id === c.assignedUserId)?.email ?? (c.assignedUserId === viewer.user.id ? viewer.user.email : c.assignedUserId)) : null;
  const invoicesHtml = thread.openInvoices.length
    ? scrollTable(
        `<table class="stack"><thead><tr><th>Invoice</th><th>Status</th><th>Due</th><th class="num">Amount due</th></tr></thead><tbody>${thread.openInvoices
          .map(
            (i) =>
              `<tr data-testid="open-invoice" data-invoice-id="${e(i.id)}"><td data-label="Invoice">${e(i.invoiceNumber)}<br><span class="muted mono">${e(i.id)}</span></td><td data-label="Status">${badge(i.status)}</td><td data-label="Due">${dateHtml(i.dueDate)}</td><td class="num" data-label="Amount due">${e(money(i.amountDueCents, i.currency))}</td></tr>`,
          )
          .join('')}</tbody></table>`,
      )
    : '<p class="muted">No open invoices.</p>';

  const draft = input.draft ?? {};
  const channelOption = (value: string, label: string, disabled: boolean) =>
    `<option value="${value}"${draft.channel === value ? ' selected' : ''}${disabled ? ' disabled' : ''}>${e(label)}</option>`;
  const optedOut = (ch: 'email' | 'sms') => (d.optOuts.includes(ch) ? ' (opted out)' : '');
  const csrf = csrfField(viewer.csrf);
  const items = thread.items.map((item) => itemHtml(item, { base, csrf, openInvoices: thread.openInvoices })).filter(Boolean).join('');
  const assignForm = c
    ? `<form method="post" action="${base}/assign" class="stacked">${csrf}<label for="assignee">Agent</label><select id="assignee" name="assignee"><option value="me">Me (${e(viewer.user.email)})</option><option value="">Nobody</option>${input.agents
        .filter((a) => a.id !== viewer.user.id)
        .map((a) => `<option value="${e(a.id)}">${e(a.email)}</option>`)
        .join('')}</select><button type="submit" class="secondary">Assign</button></form>
<form method="post" action="${base}/close" class="stacked">${csrf}<button type="submit" class="secondary">Close the thread</button></form>`
    : '';
  return layout(
    `Conversation with ${d.name}`,
    `<p><a href="/console/conversations">← Conversations</a></p><h1>${e(d.name || d.id)}</h1>
<p class="lead">${e(thread.companyName)} · ${d.email ? e(d.email) : 'no email'} · ${d.phone ? e(d.phone) : 'no phone'}${d.optOuts.length ? ` · opted out of ${e(d.optOuts.join(', '))}` : ''} · ${e(d.timezone)}</p>
<p data-testid="thread-state">${state} · agent: <span data-testid="thread-assignee">${assignee ? e(assignee) : 'unassigned'}</span></p>
<p><a href="/console/debtors/${e(d.id)}/vulnerability">Vulnerability</a> · <a href="/console/disputes">Disputes</a></p>
${noticeHtml(input.notice)}${problemHtml(input.problem)}
<div class="card"><h2>Open invoices</h2>${invoicesHtml}</div>
<h2>Thread</h2><ol class="thread" data-testid="thread">${items || '<li class="muted">Nothing yet.</li>'}</ol>
<div class="card"><h2>Reply</h2><form method="post" action="${base}/reply" class="stacked" data-testid="reply-form">${csrf}
<label for="channel">Channel</label><select id="channel" name="channel">${channelOption('email', `Email${optedOut('email')}`, !d.email)}${channelOption('sms', `SMS${optedOut('sms')}`, !d.phone)}</select>
<label for="subject">Subject (email)</label><input type="text" id="subject" name="subject" maxlength="300" value="${e(draft.subject ?? '')}">
<label for="body">Message</label><textarea id="body" name="body" maxlength="20000">${e(draft.body ?? '')}</textarea>
<button type="submit">Send reply</button></form></div>
<div class="card"><h2>Internal note</h2><form method="post" action="${base}/notes" class="stacked">${csrf}<label for="note">Note (never sent)</label><textarea id="note" name="body" maxlength="5000"></textarea><button type="submit" class="secondary">Add note</button></form></div>
<div class="card"><h2>Assignment</h2>${assignForm || '<p class="muted">The thread starts with the debtor’s first entry.</p>'}</div>`,
    viewer,
    { current: '/console/conversations' },
  );
}
