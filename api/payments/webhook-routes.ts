import express, { Router } from 'express';
import { applyPaymentEvent, type PaymentEventDeps } from '../../payments/payment-events';
import { WebhookVerificationError, type PaymentEvent, type PaymentProvider } from '../../payments/payment-provider';
import { AppError } from '../errors';

/**
 * `POST /webhooks/payments/{provider}`: the configured provider's events (`test` or `stripe`).
 * The body is read raw: the signature is over the exact bytes. A forged, stale or unreadable
 * delivery is a 400; an event we cannot apply now (Temporal or the provider's API unreachable) is
 * a 503 so the provider retries; everything else is a 200 naming the outcome.
 */
export function paymentWebhookRoutes(deps: PaymentEventDeps & { payments: PaymentProvider }): Router {
  const r = Router();
  r.post('/webhooks/payments/:provider', express.raw({ type: () => true, limit: '512kb' }), async (req, res) => {
    if (req.params.provider !== deps.payments.name) throw new AppError(404, 'route_not_found', `No route ${req.method} ${req.path}`);
    let event: PaymentEvent;
    try {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      event = await deps.payments.parseWebhook({ rawBody, header: (name) => req.get(name) }, new Date());
    } catch (err) {
      if (err instanceof WebhookVerificationError) throw new AppError(400, 'invalid_webhook', err.message);
      throw err;
    }
    const outcome = await applyPaymentEvent(deps, event);
    const level = outcome === 'currency_mismatch' || outcome === 'invoice_closed' || outcome === 'refused' || outcome === 'unknown_payment' ? 'warn' : 'info';
    req.log[level]({ provider: deps.payments.name, event }, `payment webhook: ${outcome}`);
    res.json({ received: true, outcome });
  });
  return r;
}
