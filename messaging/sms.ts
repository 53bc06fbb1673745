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
  /**
   * Looks in the provider's message log for an SMS we sent to `to` with exactly this body since
   * `sentAfter`: how an attempt resuming an interrupted send learns whether it went out. Null when
   * it is not there (the dev outbox keeps no log to ask).
   */
  findSent(query: SentSmsQuery): Promise<SentSms | null>;
}

export interface SentSmsQuery {
  to: string;
  body: string;
  sentAfter: Date;
}

export interface SentSms {
  providerMessageId: string;
  /** The provider's status, e.g. `queued`, `sent`, `delivered`, `undelivered`, `failed`. */
  status: string;
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

/** Twilio's final statuses of an SMS, as delivery outcomes; `queued`, `sending`, `sent` and the like are not final. */
export const twilioOutcomes: Record<string, 'delivered' | 'failed'> = { delivered: 'delivered', failed: 'failed', undelivered: 'failed' };

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
        async findSent() {
          return null;
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
      async findSent() {
        return null;
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
    async findSent(query) {
      // Twilio filters by recipient and send time; the body (with its one-off portal link) tells our
      // message from any other to the same number in that window.
      const candidates = await client.messages.list({ to: query.to, dateSentAfter: query.sentAfter, limit: 200 });
      const ours = candidates.find((m) => m.body === query.body && m.direction.startsWith('outbound'));
      return ours ? { providerMessageId: ours.sid, status: ours.status } : null;
    },
  };
}
