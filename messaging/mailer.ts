import nodemailer from 'nodemailer';
import type { Logger } from 'pino';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  /** None for a text-only message (an email resent from a row without HTML). */
  html?: string;
  /** Stable per (invoice, step, channel), so a receiving server can spot a duplicate too. */
  messageId: string;
  headers?: Record<string, string>;
  /** The debtor's portal link in this message, for the dev outbox's terminal block only (never a header). */
  portalUrl?: string;
}

/**
 * The Message-ID of the email sent under a send key (invoice, purpose, channel): the same for every
 * attempt, so a copy sent again after an interrupted attempt is one a mailbox recognises and drops.
 */
export function messageIdForSendKey(sendKey: string): string {
  return `<${sendKey.replace(/[^A-Za-z0-9_-]/g, '.')}@recoup>`;
}

export interface Mailer {
  /** `dev-outbox` keeps messages in the database only (no SMTP server configured). */
  readonly transport: 'smtp' | 'dev-outbox';
  send(mail: OutgoingEmail): Promise<{ providerMessageId: string | null }>;
  close(): void;
}

/**
 * SMTP when a URL is given; otherwise the dev outbox: the message stays in the `messages` table
 * (the console's Outbox page shows it) and the log says so, without the body, whose portal link
 * is the debtor's access. `showPortalLinks` (a developer's terminal only: bootstrap/logger.ts
 * `devOutboxShowsPortalLinks`) adds the link, so the portal can be opened from the log.
 */
export function createMailer(options: { smtpUrl?: string; from: string; logger: Logger; showPortalLinks?: boolean }): Mailer {
  if (!options.smtpUrl) {
    return {
      transport: 'dev-outbox',
      async send(mail) {
        const link = options.showPortalLinks && mail.portalUrl ? { portal_link: mail.portalUrl } : {};
        // The reply address, so a developer can answer it through the inbound SMTP server `npm start` runs.
        const replyTo = mail.headers?.['Reply-To'] ? { reply_to: mail.headers['Reply-To'] } : {};
        options.logger.info({ dev_outbox: 'email', to: mail.to, subject: mail.subject, message_id: mail.messageId, ...replyTo, ...link }, 'dev outbox: email kept, not sent (read it at /console/outbox)');
        return { providerMessageId: null };
      },
      close() {},
    };
  }
  const transporter = nodemailer.createTransport(options.smtpUrl);
  return {
    transport: 'smtp',
    async send(mail) {
      // The envelope sender (Return-Path) is the message's signed reply address too: a bounce is
      // sent there, so it reaches the inbound SMTP server naming the message that bounced.
      const replyTo = mail.headers?.['Reply-To'];
      const info = await transporter.sendMail({
        from: options.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        headers: mail.headers,
        ...(replyTo ? { envelope: { from: replyTo, to: mail.to } } : {}),
      });
      return { providerMessageId: info.messageId ?? mail.messageId };
    },
    close: () => transporter.close(),
  };
}
