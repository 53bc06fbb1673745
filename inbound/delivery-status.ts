import type { ParsedMail } from 'mailparser';

/** What a delivery status notification says about the message it returns. */
export interface DeliveryStatus {
  /** The address that failed (Final-Recipient), when the notification names it. */
  recipient: string | null;
  /** The enhanced status code (RFC 3463), e.g. `5.1.1`; null when a non-standard bounce gives none. */
  status: string | null;
  /** The receiving server's words (Diagnostic-Code, or the bounce's line with the code). */
  diagnostic: string | null;
  /** A permanent failure (5.x.x): the address does not take mail. */
  hard: boolean;
}

/**
 * The delivery status a mail reports, or null when it is not a bounce (a reply). Two forms:
 * - RFC 3464: `multipart/report; report-type=delivery-status`, whose `message/delivery-status`
 *   part has per-recipient fields (Action, Status, Final-Recipient, Diagnostic-Code);
 * - the common non-standard bounce: from the mailer daemon (or with the null sender), with a
 *   subject such as "Mail delivery failed" or "Undelivered Mail Returned to Sender", and a status
 *   code (`5.1.1`) or SMTP reply code (`550`) in its text.
 */
export function deliveryStatusOf(mail: ParsedMail, raw: Buffer, nullSender: boolean): DeliveryStatus | null {
  const type = mail.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  if (type?.value?.toLowerCase() === 'multipart/report' && type.params?.['report-type']?.toLowerCase() === 'delivery-status') {
    const report = deliveryStatusPart(raw, type.params.boundary);
    if (report) return fromReport(report);
  }
  const from = mail.from?.value[0]?.address ?? '';
  const daemon = nullSender || /^(mailer-daemon|postmaster)@/i.test(from);
  const subject = mail.subject ?? '';
  if (!daemon || !/deliver(y|ed|able)?\b.*(fail|status|notification)|undeliver|returned mail|failure notice|could not be delivered/i.test(subject)) return null;
  return fromText(mail.text ?? '');
}

/** The body of the `message/delivery-status` part of a multipart/report, from the raw message. */
function deliveryStatusPart(raw: Buffer, boundary: string | undefined): string | null {
  if (!boundary) return null;
  const parts = raw.toString('utf8').split(`--${boundary}`);
  for (const part of parts) {
    const split = /\r?\n\r?\n/.exec(part);
    if (!split) continue;
    const headers = part.slice(0, split.index);
    if (/^content-type:\s*message\/(global-)?delivery-status/im.test(headers)) return part.slice(split.index + split[0].length);
  }
  return null;
}

/** RFC 3464 fields: a per-message block, then one block per recipient; the first failed or delayed recipient counts. */
function fromReport(report: string): DeliveryStatus | null {
  const blocks = report
    .replace(/\r\n/g, '\n')
    .replace(/\n[ \t]+/g, ' ') // unfold continuation lines
    .split(/\n\s*\n/)
    .map(fieldsOf)
    .filter((f) => f.size > 0);
  const recipients = blocks.filter((f) => f.has('action') || f.has('final-recipient'));
  const chosen = recipients.find((f) => /^(failed|delayed)$/i.test(f.get('action') ?? '')) ?? recipients[0];
  if (!chosen) return null;
  const action = (chosen.get('action') ?? '').toLowerCase();
  // Delivered, relayed or expanded: not a failure, nothing to record.
  if (action && action !== 'failed' && action !== 'delayed') return null;
  const status = /\d\.\d{1,3}\.\d{1,3}/.exec(chosen.get('status') ?? '')?.[0] ?? null;
  const recipient = typeLess(chosen.get('final-recipient') ?? chosen.get('original-recipient'));
  const diagnostic = typeLess(chosen.get('diagnostic-code'));
  return { recipient: recipient?.toLowerCase() ?? null, status, diagnostic: clip(diagnostic), hard: action === 'failed' ? !status || status.startsWith('5') : false };
}

function fieldsOf(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of block.split('\n')) {
    const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line.trim());
    if (m) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
  }
  return fields;
}

/** `rfc822; jane@example.com` → `jane@example.com`; `smtp; 550 …` → `550 …`. */
function typeLess(value: string | undefined): string | null {
  if (!value) return null;
  const semicolon = value.indexOf(';');
  return (semicolon >= 0 ? value.slice(semicolon + 1) : value).trim() || null;
}

function fromText(text: string): DeliveryStatus {
  const lines = text.split(/\r?\n/);
  const enhanced = lines.find((l) => /\b[45]\.\d{1,3}\.\d{1,3}\b/.test(l));
  const reply = lines.find((l) => /\b[45]\d\d\b/.test(l) && /\b(5[0-5]\d|4[2-5]\d)\b/.test(l));
  const status = enhanced ? /\b([45]\.\d{1,3}\.\d{1,3})\b/.exec(enhanced)![1]! : reply ? `${/\b([45])\d\d\b/.exec(reply)![1]}.0.0` : null;
  // A bounce that names no code at all: recorded, but not taken as proof the address is dead.
  return { recipient: null, status, diagnostic: clip((enhanced ?? reply)?.trim() ?? null), hard: status?.startsWith('5') ?? false };
}

function clip(text: string | null): string | null {
  return text === null ? null : text.slice(0, 500);
}
