import { createHmac } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { createStripePaymentProvider } from '../../payments/stripe';
import { PaymentProviderError, WebhookVerificationError, type PaymentProvider } from '../../payments/payment-provider';
import { startStripeApi, type StripeApi } from './stripe-api';

/** The Stripe Checkout adapter against a local server that answers like Stripe's API. */
const SECRET_KEY = 'sk_test_51Recoup0123456789';
const WEBHOOK_SECRET = 'whsec_dGVzdC1lbmRwb2ludC1zZWNyZXQ';
let api: StripeApi;
let stripe: PaymentProvider;

beforeAll(async () => {
  api = await startStripeApi();
  stripe = createStripePaymentProvider({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, apiBaseUrl: api.url });
});

afterAll(async () => {
  await api.close();
});

/** Stripe's scheme, computed here from its documentation, not with the adapter's code. */
function stripeSignature(body: string, t = Math.floor(Date.now() / 1000), secret = WEBHOOK_SECRET): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex')}`;
}

const delivery = (body: string, signature: string | undefined) => ({ rawBody: Buffer.from(body), header: (name: string) => (name.toLowerCase() === 'stripe-signature' ? signature : undefined) });

test('a checkout creates a Checkout Session: form-encoded POST /v1/checkout/sessions with the bearer key, mode=payment, one line, the invoice in metadata and both return URLs', async () => {
  const checkout = await stripe.createCheckout({ invoiceId: 'inv_123', amountCents: 5_025, currency: 'EUR', returnUrl: 'https://recoup.example/pay/tok.en.sig', description: 'Factuur 2027-001 · HC Groen-Wit' });
  expect(checkout).toEqual({ checkoutUrl: expect.stringMatching(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_/), providerPaymentId: expect.stringMatching(/^cs_test_/) });
  const [request] = api.requests.filter((r) => r.method === 'POST');
  expect(request!.path).toBe('/v1/checkout/sessions');
  expect(request!.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
  expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  expect(Object.fromEntries(new URLSearchParams(request!.body))).toEqual({
    mode: 'payment',
    'line_items[0][quantity]': '1',
    'line_items[0][price_data][currency]': 'eur',
    'line_items[0][price_data][unit_amount]': '5025',
    'line_items[0][price_data][product_data][name]': 'Factuur 2027-001 · HC Groen-Wit',
    client_reference_id: 'inv_123',
    'metadata[invoice_id]': 'inv_123',
    'payment_intent_data[metadata][invoice_id]': 'inv_123',
    success_url: 'https://recoup.example/pay/tok.en.sig?payment=success',
    cancel_url: 'https://recoup.example/pay/tok.en.sig?payment=cancelled',
  });
});

test('a refusal by Stripe, or no Stripe at all, is a PaymentProviderError', async () => {
  await expect(stripe.createCheckout({ invoiceId: 'inv_1', amountCents: 1, currency: 'XXX', returnUrl: 'https://r.example/pay/t', description: 'x' })).rejects.toThrow(
    new PaymentProviderError('Stripe POST /v1/checkout/sessions answered 400: Invalid currency: xxx'),
  );
  const wrongKey = createStripePaymentProvider({ secretKey: 'sk_test_wrong', webhookSecret: WEBHOOK_SECRET, apiBaseUrl: api.url });
  await expect(wrongKey.createCheckout({ invoiceId: 'inv_1', amountCents: 100, currency: 'EUR', returnUrl: 'https://r.example/pay/t', description: 'x' })).rejects.toBeInstanceOf(PaymentProviderError);
  const closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
  const unreachable = createStripePaymentProvider({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, apiBaseUrl: `http://127.0.0.1:${closedPort}` });
  await expect(unreachable.createCheckout({ invoiceId: 'inv_1', amountCents: 100, currency: 'EUR', returnUrl: 'https://r.example/pay/t', description: 'x' })).rejects.toBeInstanceOf(PaymentProviderError);
});

const completed = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: 'evt_1',
    object: 'event',
    type: 'checkout.session.completed',
    created: 1_790_000_000,
    data: { object: { id: 'cs_test_a1', object: 'checkout.session', amount_total: 5_025, currency: 'eur', payment_status: 'paid', payment_intent: 'pi_1', client_reference_id: 'inv_123', metadata: { invoice_id: 'inv_123' }, ...overrides } },
  });

describe('webhook signatures (Stripe-Signature: t=…,v1=…, HMAC-SHA256 of "t.body", 5 minutes tolerance)', () => {
  const now = Math.floor(Date.now() / 1000);
  const body = completed();
  test.each([
    { what: 'signed now', signature: stripeSignature(body, now), verdict: 'accepted' },
    { what: 'signed 4 minutes ago', signature: stripeSignature(body, now - 240), verdict: 'accepted' },
    { what: 'with a second v1 of a rolled secret', signature: `${stripeSignature(body, now)},v1=${'0'.repeat(64)}`, verdict: 'accepted' },
    { what: 'with the old secret’s v1 first', signature: `t=${now},v1=${'a'.repeat(64)},${stripeSignature(body, now).split(',')[1]}`, verdict: 'accepted' },
    { what: 'forged with another secret', signature: stripeSignature(body, now, 'whsec_someone_else'), verdict: 'refused' },
    { what: 'stale: signed 6 minutes ago', signature: stripeSignature(body, now - 360), verdict: 'refused' },
    { what: 'from the future: 6 minutes ahead', signature: stripeSignature(body, now + 360), verdict: 'refused' },
    { what: 'for another body', signature: stripeSignature(body.replace('5025', '9999'), now), verdict: 'refused' },
    { what: 'with the timestamp changed', signature: stripeSignature(body, now).replace(`t=${now}`, `t=${now - 1}`), verdict: 'refused' },
    { what: 'without v1 (only v0)', signature: `t=${now},v0=${'0'.repeat(64)}`, verdict: 'refused' },
    { what: 'empty', signature: '', verdict: 'refused' },
    { what: 'missing', signature: undefined, verdict: 'refused' },
  ])('a delivery $what is $verdict', async ({ signature, verdict }) => {
    const parsed = stripe.parseWebhook(delivery(body, signature), new Date(now * 1000));
    if (verdict === 'accepted') await expect(parsed).resolves.toMatchObject({ kind: 'payment_succeeded' });
    else await expect(parsed).rejects.toBeInstanceOf(WebhookVerificationError);
  });

  test('an authentic body that is not an event is refused as well', async () => {
    await expect(stripe.parseWebhook(delivery('{"nope":true}', stripeSignature('{"nope":true}')), new Date())).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(stripe.parseWebhook(delivery('not json', stripeSignature('not json')), new Date())).rejects.toBeInstanceOf(WebhookVerificationError);
  });
});

