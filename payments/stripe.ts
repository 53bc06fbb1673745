import { z } from 'zod';
import { checkSignature } from '../services/hmac-signature';
import {
  PaymentProviderError,
  readWebhookJson,
  WebhookVerificationError,
  type Checkout,
  type CheckoutRequest,
  type PaymentEvent,
  type PaymentProvider,
  type WebhookDelivery,
} from './payment-provider';

/**
 * Stripe Checkout over its REST API with `fetch` (no SDK): a Checkout Session per portal payment,
 * and the webhook events that matter to an invoice. The Checkout Session id (`cs_…`) is the
 * payment's id on the invoice. Refunds and disputes name the PaymentIntent, so they are traced
 * back to their session with `GET /v1/checkout/sessions?payment_intent=`.
 */
export interface StripeOptions {
  secretKey: string;
  webhookSecret: string;
  /** `https://api.stripe.com`, or a compatible server (tests). */
  apiBaseUrl: string;
  timeoutMs?: number;
}

export const STRIPE_SIGNATURE_HEADER = 'Stripe-Signature';

const sessionSchema = z.object({
  id: z.string().min(1),
  url: z.string().nullish(),
  amount_total: z.number().int().nullish(),
  currency: z.string().nullish(),
  payment_status: z.string().nullish(),
  client_reference_id: z.string().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
});
type StripeSession = z.infer<typeof sessionSchema>;

const eventSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  created: z.number().int(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

const chargeSchema = z.object({ id: z.string(), payment_intent: z.string().nullish(), amount_refunded: z.number().int().min(0) });
const disputeSchema = z.object({ id: z.string(), payment_intent: z.string().nullish(), amount: z.number().int().min(0), reason: z.string().nullish() });

export function createStripePaymentProvider(options: StripeOptions): PaymentProvider {
  const base = options.apiBaseUrl.replace(/\/$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function call(method: 'GET' | 'POST', path: string, form?: URLSearchParams): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.secretKey}`,
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        body: form?.toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new PaymentProviderError(`Stripe ${method} ${path} failed: ${(err as Error).message}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new PaymentProviderError(`Stripe ${method} ${path} answered ${res.status} without JSON`, res.status);
    }
    if (!res.ok) {
      const message = (body as { error?: { message?: string } }).error?.message ?? 'no message';
      throw new PaymentProviderError(`Stripe ${method} ${path} answered ${res.status}: ${message}`, res.status);
    }
    return body;
  }

  /** The portal's Checkout Session behind a PaymentIntent, or null for payments made elsewhere. */
  async function sessionOf(paymentIntent: string): Promise<StripeSession | null> {
    const list = z.object({ data: z.array(sessionSchema) }).safeParse(await call('GET', `/v1/checkout/sessions?${new URLSearchParams({ payment_intent: paymentIntent, limit: '1' })}`));
    if (!list.success) throw new PaymentProviderError('Stripe answered an unexpected list of Checkout Sessions');
    return list.data.data[0] ?? null;
  }

  const invoiceOf = (s: StripeSession): string | null => s.metadata?.invoice_id ?? s.client_reference_id ?? null;

  return {
    name: 'stripe',

    async createCheckout(request: CheckoutRequest): Promise<Checkout> {
      const form = new URLSearchParams({
        mode: 'payment',
        'line_items[0][quantity]': '1',
        'line_items[0][price_data][currency]': request.currency.toLowerCase(),
        'line_items[0][price_data][unit_amount]': String(request.amountCents),
        'line_items[0][price_data][product_data][name]': request.description,
        client_reference_id: request.invoiceId,
        'metadata[invoice_id]': request.invoiceId,
        // Copied to the PaymentIntent, so the payment is recognisable in Stripe's dashboard too.
        'payment_intent_data[metadata][invoice_id]': request.invoiceId,
        // A payment over several invoices of the account: all of them, for the allocation when it succeeds.
        ...(request.invoiceIds && request.invoiceIds.length > 1 ? { 'metadata[invoice_ids]': request.invoiceIds.join(' ') } : {}),
        success_url: withQuery(request.returnUrl, 'payment=success'),
        cancel_url: withQuery(request.returnUrl, 'payment=cancelled'),
      });
      const session = sessionSchema.safeParse(await call('POST', '/v1/checkout/sessions', form));
      if (!session.success || !session.data.url) throw new PaymentProviderError('Stripe answered a Checkout Session without a url');
      return { checkoutUrl: session.data.url, providerPaymentId: session.data.id };
    },

    async parseWebhook(delivery: WebhookDelivery, now: Date): Promise<PaymentEvent> {
      const check = checkSignature(options.webhookSecret, delivery.header(STRIPE_SIGNATURE_HEADER), delivery.rawBody, now);
      if (check !== 'valid') throw new WebhookVerificationError(`${STRIPE_SIGNATURE_HEADER}: ${check}`);
      const event = readWebhookJson(delivery.rawBody, eventSchema);
      const object = event.data.object;
      const ignored = (why: string): PaymentEvent => ({ kind: 'ignored', eventId: event.id, type: event.type, why });

      switch (event.type) {
        case 'checkout.session.completed':
        case 'checkout.session.async_payment_succeeded': {
          const session = parseObject(sessionSchema, object, event.type);
          const invoiceId = invoiceOf(session);
          if (!invoiceId) return ignored('not a portal payment (no invoice_id)');
          // Delayed methods (SEPA debit…) complete the session unpaid; async_payment_succeeded follows.
          if (session.payment_status !== 'paid') return ignored(`payment_status ${session.payment_status ?? 'unknown'}`);
          if (!session.amount_total || !session.currency) return ignored('no amount');
          const invoiceIds = session.metadata?.invoice_ids?.split(' ').filter(Boolean);
          return {
            kind: 'payment_succeeded',
            eventId: event.id,
            invoiceId,
            ...(invoiceIds && invoiceIds.length > 0 ? { invoiceIds } : {}),
            providerPaymentId: session.id,
            amountCents: session.amount_total,
            currency: session.currency.toUpperCase(),
            paidAt: new Date(event.created * 1000).toISOString(),
          };
        }
        case 'checkout.session.async_payment_failed':
        case 'checkout.session.expired': {
          const session = parseObject(sessionSchema, object, event.type);
          return { kind: 'payment_failed', eventId: event.id, invoiceId: invoiceOf(session), providerPaymentId: session.id };
        }
        case 'charge.refunded':
        case 'charge.dispute.created': {
          const refund = event.type === 'charge.refunded';
          const taken = refund ? parseObject(chargeSchema, object, event.type) : parseObject(disputeSchema, object, event.type);
          if (!taken.payment_intent) return ignored('no payment_intent');
          const session = await sessionOf(taken.payment_intent);
          const invoiceId = session ? invoiceOf(session) : null;
          if (!session || !invoiceId) return ignored('not a portal payment');
          return {
            kind: 'payment_reversed',
            eventId: event.id,
            reversal: refund ? 'refund' : 'chargeback',
            invoiceId,
            providerPaymentId: session.id,
            reversedTotalCents: 'amount_refunded' in taken ? taken.amount_refunded : taken.amount,
            reason: 'reason' in taken && taken.reason ? `stripe dispute ${taken.id}: ${taken.reason}` : `stripe ${refund ? 'refund of' : 'dispute on'} ${taken.id}`,
          };
        }
        default:
          return ignored('event type not handled');
      }
    },
  };
}

function parseObject<S extends z.ZodType>(schema: S, object: unknown, type: string): z.infer<S> {
  const parsed = schema.safeParse(object);
  if (!parsed.success) throw new WebhookVerificationError(`unexpected ${type} object: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function withQuery(url: string, pair: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${pair}`;
}
