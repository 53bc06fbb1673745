import twilio from 'twilio';
import type { Logger } from 'pino';
import { normalizePhoneNumber } from '../domain/phone';

export interface OutgoingSms {
  to: string;
  body: string;
  statusCallback?: string;
  /** The debtor's portal link in this SMS, for the dev outbox's terminal block only. */
  portalUrl?: string;
}

export interface SmsSender {
  /** `not-configured`: production without Twilio; nothing is sent, SMS steps are skipped with that reason. */
  readonly transport: 'twilio' | 'dev-outbox' | 'not-configured';
  /** The number or messaging service SID the SMS go from (null for the dev outbox): a reply comes back to it. */
  readonly sender: string | null;
  send(sms: OutgoingSms): Promise<{ providerMessageId: string | null }>;
}

export interface TwilioOptions {
  accountSid?: string;
  authToken?: string;
  from?: string;
  messagingServiceSid?: string;
  /** A Twilio-compatible API base URL (tests, gateways). */
  apiBaseUrl?: string;
}

/** Where Twilio posts delivery reports and the debtor's replies (below PUBLIC_BASE_URL). */
export const twilioWebhookPaths = { status: '/webhooks/twilio/status', inbound: '/webhooks/twilio/inbound' } as const;

/** Credentials and a sender (number or messaging service): SMS go through Twilio and its webhooks are served. */
export function isTwilioConfigured(options: TwilioOptions): boolean {
  return Boolean(options.accountSid && options.authToken && (options.from || options.messagingServiceSid));
}

/**
 * Twilio when credentials are set; otherwise the dev outbox, which keeps each SMS and logs that it did (never the body,
 * which holds the portal link; the link itself only with `showPortalLinks`, a developer's terminal) — except with
 * `devOutbox: false` (production), where an unconfigured SMS channel sends nothing at all.
 */
export function createSmsSender(options: TwilioOptions & { logger: Logger; devOutbox?: boolean; showPortalLinks?: boolean }): SmsSender {
  const { accountSid, authToken, from, messagingServiceSid } = options;
  if (!accountSid || !authToken || !isTwilioConfigured(options)) {
    if (options.devOutbox === false) {
      return {
        transport: 'not-configured',
        sender: null,
        async send() {
          throw new Error('SMS is not configured (no Twilio settings); the SMS step should have been skipped');
        },
      };
    }
    return {
      transport: 'dev-outbox',
      sender: null,
      async send(sms) {
        const link = options.showPortalLinks && sms.portalUrl ? { portal_link: sms.portalUrl } : {};
        options.logger.info({ dev_outbox: 'SMS', to: sms.to, ...link }, 'dev outbox: SMS kept, not sent (read it at /console/outbox)');
        return { providerMessageId: null };
      },
    };
  }
  const client = twilio(accountSid, authToken);
  if (options.apiBaseUrl) client.api.baseUrl = options.apiBaseUrl.replace(/\/$/, '');
  return {
    transport: 'twilio',
    // E.164, as Twilio writes the `To` of a reply to it.
    sender: messagingServiceSid ?? normalizePhoneNumber(from!) ?? from!,
    async send(sms) {
      const message = await client.messages.create({
        to: sms.to,
        body: sms.body,
        ...(messagingServiceSid ? { messagingServiceSid } : { from: from! }),
        ...(sms.statusCallback ? { statusCallback: sms.statusCallback } : {}),
      });
      return { providerMessageId: message.sid };
    },
  };
}
