import { debtorDetailsOf, debtorKeyOf } from '../../domain/debtor-identity';
import type { Debtor } from '../../domain/schemas';

const base: Debtor = { last_name: 'Jansen', locale: 'nl', timezone: 'Europe/Amsterdam' };

describe('the debtor key of an invoice (external id, else email, else phone)', () => {
  test.each<[string, Partial<Debtor>, ReturnType<typeof debtorKeyOf>]>([
    ['the partner external id wins over email and phone', { external_id: ' M-17 ', email: 'jan@example.nl', phone: '+31612345678' }, { kind: 'external_id', value: 'M-17' }],
    ['without an external id, the email trimmed and lower-cased', { email: '  Jan.Jansen@Example.NL ', phone: '+31612345678' }, { kind: 'email', value: 'jan.jansen@example.nl' }],
    ['a blank external id counts as none', { external_id: '   ', email: 'jan@example.nl' }, { kind: 'email', value: 'jan@example.nl' }],
    ['without email, the phone in E.164 read in the company country', { phone: '06 1234 5678' }, { kind: 'phone', value: '+31612345678' }],
    ['a phone read in the debtor own country before the company one', { phone: '0151 23456789', address: { street: 'Hauptstr. 1', postal_code: '10115', city: 'Berlin', country: 'DE' } }, { kind: 'phone', value: '+4915123456789' }],
    ['none of the three: no key, the invoice gets a debtor of its own', { first_name: 'Jan' }, null],
    ['an invalid phone is no key', { phone: '12' }, null],
  ])('%s', (_name, debtor, key) => {
    expect(debtorKeyOf({ ...base, ...debtor }, 'NL')).toEqual(key);
  });

  test('the same person written differently gets the same key', () => {
    expect(debtorKeyOf({ ...base, email: 'JAN@example.nl' }, 'NL')).toEqual(debtorKeyOf({ ...base, email: ' jan@EXAMPLE.nl' }, 'NL'));
    expect(debtorKeyOf({ ...base, phone: '06-12345678' }, 'NL')).toEqual(debtorKeyOf({ ...base, phone: '+31 6 1234 5678' }, 'NL'));
  });
});

describe('a debtor row takes the invoice details', () => {
  test('a person is named by first and last name, normalised contact details', () => {
    expect(debtorDetailsOf({ ...base, first_name: 'Jan', email: ' Jan@Example.nl', phone: '0612345678' }, 'NL')).toEqual({
      externalId: null,
      name: 'Jan Jansen',
      email: 'jan@example.nl',
      phone: '+31612345678',
      locale: 'nl',
      timezone: 'Europe/Amsterdam',
    });
  });

  test('an organisation is named by its organisation name', () => {
    expect(debtorDetailsOf({ organization_name: 'Jansen BV', last_name: 'Jansen', external_id: 'K-1', locale: 'en', timezone: 'Europe/London' })).toMatchObject({
      externalId: 'K-1',
      name: 'Jansen BV',
      email: null,
      phone: null,
    });
  });
});
