import type { Config } from '../config/config';
import type { PaymentProvider } from './payment-provider';
import { createStripePaymentProvider } from './stripe';
import { createTestPaymentProvider } from './test-provider';
import { loadOrCreateTestProviderSecret } from './test-provider-secret';

export type PaymentConfig = Partial<Pick<Config, 'PAYMENT_PROVIDER' | 'STRIPE_SECRET_KEY' | 'STRIPE_WEBHOOK_SECRET' | 'STRIPE_API_BASE_URL' | 'PAYMENT_WEBHOOK_SECRET'>> &
  Pick<Config, 'publicBaseUrl' | 'RECOUP_DATA_DIR'>;

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
  return createTestPaymentProvider({
    // Zero setup for `npm start`, yet no public constant: a random secret kept in the data folder.
    secret: config.PAYMENT_WEBHOOK_SECRET ?? loadOrCreateTestProviderSecret(config.RECOUP_DATA_DIR),
    // Read at call time: the entry point (and the tests) settle PUBLIC_BASE_URL after the app is built.
    publicBaseUrl: () => config.publicBaseUrl,
  });
}
