import type { z } from 'zod';
import { DomainError } from '../domain/errors';

/**
 * A payment service provider (PSP) as the debtor portal uses it: it opens a hosted checkout for an
 * amount, and later tells us by signed webhook what became of it. Adapters: `test` (a local fake
 * checkout for dev and tests) and `stripe` (Stripe Checkout).
 */
export interface CheckoutRequest {
  /** The invoice whose portal link the debtor came by (the first of `invoiceIds`). */
  invoiceId: string;
  /**
   * Every invoice the payment is for (the debtor's choice in the portal, all of one debtor at one
   * company): the provider carries them in the payment's metadata, and the webhook hands them back
   * for the allocation (oldest due date first). Absent or `[invoiceId]` for one invoice.
   */
  invoiceIds?: string[];
  amountCents: number;
  /** ISO 4217, upper case. */
  currency: string;
  /** Where the debtor comes back to; the provider adds `payment=success|cancelled|failed`. */
  returnUrl: string;
  /** What the debtor sees on the checkout page. */
  description: string;
}

export interface Checkout {
  /** Send the debtor's browser here. */
  checkoutUrl: string;
  /** The provider's id of this payment: the payment's `external_id` on the invoice. */
  providerPaymentId: string;
}

/** One webhook delivery as received: the raw body (signatures are over the exact bytes) and headers. */
export interface WebhookDelivery {
  rawBody: Buffer;
  header(name: string): string | undefined;
}

/** What a webhook means for an invoice, in the provider's neutral words. */
export type PaymentEvent =
  | {
      kind: 'payment_succeeded';
      eventId: string;
      invoiceId: string;
      /** The invoices the checkout was for, when more than the one (see CheckoutRequest.invoiceIds). */
      invoiceIds?: string[];
      providerPaymentId: string;
      amountCents: number;
      currency: string;
      paidAt?: string;
    }
  | { kind: 'payment_failed'; eventId: string; invoiceId: string | null; providerPaymentId: string }
  | {
      kind: 'payment_reversed';
      eventId: string;
      reversal: 'refund' | 'chargeback';
      invoiceId: string;
      providerPaymentId: string;
      /** How much of the payment this kind of reversal has taken back in all (providers report refunds cumulatively). */
      reversedTotalCents: number;
      reason?: string;
    }
  | { kind: 'ignored'; eventId: string; type: string; why: string };

export interface PaymentProvider {
  readonly name: PaymentProviderName;
  createCheckout(request: CheckoutRequest): Promise<Checkout>;
  /** Verifies the delivery's signature (throws {@link WebhookVerificationError}) and reads it. */
  parseWebhook(delivery: WebhookDelivery, now: Date): Promise<PaymentEvent>;
}

export type PaymentProviderName = 'test' | 'stripe';

/** The provider refused or could not be reached: the debtor may try again later. `providerStatus` is the provider's own answer, when it gave one. */
export class PaymentProviderError extends DomainError {
  constructor(
    message: string,
    readonly providerStatus?: number,
  ) {
    super('unavailable', 'provider_unavailable', message);
    this.name = 'PaymentProviderError';
  }
}

/** A webhook that is not authentic (missing, forged or stale signature) or not readable. */
export class WebhookVerificationError extends Error {}

/** The JSON body of an authentic delivery; one that does not parse is refused like a forged one (400). */
export function readWebhookJson<S extends z.ZodType>(rawBody: Buffer, schema: S): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('the body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new WebhookVerificationError(`unexpected body: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
