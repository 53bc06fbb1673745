import { escapeHtml as e } from '../../messaging/templates';
import type { WaitingNotice } from '../../services/waiting-notices';

/** The outbox's section for them: when each goes (UTC and the debtor's local time) and why. */
export function waitingNoticesSection(rows: WaitingNotice[]): string {
  if (rows.length === 0) return '';
  const local = (w: WaitingNotice) => new Intl.DateTimeFormat('en-GB', { timeZone: w.timezone, hour: '2-digit', minute: '2-digit', weekday: 'short' }).format(w.at);
  const reason = (r: string) => (r === 'quiet_hours' ? 'quiet hours (night for the debtor)' : r.replace(/_/g, ' '));
  const list = rows
    .map(
      (w) =>
        `<tr data-testid="waiting-notice"><td>${e(w.at.toISOString().replace('T', ' ').slice(0, 16))} UTC<br><span class="muted">${e(local(w))} ${e(w.timezone)}</span></td><td>${e(w.recipient)}</td><td>${e(reason(w.reason))}</td><td><span class="muted">invoice ${e(w.invoiceId)}</span></td></tr>`,
    )
    .join('');
  return `<h2>Waiting to go</h2><p class="muted">Invoice notices held back by a guardrail; each goes at the time shown (the invoice's <code>next_action_at</code>).</p><div class="card"><table><thead><tr><th>Goes at</th><th>To</th><th>Why it waits</th><th>Invoice</th></tr></thead><tbody>${list}</tbody></table></div>`;
}
