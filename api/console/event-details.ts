import { dateText, labelOf, money, readableDateString } from './display';

/**
 * A timeline event in words: a label for its type and a sentence for its data, e.g.
 * "Payment received: €240.00 (external id pi_123, via api)". Types without a sentence of their
 * own, and the data a sentence leaves out, are written by one generic rule: labels from the
 * snake_case keys, amounts for `*_cents` keys, readable dates, lists and nested data inline.
 */

type Data = Record<string, unknown>;

const labels: Record<string, string> = {
  'import.transmitted': 'Import transmitted',
  'invoice.transmitted': 'Invoice transmitted',
  'invoice.reminder_sent': 'Reminder',
  'invoice.dunning_level_changed': 'Dunning level changed',
  'invoice.payment_received': 'Payment received',
  'invoice.paid': 'Paid',
  'invoice.credited': 'Credited',
  'invoice.retracted': 'Retracted',
  'invoice.contact_updated': 'Contact details changed',
  'invoice.on_hold': 'Put on hold',
  'invoice.resumed': 'Resumed',
  'invoice.promise_to_pay_made': 'Promise to pay',
  'invoice.promise_to_pay_broken': 'Promise to pay broken',
  'invoice.payment_plan_created': 'Payment plan',
  'invoice.payment_plan_broken': 'Payment plan broken',
  'message.sent': 'Message sent',
  'message.delivered': 'Message delivered',
  'message.failed': 'Message failed',
  'message.received': 'Message received',
  'debt_case.created': 'Case opened',
  'debt_case.review_required': 'Review required',
  'debt_case.approved': 'Approved',
  'debt_case.rejected': 'Rejected',
  'debt_case.handed_off': 'Handed to the collector',
  'debt_case.collected_amount_added': 'Amount collected',
  'debt_case.closed': 'Case closed',
  'company.verification_reset': 'Company to verify again',
};

/** `invoice.payment_received` → "Payment received"; an unknown type from its last part. */
export function eventLabel(type: string): string {
  return labels[type] ?? labelOf(type.slice(type.lastIndexOf('.') + 1));
}

/** Ids the page shows elsewhere (the invoice, its debtor and the case it is on, the message's own row). */
const hidden = new Set(['invoice_id', 'debtor_id', 'debt_collection_case_id', 'message_id', 'currency']);

const words: Record<string, string> = {
  quiet_hours: 'quiet hours',
  contact_limit: 'contact limit',
  contact_gap: 'days between contacts',
  opt_out: 'opted out',
  no_contact_details: 'no contact details',
  channel_not_configured: 'channel not configured',
  wik_notice: 'WIK notice',
  sms: 'SMS',
  wik: 'WIK',
};
const word = (s: string): string => words[s] ?? s.replace(/_/g, ' ');

