import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { checkSignature, signatureHeader } from '../services/hmac-signature';
import { readWebhookJson, WebhookVerificationError, type Checkout, type CheckoutRequest, type PaymentEvent, type PaymentProvider, type WebhookDelivery } from './payment-provider';

/**
 * The built-in `test` provider for dev and tests: a fake PSP inside Recoup. Its checkout page
 * (`/pay/test-provider/{id}`) has "Pay" and "Fail" buttons; pressing one posts a signed event to
 * `/webhooks/payments/test`, as a real PSP would, so the portal's payment path is the same code
 * with either provider. Nothing is stored: the checkout's details travel signed in its URL.
 */
export const TEST_PROVIDER_SIGNATURE_HEADER = 'Recoup-Test-Signature';
export const testProviderWebhookPath = '/webhooks/payments/test';

export interface TestCheckout {
  id: string;
  invoiceId: string;
  invoiceIds?: string[];
  amountCents: number;
  currency: string;
  returnUrl: string;
  description: string;
}

const checkoutSchema = z.object({
  id: z.string().regex(/^tpay_[0-9a-f]{24}$/),
  invoiceId: z.string().min(1),
  invoiceIds: z.array(z.string().min(1)).max(50).optional(),
  amountCents: z.number().int().positive(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  returnUrl: z.url(),
  description: z.string(),
});

/** Events the fake PSP sends (a subset of Stripe's names, with a flat body). */
export const testProviderEventSchema = z.object({
  id: z.string().min(1).max(100),
  type: z.string().min(1).max(100),
  created: z.number().int(),
  data: z.object({
    payment_id: z.string().min(1).max(100),
    invoice_id: z.string().min(1).max(100),
    /** A checkout over several invoices of the debtor: all of them (the payment's metadata). */
    invoice_ids: z.array(z.string().min(1).max(100)).max(50).optional(),
    /** For `charge.refunded`: everything refunded of the payment so far, like Stripe's `amount_refunded`. */
    amount_cents: z.number().int().min(0),
    currency: z.string().regex(/^[A-Z]{3}$/),
    reason: z.string().max(500).optional(),
  }),
});
export type TestProviderEvent = z.infer<typeof testProviderEventSchema>;

export interface TestPaymentProvider extends PaymentProvider {
  readonly name: 'test';
  /** The checkout behind a checkout page URL, or null when its token is forged. */
  readCheckout(id: string, token: string): TestCheckout | null;
  /** The body and signature header of an event, as the fake PSP posts it. */
  signEvent(event: TestProviderEvent, now: Date): { body: string; signature: string };
  /** Where the fake PSP posts its events: this Recoup's own webhook route. */
  webhookUrl(): string;
}

export function createTestPaymentProvider(options: { secret: string; publicBaseUrl: () => string }): TestPaymentProvider {
  const { secret } = options;
  const sign = (payload: string) => createHmac('sha256', secret).update(`checkout:${payload}`).digest('base64url');

  return {
    name: 'test',

    async createCheckout(request: CheckoutRequest): Promise<Checkout> {
      const checkout: TestCheckout = { id: `tpay_${randomBytes(12).toString('hex')}`, ...request };
      const payload = Buffer.from(JSON.stringify(checkout)).toString('base64url');
      const url = `${options.publicBaseUrl()}/pay/test-provider/${checkout.id}?checkout=${payload}.${sign(payload)}`;
      return { checkoutUrl: url, providerPaymentId: checkout.id };
    },

    readCheckout(id, token) {
      const [payload = '', signature = ''] = token.split('.');
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      try {
        const checkout = checkoutSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
        return checkout.id === id ? checkout : null;
      } catch {
        return null;
      }
    },

    signEvent(event, now) {
      const body = JSON.stringify(event);
      return { body, signature: signatureHeader(secret, body, Math.floor(now.getTime() / 1000)) };
    },

    webhookUrl: () => `${options.publicBaseUrl()}${testProviderWebhookPath}`,

    async parseWebhook(delivery: WebhookDelivery, now: Date): Promise<PaymentEvent> {
      const check = checkSignature(secret, delivery.header(TEST_PROVIDER_SIGNATURE_HEADER), delivery.rawBody, now);
      if (check !== 'valid') throw new WebhookVerificationError(`${TEST_PROVIDER_SIGNATURE_HEADER}: ${check}`);
      const event = readWebhookJson(delivery.rawBody, testProviderEventSchema);
      const d = event.data;
      switch (event.type) {
        case 'checkout.session.completed':
          return { kind: 'payment_succeeded', eventId: event.id, invoiceId: d.invoice_id, ...(d.invoice_ids ? { invoiceIds: d.invoice_ids } : {}), providerPaymentId: d.payment_id, amountCents: d.amount_cents, currency: d.currency, paidAt: new Date(event.created * 1000).toISOString() };
        case 'checkout.session.failed':
          return { kind: 'payment_failed', eventId: event.id, invoiceId: d.invoice_id, providerPaymentId: d.payment_id };
        case 'charge.refunded':
        case 'charge.dispute.created':
          return {
            kind: 'payment_reversed',
            eventId: event.id,
            reversal: event.type === 'charge.refunded' ? 'refund' : 'chargeback',
            invoiceId: d.invoice_id,
            providerPaymentId: d.payment_id,
            reversedTotalCents: d.amount_cents,
            reason: d.reason,
          };
        default:
          return { kind: 'ignored', eventId: event.id, type: event.type, why: 'event type not handled' };
      }
    },
  };
}

export function isTestPaymentProvider(provider: PaymentProvider): provider is TestPaymentProvider {
  return provider.name === 'test' && 'readCheckout' in provider;
}
