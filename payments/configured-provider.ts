import type { Config } from '../config/config';
import type { PaymentProvider } from './payment-provider';
import { createStripePaymentProvider } from './stripe';
import { createTestPaymentProvider } from './test-provider';

export type PaymentConfig = Partial<Pick<Config, 'PAYMENT_PROVIDER' | 'STRIPE_SECRET_KEY' | 'STRIPE_WEBHOOK_SECRET' | 'STRIPE_API_BASE_URL' | 'PAYMENT_WEBHOOK_SECRET'>> &
  Pick<Config, 'publicBaseUrl'>;

// Like the portal secret: zero setup for `npm start`; the test provider is not for production anyway.
const DEV_WEBHOOK_SECRET = 'recoup-dev-payment-webhook-secret';

/** The provider named by PAYMENT_PROVIDER (default `test`). */
export function paymentProviderFor(config: PaymentConfig): PaymentProvider {
  if (config.PAYMENT_PROVIDER === 'stripe') {
    if (!config.STRIPE_SECRET_KEY || !config.STRIPE_WEBHOOK_SECRET) throw new Error('PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET');
    return createStripePaymentProvider({
      secretKey: config.STRIPE_SECRET_KEY,
      webhookSecret: config.STRIPE_WEBHOOK_SECRET,
      apiBaseUrl: config.STRIPE_API_BASE_URL ?? 'https://api.stripe.com',
    });
  }
  // Read at call time: the entry point (and the tests) settle PUBLIC_BASE_URL after the app is built.
  return createTestPaymentProvider({ secret: config.PAYMENT_WEBHOOK_SECRET ?? DEV_WEBHOOK_SECRET, publicBaseUrl: () => config.publicBaseUrl });
}
