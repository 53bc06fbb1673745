import { debtCollectorConfigurationListSchema, type DebtCollectorConfiguration } from '../../domain/debt-collector-configuration';
import { matchCollectorConfiguration, type CaseFacts } from '../../domain/collector-matching';

const configs: DebtCollectorConfiguration[] = debtCollectorConfigurationListSchema.parse([
  { name: 'small Dutch claims in house', collector: 'in_house', review_required: false, conditions: { max_amount_cents: 5_000, countries: ['NL'] } },
  { name: 'euro claims to the agency', collector: 'http', review_required: true, conditions: { min_amount_cents: 5_001, max_amount_cents: 1_000_000, currencies: ['EUR'] }, settings: { url: 'https://agency.example/cases' } },
  { name: 'Belgian and German files', collector: 'file', review_required: false, conditions: { countries: ['BE', 'DE'] } },
]);

describe('matchCollectorConfiguration picks the first configuration whose conditions all match', () => {
  const scenarios: Array<[string, CaseFacts, string | null]> = [
    ['a small Dutch claim stays in house', { amountCents: 4_999, currency: 'EUR', country: 'NL' }, 'small Dutch claims in house'],
    ['the max amount is inclusive', { amountCents: 5_000, currency: 'EUR', country: 'NL' }, 'small Dutch claims in house'],
    ['one cent above the max falls through to the next configuration', { amountCents: 5_001, currency: 'EUR', country: 'NL' }, 'euro claims to the agency'],
    ['the min amount is inclusive', { amountCents: 5_001, currency: 'EUR', country: null }, 'euro claims to the agency'],
    ['order decides when two match: a small Dutch claim never reaches the file collector', { amountCents: 100, currency: 'EUR', country: 'NL' }, 'small Dutch claims in house'],
    ['a small claim from Belgium skips the Dutch rule and the min amount rule', { amountCents: 100, currency: 'EUR', country: 'BE' }, 'Belgian and German files'],
    ['a currency outside the list does not match', { amountCents: 50_000, currency: 'USD', country: 'US' }, null],
    ['a large claim above every max from an unlisted country goes to review', { amountCents: 2_000_000, currency: 'EUR', country: 'FR' }, null],
    ['a large German claim still finds the file collector', { amountCents: 2_000_000, currency: 'EUR', country: 'DE' }, 'Belgian and German files'],
    ['an unknown debtor country never meets a country condition', { amountCents: 100, currency: 'GBP', country: undefined }, null],
    ['lower-case facts are compared in upper case', { amountCents: 100, currency: 'eur', country: 'nl' }, 'small Dutch claims in house'],
  ];
  test.each(scenarios)('%s', (_name, facts, expected) => {
    expect(matchCollectorConfiguration(configs, facts)?.name ?? null).toBe(expected);
  });

  test('with no configurations every case goes to review', () => {
    expect(matchCollectorConfiguration([], { amountCents: 1, currency: 'EUR', country: 'NL' })).toBeNull();
  });

  test('a configuration without conditions matches everything', () => {
    const [catchAll] = debtCollectorConfigurationListSchema.parse([{ name: 'all', collector: 'in_house', review_required: true, conditions: {} }]);
    expect(matchCollectorConfiguration([catchAll!], { amountCents: 0, currency: 'JPY' })).toBe(catchAll);
  });
});

describe('the configuration list schema', () => {
  const valid = { name: 'a', collector: 'in_house', review_required: false, conditions: {} };
  const scenarios: Array<[string, unknown, string[]]> = [
    ['an http collector needs a url', [{ ...valid, collector: 'http' }], ['0.settings.url']],
    ['the url must be http(s)', [{ ...valid, collector: 'http', settings: { url: 'ftp://x.example/' } }], ['0.settings.url']],
    ['an unknown collector', [{ ...valid, collector: 'carrier_pigeon' }], ['0.collector']],
    ['review_required is required', [{ name: 'a', collector: 'file', conditions: {} }], ['0.review_required']],
    ['min above max', [{ ...valid, conditions: { min_amount_cents: 10, max_amount_cents: 9 } }], ['0.conditions.max_amount_cents']],
    ['currencies are ISO codes', [{ ...valid, conditions: { currencies: ['euro'] } }], ['0.conditions.currencies.0']],
    ['countries are ISO codes', [{ ...valid, conditions: { countries: ['NLD'] } }], ['0.conditions.countries.0']],
    ['names are unique', [valid, { ...valid }], ['1.name']],
  ];
  test.each(scenarios)('rejects %s, naming the field', (_name, input, paths) => {
    const result = debtCollectorConfigurationListSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(paths);
  });

  test('keeps collector-specific settings beside the url', () => {
    const [c] = debtCollectorConfigurationListSchema.parse([{ ...valid, collector: 'http', settings: { url: 'https://a.example/', timeout_seconds: 30 } }]);
    expect(c!.settings).toEqual({ url: 'https://a.example/', timeout_seconds: 30 });
  });
});
