import { parseConfig } from '../../config/config';
import { amountInputValue, parseAmountInput } from '../../api/portal/form-input';
import { createFormToken, isValidFormToken } from '../../api/portal/form-token';
import { paymentProviderFor } from '../../payments/configured-provider';

describe('amounts as debtors type them', () => {
  test.each([
    ['25', 2_500],
    ['25,5', 2_550],
    ['25.50', 2_550],
    ['0,01', 1],
    ['1.234,56', 123_456],
    ['1,234.56', 123_456],
    ['1 234,56', 123_456],
    ['€ 50,00', 5_000],
    ['1.000', 100_000],
    ['0', 0],
  ])('%j is %i cents', (typed, cents) => {
    expect(parseAmountInput(typed)).toBe(cents);
  });

  test.each(['', 'abc', '-5', '1e3', '12,345,67', '1.234.56', '1,234,5678', '.5', '99999999999999999999'])('%j is not an amount', (typed) => {
    expect(parseAmountInput(typed)).toBeNull();
  });

  test('the amount field is filled in the debtor’s notation', () => {
    expect(amountInputValue(123_456, 'nl')).toBe('1234,56');
    expect(amountInputValue(123_456, 'en')).toBe('1234.56');
  });
});

describe('form tokens (CSRF)', () => {
  const secret = 'portal-secret-0123456789';
  const now = new Date('2026-11-23T12:00:00Z');
  const token = createFormToken(secret, 'inv_1.abc.sig', now);

  test('a form token is valid for its own portal link for 12 hours', () => {
    expect(isValidFormToken(secret, 'inv_1.abc.sig', token, now)).toBe(true);
    expect(isValidFormToken(secret, 'inv_1.abc.sig', token, new Date(now.getTime() + 11 * 3_600_000))).toBe(true);
    expect(isValidFormToken(secret, 'inv_1.abc.sig', token, new Date(now.getTime() + 13 * 3_600_000))).toBe(false);
    expect(isValidFormToken(secret, 'inv_2.abc.sig', token, now)).toBe(false);
    expect(isValidFormToken('another-secret-0123456789', 'inv_1.abc.sig', token, now)).toBe(false);
    expect(isValidFormToken(secret, 'inv_1.abc.sig', undefined, now)).toBe(false);
    expect(isValidFormToken(secret, 'inv_1.abc.sig', `${token}x`, now)).toBe(false);
  });
});

describe('payment configuration', () => {
  test('the test provider is the default; Stripe needs its secret key and webhook secret', () => {
    // memory://: the test provider's webhook secret is made per process, not written to a data folder.
    const config = parseConfig({ RECOUP_DATA_DIR: 'memory://' });
    expect(config.PAYMENT_PROVIDER).toBe('test');
    expect(config.STRIPE_API_BASE_URL).toBe('https://api.stripe.com');
    expect(paymentProviderFor(config).name).toBe('test');
    expect(() => parseConfig({ PAYMENT_PROVIDER: 'stripe' })).toThrow(/STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET/);
    expect(() => parseConfig({ PAYMENT_PROVIDER: 'paypal' })).toThrow(/PAYMENT_PROVIDER/);
    const stripe = parseConfig({ PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_WEBHOOK_SECRET: 'whsec_1', STRIPE_API_BASE_URL: 'http://127.0.0.1:9' });
    expect(paymentProviderFor(stripe).name).toBe('stripe');
  });
});
