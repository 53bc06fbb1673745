import { createHmac } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { ledgerEntries } from '../../db/schema';
import { portalTexts } from '../../api/portal/texts';
import { eventually } from '../support/eventually';
import { startStack, type Stack } from '../support/stack';
import { getPage, portalLink, postForm, testId, transmittedInvoice } from './portal-client';
import { startStripeApi, type StripeApi } from './stripe-api';

/**
 * The portal with PAYMENT_PROVIDER=stripe: Checkout Sessions on a local Stripe-like server, and
 * Stripe's signed webhooks at /webhooks/payments/stripe, on the real stack.
 */
const SECRET_KEY = 'sk_test_51PortalStripe';
const WEBHOOK_SECRET = 'whsec_cG9ydGFsLXN0cmlwZS10ZXN0';
let api: StripeApi;
let stack: Stack;

beforeAll(async () => {
  api = await startStripeApi();
  stack = await startStack({ config: { PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_BASE_URL: api.url } });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await api?.close();
});

async function deliver(event: Record<string, unknown>, options: { secret?: string; t?: number } = {}): Promise<{ status: number; body: { outcome?: string; error?: { code: string } } }> {
  const body = JSON.stringify(event);
  const t = options.t ?? Math.floor(Date.now() / 1000);
  const signature = `t=${t},v1=${createHmac('sha256', options.secret ?? WEBHOOK_SECRET).update(`${t}.${body}`).digest('hex')}`;
  const res = await fetch(`${stack.baseUrl}/webhooks/payments/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body });
  return { status: res.status, body: (await res.json()) as { outcome?: string } };
}

test('paying in full through Stripe Checkout: the session is created for the amount, Stripe’s webhook pays the invoice once, and a dispute reopens it into debt collection', async () => {
  const { key, companyId } = await stack.newPartner('Stripe');
  const id = await transmittedInvoice(stack, key, companyId, { invoice_number: 'S-1' });
  const { url, token } = portalLink(stack, id);
  const { csrf } = await getPage(url);

  const started = await postForm(`${url}/payment`, { _csrf: csrf, amount: '120' });
  expect(started.status).toBe(303);
  const sessionId = /cs_test_\d+$/.exec(started.location!)![0];
  expect(started.location).toBe(`https://checkout.stripe.test/c/pay/${sessionId}`);
  const request = api.requests.find((r) => r.method === 'POST')!;
  expect(request.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
  expect(Object.fromEntries(api.sessions.get(sessionId)!.form)).toMatchObject({
    mode: 'payment',
    'line_items[0][price_data][currency]': 'eur',
    'line_items[0][price_data][unit_amount]': '12000',
    'line_items[0][price_data][product_data][name]': 'Factuur S-1 · Stripe Club',
    'metadata[invoice_id]': id,
    success_url: `${stack.baseUrl}/pay/${token}?payment=success`,
    cancel_url: `${stack.baseUrl}/pay/${token}?payment=cancelled`,
  });

  const completed = {
    id: 'evt_completed',
    object: 'event',
    type: 'checkout.session.completed',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: sessionId, object: 'checkout.session', amount_total: 12_000, currency: 'eur', payment_status: 'paid', payment_intent: 'pi_portal_1', client_reference_id: id, metadata: { invoice_id: id } } },
  };
  // Forged, stale or unsigned deliveries change nothing.
  expect(await deliver(completed, { secret: 'whsec_not_ours' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_webhook' } } });
  expect((await deliver(completed, { t: Math.floor(Date.now() / 1000) - 301 })).status).toBe(400);
  expect((await fetch(`${stack.baseUrl}/webhooks/payments/stripe`, { method: 'POST', body: JSON.stringify(completed) })).status).toBe(400);
  expect((await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body.status).toBe('open');

  expect(await deliver(completed)).toEqual({ status: 200, body: { received: true, outcome: 'payment_registered' } });
  expect(await deliver(completed)).toEqual({ status: 200, body: { received: true, outcome: 'already_recorded' } });
  expect(await stack.request('GET', `/api/v2/invoices/${id}`, { key })).toMatchObject({ body: { status: 'paid', amount_paid_cents: 12_000, amount_due_cents: 0 } });
  const payments = await stack.database.db.select().from(ledgerEntries).where(and(eq(ledgerEntries.invoiceId, id), eq(ledgerEntries.kind, 'payment')));
  expect(payments.map((p) => [p.amountCents, p.externalId])).toEqual([[12_000, sessionId]]);
  const back = await getPage(`${url}?payment=success`);
  expect(testId(back.html, 'notice')).toBe(portalTexts.nl.notices.payment_success({}));
  expect(testId(back.html, 'status')).toBe(portalTexts.nl.statuses.paid);

  // Weeks later the debtor's bank disputes the charge.
  api.sessionsByPaymentIntent.set('pi_portal_1', { id: sessionId, object: 'checkout.session', metadata: { invoice_id: id } });
  const dispute = {
    id: 'evt_dispute',
    object: 'event',
    type: 'charge.dispute.created',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: 'dp_1', object: 'dispute', amount: 12_000, charge: 'ch_1', payment_intent: 'pi_portal_1', reason: 'fraudulent', status: 'needs_response' } },
  };
  expect(await deliver(dispute)).toEqual({ status: 200, body: { received: true, outcome: 'payment_reversed' } });
  await eventually(async () => {
    const inv = (await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body;
    expect(inv).toMatchObject({ status: 'in_debt_collection', amount_paid_cents: 0, amount_due_cents: 12_000, debt_collection_case_id: expect.any(String) });
  }, 30_000);
  const events = (await stack.request('GET', `/api/v2/invoices/${id}/events?limit=100`, { key })).body.data as Array<{ type: string; data: Record<string, unknown> }>;
  expect(events.filter((e) => e.type === 'invoice.payment_received').map((e) => e.data)).toEqual([
    expect.objectContaining({ amount_cents: 12_000, external_id: sessionId, source: 'portal' }),
    expect.objectContaining({ amount_cents: -12_000, external_id: sessionId, reversal: 'chargeback', reason: 'stripe dispute dp_1: fraudulent' }),
  ]);
}, 90_000);

test('the test provider’s routes do not exist with Stripe configured', async () => {
  expect((await stack.request('POST', '/webhooks/payments/test', { body: {} })).status).toBe(404);
  expect((await fetch(`${stack.baseUrl}/pay/test-provider/tpay_000000000000000000000000?checkout=x`)).status).toBe(404);
});
