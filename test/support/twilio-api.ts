import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, randomBytes } from 'node:crypto';

export interface TwilioApiRequest {
  method: string;
  path: string;
  /** Basic auth as sent: the account SID and auth token. */
  username: string;
  password: string;
  /** The form fields, e.g. `To`, `From` or `MessagingServiceSid`, `Body`, `StatusCallback`. */
  form: Record<string, string>;
}

export interface TwilioRefusal {
  status: number;
  code: number;
  message: string;
}

export interface TwilioApi {
  /** Give this to the SDK as its base URL (`TWILIO_API_BASE_URL`). */
  url: string;
  requests: TwilioApiRequest[];
  /** Every request answered 201 so far, with the SID it was given. */
  accepted: Array<TwilioApiRequest & { sid: string }>;
  /** Answers the next `times` sends to `to` with this error (Twilio's error body) instead of 201. */
  refuse(to: string, refusal: TwilioRefusal, times?: number): void;
  /** Sets a message's status as its log shows it (e.g. `delivered`, as after a delivery report). */
  setStatus(sid: string, status: string): void;
  close(): Promise<void>;
}

export interface TwilioApiOptions {
  /**
   * Runs when a send arrives, before it is answered: `accept` (the default) takes it into the log
   * and answers 201; `hold` takes it into the log and never answers (the sender dies waiting);
   * `drop` neither takes it nor answers (it never went out).
   */
  onCreate?: (form: Record<string, string>) => 'accept' | 'hold' | 'drop' | Promise<'accept' | 'hold' | 'drop'>;
}

/** Twilio's JSON for a message (snake_case, RFC 2822 dates). */
type TwilioMessage = Record<string, string | null> & { sid: string; to: string; body: string; status: string; date_sent: string };

/**
 * A local server that speaks the part of Twilio's REST API we use and records every request, so the
 * real twilio SDK can be tested end to end: `POST /2010-04-01/Accounts/{sid}/Messages.json` (send;
 * form-encoded, basic auth) and `GET` of the same path (the message log, newest first, filtered by
 * `To` and `DateSent>`/`DateSent<`, paged with `PageSize` and `Page` and answered with
 * `next_page_uri` as Twilio's list JSON is).
 */
export async function startTwilioApi(options: TwilioApiOptions = {}): Promise<TwilioApi> {
  const requests: TwilioApiRequest[] = [];
  const accepted: TwilioApi['accepted'] = [];
  const log: TwilioMessage[] = [];
  const refusals = new Map<string, { refusal: TwilioRefusal; times: number }>();
  const held = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    void readForm(req).then(async (form) => {
      const [username = '', password = ''] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':');
      const url = new URL(req.url ?? '/', 'http://twilio.local');
      const request: TwilioApiRequest = { method: req.method ?? '', path: req.url ?? '', username, password, form };
      requests.push(request);
      const match = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]+)\/Messages\.json$/.exec(url.pathname);
      res.setHeader('content-type', 'application/json');
      if (match && req.method === 'GET') {
        res.statusCode = 200;
        res.end(JSON.stringify(listPage(match[1]!, url)));
        return;
      }
      if (req.method !== 'POST' || !match) {
        res.statusCode = 404;
        res.end(JSON.stringify({ code: 20404, message: 'The requested resource was not found', status: 404 }));
        return;
      }
      const refusal = refusals.get(form.To ?? '');
      if (refusal && refusal.times > 0) {
        refusal.times -= 1;
        res.statusCode = refusal.refusal.status;
        res.end(JSON.stringify({ ...refusal.refusal, more_info: `https://www.twilio.com/docs/errors/${refusal.refusal.code}` }));
        return;
      }
      const decision = (await options.onCreate?.(form)) ?? 'accept';
      if (decision === 'drop') {
        held.add(res);
        return;
      }
      const sid = `SM${randomBytes(16).toString('hex')}`;
      accepted.push({ ...request, sid });
      const now = new Date().toUTCString();
      const message: TwilioMessage = {
        sid,
        account_sid: match[1]!,
        to: form.To ?? '',
        from: form.From ?? null,
        messaging_service_sid: form.MessagingServiceSid ?? null,
        body: form.Body ?? '',
        status: 'queued',
        num_segments: '1',
        direction: 'outbound-api',
        api_version: '2010-04-01',
        price: null,
        error_code: null,
        error_message: null,
        date_created: now,
        date_updated: now,
        // Sent at once here; at Twilio a message has a send date once it left the queue.
        date_sent: now,
        uri: `/2010-04-01/Accounts/${match[1]}/Messages/${sid}.json`,
      };
      log.push(message);
      if (decision === 'hold') {
        held.add(res);
        return;
      }
      res.statusCode = 201;
      res.end(JSON.stringify(message));
    });
  });

  function listPage(accountSid: string, url: URL) {
    const q = url.searchParams;
    const to = q.get('To');
    const after = q.get('DateSent>');
    const before = q.get('DateSent<');
    const pageSize = Math.min(Number(q.get('PageSize') ?? 50) || 50, 1000);
    const pageNo = Number(q.get('Page') ?? 0) || 0;
    // Twilio compares send dates at second precision, inclusive.
    const second = (d: string) => Math.floor(new Date(d).getTime() / 1000);
    const matching = log
      .filter((m) => (!to || m.to === to) && (!after || second(m.date_sent) >= second(after)) && (!before || second(m.date_sent) <= second(before)))
      .reverse();
    const base = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
    const pageUri = (n: number) => {
      const p = new URLSearchParams(q);
      p.set('PageSize', String(pageSize));
      p.set('Page', String(n));
      return `${base}?${p.toString()}`;
    };
    const start = pageNo * pageSize;
    const messages = matching.slice(start, start + pageSize);
    return {
      messages,
      page: pageNo,
      page_size: pageSize,
      start,
      end: start + Math.max(messages.length - 1, 0),
      uri: pageUri(pageNo),
      first_page_uri: pageUri(0),
      previous_page_uri: pageNo > 0 ? pageUri(pageNo - 1) : null,
      next_page_uri: start + pageSize < matching.length ? pageUri(pageNo + 1) : null,
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    accepted,
    refuse(to, refusal, times = 1) {
      refusals.set(to, { refusal, times });
    },
    setStatus(sid, status) {
      const m = log.find((x) => x.sid === sid);
      if (m) m.status = status;
    },
    close: () =>
      new Promise((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return Object.fromEntries(new URLSearchParams(body));
}

/** Twilio's `X-Twilio-Signature` of a webhook: HMAC-SHA1 of the URL and the sorted form fields, keyed by the auth token. */
export function twilioWebhookSignature(authToken: string, url: string, params: Record<string, string>): string {
  const payload = Object.keys(params)
    .sort()
    .reduce((acc, name) => acc + name + params[name], url);
  return createHmac('sha1', authToken).update(Buffer.from(payload, 'utf-8')).digest('base64');
}

/** A debtor's SMS as Twilio posts it to Recoup's inbound webhook, signed; answers the HTTP status. */
export async function postInboundSms(
  baseUrl: string,
  account: { accountSid: string; authToken: string },
  sms: { from: string; to: string; body: string; sid: string },
): Promise<number> {
  const params = { AccountSid: account.accountSid, ApiVersion: '2010-04-01', Body: sms.body, From: sms.from, To: sms.to, MessageSid: sms.sid, SmsSid: sms.sid, SmsStatus: 'received', NumMedia: '0' };
  const url = `${baseUrl}/webhooks/twilio/inbound`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioWebhookSignature(account.authToken, url, params) },
    body: new URLSearchParams(params).toString(),
  });
  return res.status;
}
