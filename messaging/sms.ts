import twilio from 'twilio';
import type { Logger } from 'pino';

export interface OutgoingSms {
  to: string;
  body: string;
  statusCallback?: string;
}

export interface SmsSender {
  readonly transport: 'twilio' | 'dev-outbox';
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

/** Twilio when credentials are set; otherwise the dev outbox, which keeps each SMS and logs that it did (never the body, which holds the portal link). */
export function createSmsSender(options: TwilioOptions & { logger: Logger }): SmsSender {
  const { accountSid, authToken, from, messagingServiceSid } = options;
  if (!accountSid || !authToken || !isTwilioConfigured(options)) {
    return {
      transport: 'dev-outbox',
      async send(sms) {
        options.logger.info({ to: sms.to }, 'dev outbox: SMS kept, not sent (read it at /console/outbox)');
        return { providerMessageId: null };
      },
    };
  }
  const client = twilio(accountSid, authToken);
  if (options.apiBaseUrl) client.api.baseUrl = options.apiBaseUrl.replace(/\/$/, '');
  return {
    transport: 'twilio',
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
