import { creditorReference, isValidPaymentReference, paymentReferencesIn, printedPaymentReference } from '../../domain/payment-reference';
import { newPaymentReference } from '../../services/payment-references';

describe('ISO 11649 payment references', () => {
  test('the check digits are those of the standard example (RF18 5390 0754 7034)', () => {
    expect(creditorReference('539007547034')).toBe('RF18539007547034');
    expect(printedPaymentReference('RF18539007547034')).toBe('RF18 5390 0754 7034');
  });

  test.each<[string, boolean]>([
    ['RF18539007547034', true],
    ['rf18 5390 0754 7034', true],
    ['RF18000000000539007547034', true],
    ['RF19539007547034', false],
    ['RF18539007547035', false],
    ['RF18', false],
    ['RF18-5390', false],
    ['RF181234567890123456789012', false],
  ])('%p is valid: %p', (ref, valid) => {
    expect(isValidPaymentReference(ref)).toBe(valid);
  });

  test('new references are valid, 16 characters (the MT940 :61: reference), and differ', () => {
    const refs = Array.from({ length: 1000 }, newPaymentReference);
    for (const ref of refs) expect([ref, isValidPaymentReference(ref), ref.length]).toEqual([ref, true, 16]);
    expect(new Set(refs).size).toBe(1000);
  });

  test('references are found in remittance text as one word or in groups; a wrong check digit is not', () => {
    expect(paymentReferencesIn('Contributie rf18 5390 0754 7034 dank u')).toContain('RF18539007547034');
    expect(paymentReferencesIn('/REMI/RF18539007547034/NAME/X')).toEqual(['RF18539007547034']);
    expect(paymentReferencesIn('kenmerk RF18 5390 0754 7035')).toEqual([]);
  });
});
