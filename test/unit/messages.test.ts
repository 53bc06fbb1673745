import { createPortalToken, verifyPortalToken } from '../../messaging/portal-link';
import { renderDigestEmail, renderDigestSms, renderEmail, renderSms, formatMoney, type Locale } from '../../messaging/templates';
import { parseConfig } from '../../config/config';

describe('portal links', () => {
  const secret = 'a-secret-of-enough-length';
  const now = new Date('2026-11-23T12:00:00Z');

  test('a signed link opens its invoice until it expires', () => {
    const token = createPortalToken(secret, 'inv_123', new Date('2026-12-01T00:00:00Z'));
    expect(verifyPortalToken(secret, token, now)).toEqual({ invoiceId: 'inv_123' });
    expect(verifyPortalToken(secret, token, new Date('2026-12-02T00:00:00Z'))).toBeNull();
  });

  test('an altered or foreign link opens nothing', () => {
    const token = createPortalToken(secret, 'inv_123', new Date('2026-12-01T00:00:00Z'));
    expect(verifyPortalToken(secret, token.replace('inv_123', 'inv_124'), now)).toBeNull();
    expect(verifyPortalToken('another-secret-entirely', token, now)).toBeNull();
    expect(verifyPortalToken(secret, 'garbage', now)).toBeNull();
  });
});

describe('message templates', () => {
  const base = {
    kind: 'reminder' as const,
    companyName: 'HC Groen-Wit',
    debtorName: 'Anna de Vries',
    invoiceNumber: '2026-001',
    amountDue: '€ 120,00',
    dueDate: '2026-12-15',
    portalUrl: 'https://pay.example/pay/tok',
    paymentReference: 'RF18539007547034',
  };
  test('a digest lists each invoice with what its own message says; its SMS states an announced fee and the day to pay by', () => {
    const dunning = { ...base, kind: 'dunning_notice' as const, locale: 'nl' as const, invoiceNumber: '2026-002', dunningLevel: 1, announcedFee: '€ 5,00', feePayBy: '2027-01-02' };
    const items = [{ ...base, locale: 'nl' as const }, dunning];
    const email = renderDigestEmail(items);
    expect(email.subject).toBe('2 openstaande facturen van HC Groen-Wit');
    expect(email.text).toContain('Een vriendelijke herinnering: factuur 2026-001');
    expect(email.text).toContain('Betaalt u niet uiterlijk 2027-01-02, dan worden kosten van € 5,00 in rekening gebracht.');
    expect(email.html).toContain('2026-002');
    expect(renderDigestSms(items)).toBe('HC Groen-Wit: 2 facturen staan open. Bekijk en betaal: https://pay.example/pay/tok 2026-002: Na 2027-01-02 onbetaald: € 5,00 kosten.');
  });

  test.each([
    ['en', 'Reminder'],
    ['nl', 'Herinnering'],
    ['de', 'Erinnerung'],
    ['fr', 'Rappel'],
  ] as Array<[Locale, string]>)('%s reminder: subject in the language, link in both parts and the SMS', (locale, word) => {
    const email = renderEmail({ ...base, locale });
    expect(email.subject).toContain(word);
    expect(email.subject).toContain('2026-001');
    expect(email.text).toContain(base.portalUrl);
    expect(email.html).toContain(`href="${base.portalUrl}"`);
    expect(email.html).toContain(`lang="${locale}"`);
    expect(renderSms({ ...base, locale })).toContain(base.portalUrl);
  });

  test.each(['en', 'nl', 'de', 'fr'] as Locale[])('%s: every email and SMS kind carries the payment reference', (locale) => {
    for (const kind of ['invoice_notice', 'reminder', 'dunning_notice', 'installment_reminder'] as const) {
      const email = renderEmail({ ...base, kind, locale });
      expect(email.text).toContain('RF18 5390 0754 7034');
      expect(email.html).toContain('RF18 5390 0754 7034');
      expect(renderSms({ ...base, kind, locale })).toContain('RF18539007547034');
    }
  });

  test.each([
    ['en', 'If you do not pay by 2027-01-22, a fee of €5.00 will be charged.', 'that is by 2027-01-22 at the latest'],
    ['nl', 'Betaalt u niet uiterlijk 2027-01-22, dan worden kosten van €5.00 in rekening gebracht.', 'dus uiterlijk 2027-01-22'],
    ['de', 'Zahlen Sie nicht bis zum 2027-01-22, wird eine Gebühr von €5.00 berechnet.', 'also spätestens am 2027-01-22'],
    ['fr', 'Sans paiement au plus tard le 2027-01-22, des frais de €5.00 seront facturés.', 'soit au plus tard le 2027-01-22'],
  ] as Array<[Locale, string, string]>)('%s dunning notice: the announced fee and the day to pay by, in the email and the SMS; the statutory fee with its 14 days', (locale, sentence, statutory) => {
    const notice = { ...base, kind: 'dunning_notice' as const, locale, dunningLevel: 1, announcedFee: '€5.00', feePayBy: '2027-01-22' };
    expect(renderEmail(notice).text).toContain(sentence);
    expect(renderSms(notice)).toContain('2027-01-22');
    expect(renderSms(notice)).toContain('€5.00');
    const wik = renderEmail({ ...notice, statutoryFee: true }).text;
    expect(wik).toContain(statutory);
    expect(wik).toContain('14');
  });

  test('names are escaped in HTML', () => {
    expect(renderEmail({ ...base, locale: 'en', companyName: '<script>x</script>' }).html).not.toContain('<script>');
  });

  test('money in the debtor’s locale', () => {
    expect(formatMoney(12_050, 'EUR', 'nl')).toMatch(/€\s120,50/);
    expect(formatMoney(12_050, 'EUR', 'en')).toBe('€120.50');
  });
});

describe('configuration', () => {
  test('defaults from the contract', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({ PORT: 3000, RECOUP_DATA_DIR: './.data', TEMPORAL_NAMESPACE: 'default', publicBaseUrl: 'http://localhost:3000' });
  });

  test('a bad value names the variable', () => {
    expect(() => parseConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => parseConfig({ PUBLIC_BASE_URL: 'not a url' })).toThrow(/PUBLIC_BASE_URL/);
  });
});
