import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

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
  close(): Promise<void>;
}

/**
 * A local server that speaks the part of Twilio's REST API we use (`POST
 * /2010-04-01/Accounts/{sid}/Messages.json`, form-encoded, basic auth) and records every request,
 * so the real twilio SDK can be tested end to end.
 */
export async function startTwilioApi(): Promise<TwilioApi> {
  const requests: TwilioApiRequest[] = [];
  const accepted: TwilioApi['accepted'] = [];
  const refusals = new Map<string, { refusal: TwilioRefusal; times: number }>();

  const server = createServer((req, res) => {
    void readForm(req).then((form) => {
      const [username = '', password = ''] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':');
      const request: TwilioApiRequest = { method: req.method ?? '', path: req.url ?? '', username, password, form };
      requests.push(request);
      const match = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]+)\/Messages\.json$/.exec(request.path);
      res.setHeader('content-type', 'application/json');
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
      const sid = `SM${randomBytes(16).toString('hex')}`;
      accepted.push({ ...request, sid });
      const now = new Date().toUTCString();
      res.statusCode = 201;
      res.end(
        JSON.stringify({
          sid,
          account_sid: match[1],
          to: form.To,
          from: form.From ?? null,
          messaging_service_sid: form.MessagingServiceSid ?? null,
          body: form.Body,
          status: 'queued',
          num_segments: '1',
          direction: 'outbound-api',
          api_version: '2010-04-01',
          price: null,
          error_code: null,
          error_message: null,
          date_created: now,
          date_updated: now,
          date_sent: null,
          uri: `/2010-04-01/Accounts/${match[1]}/Messages/${sid}.json`,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    accepted,
    refuse(to, refusal, times = 1) {
      refusals.set(to, { refusal, times });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return Object.fromEntries(new URLSearchParams(body));
}
