import { Router } from 'express';
import type { PaymentEventDeps } from '../../payments/payment-events';
import type { PaymentProvider } from '../../payments/payment-provider';
import { isTestPaymentProvider } from '../../payments/test-provider';
import { testCheckoutRoutes } from './test-checkout-routes';
import { paymentWebhookRoutes } from './webhook-routes';

/** The payment provider's routes: its webhooks, and with the `test` provider its fake checkout page. */
export function paymentRoutes(deps: PaymentEventDeps & { payments: PaymentProvider }): Router {
  const r = Router();
  if (isTestPaymentProvider(deps.payments)) r.use(testCheckoutRoutes(deps.payments));
  r.use(paymentWebhookRoutes(deps));
  return r;
}
