import { normalizePhoneNumber } from '../../domain/phone';
import { smsReplyIntent } from '../../domain/sms-reply';

describe('debtor phone numbers are stored in E.164', () => {
  test.each([
    ['a Dutch mobile written nationally', '06 12345678', 'NL', '+31612345678'],
    ['a Dutch landline with dashes', '020-1234567', 'NL', '+31201234567'],
    ['a Dutch number with the 00 prefix', '0031612345678', 'NL', '+31612345678'],
    ['a Belgian mobile', '0470 12 34 56', 'BE', '+32470123456'],
    ['a German mobile', '0151 23456789', 'DE', '+4915123456789'],
    ['a Berlin landline', '(030) 12345678', 'DE', '+493012345678'],
    ['a French mobile in pairs', '06 12 34 56 78', 'FR', '+33612345678'],
    ['an E.164 number, whatever the country', '+31612345678', 'FR', '+31612345678'],
    ['an international number with spaces keeps its own country', '+32 470 12 34 56', 'NL', '+32470123456'],
    ['an E.164 number without a country', '+4915123456789', undefined, '+4915123456789'],
    ['surrounding spaces', '  06 12345678 ', 'NL', '+31612345678'],
  ])('%s: %s (%s) → %s', (_label, raw, country, expected) => {
    expect(normalizePhoneNumber(raw, country)).toBe(expected);
  });

  test.each([
    ['too short', '12', 'NL'],
    ['a Dutch mobile missing digits', '06-1234', 'NL'],
    ['letters', 'hello', 'NL'],
    ['a number inside a sentence', 'call 06 12345678 after six', 'NL'],
    ['an unknown country calling code', '+999 123456', 'NL'],
    ['a national number without a country', '0612345678', undefined],
    ['a national number with an unknown country', '0612345678', 'XX'],
    ['empty', '', 'NL'],
  ])('%s (%s) is not a phone number', (_label, raw, country) => {
    expect(normalizePhoneNumber(raw, country)).toBeNull();
  });
});

describe('what an SMS reply asks for', () => {
  test.each([
    ['STOP', 'opt_out'],
    ['stop', 'opt_out'],
    ['  Stop \n', 'opt_out'],
    ['STOPALL', 'opt_out'],
    ['unsubscribe', 'opt_out'],
    ['Cancel', 'opt_out'],
    ['END', 'opt_out'],
    ['quit', 'opt_out'],
    ['START', 'opt_in'],
    [' yes ', 'opt_in'],
    ['Unstop', 'opt_in'],
    ['stop sending me this', 'message'],
    ['I paid yesterday', 'message'],
    ['', 'message'],
  ])('%j → %s', (body, intent) => {
    expect(smsReplyIntent(body)).toBe(intent);
  });
});
