import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local server answering like Stripe's API for Checkout Sessions: it records every request. */
export interface StripeApi {
  url: string;
  requests: Array<{ method: string; path: string; headers: IncomingHttpHeaders; body: string }>;
  /** Sessions created, by id, as Stripe would keep them (form fields as sent). */
  sessions: Map<string, { id: string; form: URLSearchParams }>;
  /** What `GET /v1/checkout/sessions?payment_intent=` answers. */
  sessionsByPaymentIntent: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startStripeApi(options: { secretKeyPrefix?: string } = {}): Promise<StripeApi> {
  const requests: StripeApi['requests'] = [];
  const sessions: StripeApi['sessions'] = new Map();
  const sessionsByPaymentIntent: StripeApi['sessionsByPaymentIntent'] = new Map();
  const keyPrefix = options.secretKeyPrefix ?? 'Bearer sk_test_51';
  let n = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const answer = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${++n}` });
        res.end(JSON.stringify(json));
      };
      if (!req.headers.authorization?.startsWith(keyPrefix)) {
        return answer(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
      }
      const url = new URL(req.url ?? '/', 'http://stripe.test');
      if (req.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
        const form = new URLSearchParams(body);
        const currency = form.get('line_items[0][price_data][currency]') ?? '';
        if (!['eur', 'usd', 'gbp'].includes(currency)) return answer(400, { error: { type: 'invalid_request_error', message: `Invalid currency: ${currency}`, param: 'line_items[0][price_data][currency]' } });
        const id = `cs_test_${String(++n).padStart(6, '0')}`;
        sessions.set(id, { id, form });
        return answer(200, {
          id,
          object: 'checkout.session',
          mode: 'payment',
          url: `https://checkout.stripe.test/c/pay/${id}`,
          amount_total: Number(form.get('line_items[0][price_data][unit_amount]')),
          currency,
          payment_status: 'unpaid',
          payment_intent: null,
          client_reference_id: form.get('client_reference_id'),
          metadata: { invoice_id: form.get('metadata[invoice_id]') },
        });
      }
      if (req.method === 'GET' && url.pathname === '/v1/checkout/sessions') {
        const session = sessionsByPaymentIntent.get(url.searchParams.get('payment_intent') ?? '');
        return answer(200, { object: 'list', url: '/v1/checkout/sessions', has_more: false, data: session ? [session] : [] });
      }
      answer(404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${url.pathname})` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    sessions,
    sessionsByPaymentIntent,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
