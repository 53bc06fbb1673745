import { Router, type Request } from 'express';
import twilio from 'twilio';
import { z } from 'zod';
import type { Config } from '../../config/config';
import type { Db } from '../../db/client';
import { normalizePhoneNumber } from '../../domain/phone';
import { isTwilioConfigured, twilioOutcomes } from '../../messaging/sms';
import { recordSmsReply } from '../../services/debtor-replies';
import { recordDeliveryReport, type DeliveryOutcome } from '../../services/message-delivery';
import { AppError, parse } from '../errors';

/** All optional: an app built without them (a test, a tool) simply has no Twilio webhooks. */
export type TwilioWebhookConfig = Partial<Pick<Config, 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN' | 'TWILIO_FROM' | 'TWILIO_MESSAGING_SERVICE_SID' | 'publicBaseUrl'>>;

// Twilio posts more fields than these (AccountSid, SmsStatus, NumMedia, …); they are signed but not needed.
const statusCallbackSchema = z.object({
  MessageSid: z.string().min(1).max(64),
  MessageStatus: z.string().min(1).max(32),
  ErrorCode: z.string().max(16).optional(),
});

const inboundMessageSchema = z.object({
  MessageSid: z.string().min(1).max(64),
  From: z.string().min(1).max(64),
  To: z.string().max(64).default(''),
  // Present when the number written to belongs to a messaging service.
  MessagingServiceSid: z.string().max(64).optional(),
  Body: z.string().max(2_000).default(''),
});

/** Twilio's final statuses we record; `queued`, `sending`, `sent` and the like change nothing. */
const outcomes: Record<string, DeliveryOutcome> = twilioOutcomes;

/**
 * Twilio's webhooks: delivery reports (the `StatusCallback` of every SMS) and the debtor's
 * replies. Mounted under `/webhooks/twilio` with a form parser; every request must carry a valid
 * `X-Twilio-Signature` for `PUBLIC_BASE_URL` + its path. Without Twilio configured they do not
 * exist (404).
 */
export function twilioWebhookRoutes({ db, config }: { db: Db; config: TwilioWebhookConfig }): Router {
  const r = Router();

  // Read at request time: the entry point (and the tests) may settle PUBLIC_BASE_URL after the app is built.
  r.use((req, _res, next) => {
    const { TWILIO_AUTH_TOKEN: authToken, publicBaseUrl } = config;
    const configured = isTwilioConfigured({
      accountSid: config.TWILIO_ACCOUNT_SID,
      authToken,
      from: config.TWILIO_FROM,
      messagingServiceSid: config.TWILIO_MESSAGING_SERVICE_SID,
    });
    if (!configured || !authToken || !publicBaseUrl) {
      next('router');
      return;
    }
    verifySignature(req, authToken, publicBaseUrl);
    next();
  });

  r.post('/status', async (req, res) => {
    const report = parse(statusCallbackSchema, req.body);
    const outcome = outcomes[report.MessageStatus];
    if (outcome) {
      const result = await recordDeliveryReport(db, {
        providerMessageId: report.MessageSid,
        transport: 'twilio',
        outcome,
        reason: outcome === 'failed' ? `twilio ${report.MessageStatus}${report.ErrorCode ? ` (error ${report.ErrorCode})` : ''}` : undefined,
      });
      if (result === 'unknown_message') req.log.warn({ sid: report.MessageSid, status: report.MessageStatus }, 'twilio status for an unknown message');
    }
    res.status(204).end();
  });

  r.post('/inbound', async (req, res) => {
    const message = parse(inboundMessageSchema, req.body);
    const outcome = await recordSmsReply(
      db,
      {
        from: normalizePhoneNumber(message.From) ?? message.From,
        to: normalizePhoneNumber(message.To) ?? message.To,
        ...(message.MessagingServiceSid ? { messagingServiceSid: message.MessagingServiceSid } : {}),
        text: message.Body,
        providerMessageId: message.MessageSid,
      },
      { currentSenders: [config.TWILIO_FROM && (normalizePhoneNumber(config.TWILIO_FROM) ?? config.TWILIO_FROM), config.TWILIO_MESSAGING_SERVICE_SID].filter((s): s is string => Boolean(s)) },
    );
    if (outcome.queuedAs) req.log.info({ sid: message.MessageSid, sms_reply_id: outcome.queuedAs }, 'SMS reply waits for ops: no single creditor matches');
    else if (outcome.invoiceIds.length === 0) req.log.info({ sid: message.MessageSid, intent: outcome.intent }, 'SMS reply from a number with no open invoice');
    // An empty TwiML answer: no automatic reply (Twilio's own opt-out handling confirms STOP).
    res.type('text/xml').send('<Response/>');
  });

  return r;
}

function verifySignature(req: Request, authToken: string, publicBaseUrl: string): void {
  const signature = req.get('x-twilio-signature');
  const url = `${publicBaseUrl}${req.originalUrl}`;
  const params = (req.body ?? {}) as Record<string, unknown>;
  if (!signature || !twilio.validateRequest(authToken, signature, url, params)) {
    throw new AppError(403, 'invalid_signature', 'The X-Twilio-Signature header is missing or does not match this request');
  }
}