/** One value in words; `key` says how to read numbers (`*_cents` are amounts). */
function valueText(key: string, v: unknown, currency: string): string {
  if (v === null || v === undefined || v === '') return '';
  if (typeof v === 'number') return key.endsWith('_cents') ? money(v, currency) : String(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return readableDateString(v);
  if (Array.isArray(v)) {
    return v
      .map((x) => valueText(key, x, currency))
      .filter(Boolean)
      .join('; ');
  }
  if (typeof v === 'object') {
    if (key === 'guardrails' || 'check' in v) return guardrailText(v as Data);
    if (key === 'messages' || ('channel' in v && 'status' in v)) return messageResultText(v as Data);
    return pairsText(v as Data, currency);
  }
  return String(v);
}

/** `key: value` pairs for whatever data a sentence did not use; a list is a sentence of its own. */
function pairsText(data: Data, currency: string, used: readonly string[] = []): string {
  const pairs: string[] = [];
  const lists: string[] = [];
  for (const [k, v] of Object.entries(data)) {
    if (used.includes(k) || hidden.has(k)) continue;
    const text = valueText(k, v, currency);
    if (!text) continue;
    if (Array.isArray(v)) lists.push(`${listLabels[k] ?? labelOf(k)}: ${text}`);
    else pairs.push(v !== null && typeof v === 'object' ? `${labelOf(k)} (${text})` : `${labelOf(k)}: ${text}`);
  }
  return [pairs.join(', '), ...lists].filter(Boolean).join('. ');
}

const listLabels: Record<string, string> = { guardrails: 'Checks', messages: 'Messages', changed: 'Changed' };

function guardrailText(g: Data): string {
  const until = typeof g.until === 'string' ? ` until ${readableDateString(g.until)}` : '';
  const channel = typeof g.channel === 'string' ? ` (${word(g.channel)})` : '';
  const detail = typeof g.detail === 'string' ? `: ${g.detail}` : '';
  return `${word(String(g.check ?? 'check'))} ${word(String(g.result ?? ''))}${until}${channel}${detail}`.trim();
}

function messageResultText(m: Data): string {
  const reason = typeof m.reason === 'string' ? ` (${word(m.reason)})` : '';
  return `${word(String(m.channel))} ${word(String(m.status))}${reason}`;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The sentence of a known type, and the keys it used (the rest follow generically). */
function sentence(type: string, d: Data, currency: string): { text: string; used: string[] } | null {
  const m = (k: string) => money(num(d[k]) ?? 0, currency);
  switch (type) {
    case 'invoice.payment_received': {
      const cents = num(d.amount_cents) ?? 0;
      const ref = str(d.external_id) ? ` (external id ${str(d.external_id)}${str(d.source) ? `, via ${word(str(d.source))}` : ''})` : '';
      const head = cents < 0 || d.reversal ? `Payment reversed${str(d.reversal) ? ` by a ${word(str(d.reversal))}` : ''}: ${money(cents, currency)}` : `Payment received: ${money(cents, currency)}`;
      return { text: `${head}${ref}`, used: ['amount_cents', 'external_id', 'source', 'reversal'] };
    }
    case 'invoice.paid': {
      const over = num(d.overpaid_cents) ?? 0;
      return { text: over > 0 ? `Paid in full, ${m('overpaid_cents')} overpaid` : 'Paid in full', used: ['overpaid_cents'] };
    }
    case 'invoice.credited':
      return { text: `Credited ${m('credit_cents')}`, used: ['credit_cents'] };
    case 'invoice.transmitted':
      return { text: `Transmitted to the debtor${str(d.due_date) ? `, due ${dateText(str(d.due_date))}` : ''}`, used: ['due_date'] };
    case 'invoice.promise_to_pay_made':
      return { text: `The debtor promised to pay by ${dateText(str(d.date))}`, used: ['date'] };
    case 'invoice.dunning_level_changed': {
      const parts = [`Dunning level ${String(d.level ?? '?')}`];
      if (d.debt_collection === true) parts.push('handed to debt collection');
      if ((num(d.fee_cents) ?? 0) > 0) parts.push(`fee ${m('fee_cents')} charged`);
      else if ((num(d.announced_fee_cents) ?? 0) > 0) parts.push(`fee ${m('announced_fee_cents')} announced${str(d.fee_pay_by) ? `, charged if unpaid by ${dateText(str(d.fee_pay_by))}` : ''}`);
      return { text: parts.join(', '), used: ['level', 'debt_collection', 'fee_cents', 'announced_fee_cents', 'fee_pay_by'] };
    }
    case 'message.sent':
    case 'message.failed':
    case 'message.delivered': {
      const verb = type === 'message.sent' ? 'sent' : type === 'message.failed' ? 'failed' : 'delivered';
      const what = `${str(d.kind) ? word(str(d.kind)) : 'Message'} by ${word(str(d.channel) || 'message')}`;
      return { text: `${what.charAt(0).toUpperCase()}${what.slice(1)} ${verb}${str(d.recipient) ? ` to ${str(d.recipient)}` : ''}`, used: ['kind', 'channel', 'recipient'] };
    }
    case 'debt_case.created':
      return { text: `Case opened for ${m('amount_cents')}${str(d.source) ? ` (from ${word(str(d.source))})` : ''}`, used: ['amount_cents', 'source'] };
    case 'debt_case.review_required':
      return { text: str(d.why) ? `Review required: ${str(d.why)}` : 'Review required', used: ['why'] };
    case 'debt_case.approved':
    case 'debt_case.rejected': {
      const r = (d.review && typeof d.review === 'object' ? d.review : {}) as Data;
      const by = str(r.reviewed_by ?? r.reviewedBy);
      const reason = str(r.reason);
      return { text: `${type === 'debt_case.approved' ? 'Approved' : 'Rejected'}${by ? ` by ${by}` : ''}${reason ? `: “${reason}”` : ''}`, used: ['review'] };
    }
    default:
      return null;
  }
}

/**
 * The invoice or case as it stood after the event: every invoice event carries the invoice's state
 * (activities/invoice-state.ts), every case event the case's (services/debt-cases.ts). Said once
 * per event, in a line of its own, rather than as a list of amounts in every row.
 */
const invoiceKeys = ['status', 'amount_total_cents', 'amount_paid_cents', 'amount_credited_cents', 'fees_cents', 'amount_due_cents', 'dunning_level'];
const caseKeys = ['company_id', 'external_id', 'environment', 'source', 'state', 'amount_cents', 'collected_amount_cents', 'close_reason'];
const carriesInvoice = (data: Data): boolean => typeof data.amount_due_cents === 'number' && typeof data.status === 'string';
const carriesCase = (data: Data): boolean => typeof data.debt_collection_case_id === 'string' && typeof data.state === 'string';

/** "Invoice then: open, €80.00 due" / "Case then: reviewing, €80.00 claimed, €0.00 collected", or ''. */
export function stateAfterEvent(data: Data, currency: string): string {
  if (carriesInvoice(data)) return `Invoice then: ${word(String(data.status))}, ${money(num(data.amount_due_cents) ?? 0, currency)} due`;
  if (carriesCase(data)) {
    const closed = str(data.close_reason) ? ` (${word(str(data.close_reason))})` : '';
    return `Case then: ${word(String(data.state))}${closed}, ${money(num(data.amount_cents) ?? 0, currency)} claimed, ${money(num(data.collected_amount_cents) ?? 0, currency)} collected`;
  }
  return '';
}

/** The event's data in words: its sentence (if its type has one) and then the rest, never raw keys. */
export function eventDetails(type: string, data: Data, currency: string): string {
  const s = sentence(type, data, currency);
  const rest = pairsText(data, currency, [...(s?.used ?? []), ...(carriesInvoice(data) ? invoiceKeys : []), ...(carriesCase(data) ? caseKeys : [])]);
  return [s?.text, rest].filter(Boolean).join('. ');
}