describe('webhook events', () => {
  const parse = (body: string) => stripe.parseWebhook(delivery(body, stripeSignature(body)), new Date());

  test('checkout.session.completed and paid is the payment, with the session as its id', async () => {
    await expect(parse(completed())).resolves.toEqual({
      kind: 'payment_succeeded',
      eventId: 'evt_1',
      invoiceId: 'inv_123',
      providerPaymentId: 'cs_test_a1',
      amountCents: 5_025,
      currency: 'EUR',
      paidAt: new Date(1_790_000_000_000).toISOString(),
    });
  });

  test('a checkout over several invoices carries them in the session’s metadata, and its completion hands them back for the allocation', async () => {
    await stripe.createCheckout({ invoiceId: 'inv_a', invoiceIds: ['inv_a', 'inv_b'], amountCents: 9_000, currency: 'EUR', returnUrl: 'https://recoup.example/pay/t', description: 'x' });
    const request = api.requests.filter((r) => r.method === 'POST').pop()!;
    expect(new URLSearchParams(request.body).get('metadata[invoice_ids]')).toBe('inv_a inv_b');
    await expect(parse(completed({ client_reference_id: 'inv_a', metadata: { invoice_id: 'inv_a', invoice_ids: 'inv_a inv_b' } }))).resolves.toMatchObject({
      kind: 'payment_succeeded',
      invoiceId: 'inv_a',
      invoiceIds: ['inv_a', 'inv_b'],
    });
  });

  test.each([
    ['a delayed payment not yet paid', { payment_status: 'unpaid' }, 'payment_status unpaid'],
    ['a session not made by the portal', { metadata: {}, client_reference_id: null }, 'not a portal payment (no invoice_id)'],
  ])('%s is ignored', async (_what, overrides, why) => {
    await expect(parse(completed(overrides))).resolves.toMatchObject({ kind: 'ignored', why });
  });

  test('charge.refunded and charge.dispute.created find their Checkout Session by payment_intent', async () => {
    api.sessionsByPaymentIntent.set('pi_1', { id: 'cs_test_a1', object: 'checkout.session', metadata: { invoice_id: 'inv_123' } });
    const refunded = JSON.stringify({ id: 'evt_2', type: 'charge.refunded', created: 1_790_000_100, data: { object: { id: 'ch_1', object: 'charge', payment_intent: 'pi_1', amount: 5_025, amount_refunded: 1_000 } } });
    await expect(parse(refunded)).resolves.toMatchObject({ kind: 'payment_reversed', reversal: 'refund', invoiceId: 'inv_123', providerPaymentId: 'cs_test_a1', reversedTotalCents: 1_000 });
    const dispute = JSON.stringify({ id: 'evt_3', type: 'charge.dispute.created', created: 1_790_000_200, data: { object: { id: 'dp_1', object: 'dispute', charge: 'ch_1', payment_intent: 'pi_1', amount: 5_025, reason: 'fraudulent' } } });
    await expect(parse(dispute)).resolves.toMatchObject({ kind: 'payment_reversed', reversal: 'chargeback', invoiceId: 'inv_123', providerPaymentId: 'cs_test_a1', reversedTotalCents: 5_025, reason: 'stripe dispute dp_1: fraudulent' });
    const lookup = api.requests.filter((r) => r.method === 'GET').pop()!;
    expect(lookup.path).toBe('/v1/checkout/sessions?payment_intent=pi_1&limit=1');
    expect(lookup.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);

    const elsewhere = JSON.stringify({ id: 'evt_4', type: 'charge.refunded', created: 1_790_000_300, data: { object: { id: 'ch_9', payment_intent: 'pi_unknown', amount_refunded: 100 } } });
    await expect(parse(elsewhere)).resolves.toMatchObject({ kind: 'ignored', why: 'not a portal payment' });
  });

  test('expired sessions are failed payments; other event types are ignored', async () => {
    const expired = JSON.stringify({ id: 'evt_5', type: 'checkout.session.expired', created: 1, data: { object: { id: 'cs_test_x', metadata: { invoice_id: 'inv_9' } } } });
    await expect(parse(expired)).resolves.toEqual({ kind: 'payment_failed', eventId: 'evt_5', invoiceId: 'inv_9', providerPaymentId: 'cs_test_x' });
    const other = JSON.stringify({ id: 'evt_6', type: 'customer.created', created: 1, data: { object: { id: 'cus_1' } } });
    await expect(parse(other)).resolves.toMatchObject({ kind: 'ignored', type: 'customer.created' });
  });
});
