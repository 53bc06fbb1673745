import {
  closeProblem,
  collectedAmountProblem,
  decidePreparation,
  initialDebtCaseState,
  invoiceOutcomeOfClose,
  invoiceStatusAfterCollection,
  billingCountryOf,
  type DebtCaseCloseReason,
  type DebtCaseState,
} from '../../domain/debt-case';
import { debtCaseCreateSchema } from '../../domain/debt-case-schemas';
import { debtCollectorConfigurationListSchema } from '../../domain/debt-collector-configuration';
import type { CaseFacts } from '../../domain/collector-matching';
import type { InvoiceStatus } from '../../domain/invoice-status';
import { seedCaseBody } from './support';

/** The pure rules the case workflow and the API ask: which collector, whether to review, which close fits. */

const configurations = debtCollectorConfigurationListSchema.parse([
  { name: 'small Swiss claims in house', collector: 'in_house', review_required: false, conditions: { max_amount_cents: 50_000, countries: ['CH'] } },
  { name: 'large claims, reviewed, to the agency', collector: 'http', review_required: true, conditions: { min_amount_cents: 100_000 }, settings: { url: 'https://agency.example/cases' } },
  { name: 'euro claims to the file drop', collector: 'file', review_required: false, conditions: { currencies: ['EUR'] } },
]);

describe('at mark-prepared the first matching configuration picks the collector and decides review', () => {
  const scenarios: Array<[string, CaseFacts, string | null, 'reviewing' | 'processing']> = [
    ['a small Swiss claim is worked in house at once', { amountCents: 12_000, currency: 'CHF', country: 'CH' }, 'small Swiss claims in house', 'processing'],
    ['a large claim goes to the agency after review', { amountCents: 150_000, currency: 'CHF', country: 'CH' }, 'large claims, reviewed, to the agency', 'reviewing'],
    ['order decides: a small euro claim from Switzerland stays in house', { amountCents: 100, currency: 'EUR', country: 'CH' }, 'small Swiss claims in house', 'processing'],
    ['a mid-sized euro claim from the Netherlands goes to the file drop unreviewed', { amountCents: 60_000, currency: 'EUR', country: 'NL' }, 'euro claims to the file drop', 'processing'],
    ['no match: a person reviews', { amountCents: 60_000, currency: 'USD', country: 'US' }, null, 'reviewing'],
  ];
  test.each(scenarios)('%s', (_name, facts, configuration, next) => {
    const decision = decidePreparation(configurations, facts);
    expect(decision.configuration?.name ?? null).toBe(configuration);
    expect(decision.next).toBe(next);
    expect(decision.reviewRequired).toBe(next === 'reviewing');
  });

  test('without any configuration every case is reviewed', () => {
    expect(decidePreparation([], { amountCents: 1, currency: 'EUR', country: 'NL' })).toEqual({ configuration: null, reviewRequired: true, next: 'reviewing' });
  });

  test.each([
    ['the create body', { billing_address: { country: 'ch' } }, 'CH'],
    ['an invoice debtor', { billing_address: { address: { country: 'NL' } } }, 'NL'],
    ['nothing known', {}, null],
  ])('the debtor country comes from %s', (_name, details, country) => {
    expect(billingCountryOf(details)).toBe(country);
  });
});

const processing = (collected: number, amount = 10_000): DebtCaseState => ({ ...initialDebtCaseState(amount), state: 'processing', collectedAmountCents: collected });

describe('which close reason fits the case', () => {
  const scenarios: Array<[string, DebtCaseState, DebtCaseCloseReason, string | null]> = [
    ['collected in full', processing(10_000), 'collected', null],
    ['collected before the whole amount is in', processing(9_999), 'collected', 'close_reason_mismatch'],
    ['partially collected', processing(2_500), 'partially_collected', null],
    ['partially collected with nothing collected', processing(0), 'partially_collected', 'close_reason_mismatch'],
    ['partially collected when all is in', processing(10_000), 'partially_collected', 'close_reason_mismatch'],
    ['uncollectible with nothing collected', processing(0), 'uncollectible', null],
    ['uncollectible after a partial collection', processing(1), 'uncollectible', 'close_reason_mismatch'],
    ['a collection outcome while still preparing', initialDebtCaseState(10_000), 'collected', 'debt_case_not_processing'],
    ['rejected before the hand-off', { ...initialDebtCaseState(10_000), state: 'reviewing' }, 'rejected', null],
    ['rejected once with the collector', processing(0), 'rejected', 'debt_case_handed_off'],
    ['withdrawn while preparing', initialDebtCaseState(10_000), 'withdrawn', null],
    ['withdrawn while processing', processing(5_000), 'withdrawn', null],
    ['anything once closed', { ...processing(0), state: 'closed', closeReason: 'withdrawn' }, 'withdrawn', 'debt_case_closed'],
  ];
  test.each(scenarios)('%s', (_name, state, reason, problem) => {
    expect(closeProblem(state, reason)?.type ?? null).toBe(problem);
  });
});

describe('collected amounts', () => {
  test.each([
    ['up to what is outstanding', processing(4_000), 6_000, undefined, null],
    ['more than what is outstanding', processing(4_000), 6_001, undefined, 'collected_amount_exceeds_outstanding'],
    ['while reviewing', { ...initialDebtCaseState(10_000), state: 'reviewing' as const }, 1, undefined, 'debt_case_not_processing'],
    ['the same collector amount twice', { ...processing(1_000), collectorReferences: ['pay-1'] }, 1_000, 'pay-1', 'collected_amount_duplicate'],
  ])('%s', (_name, state, amount, reference, problem) => {
    expect(collectedAmountProblem(state, amount, reference)?.type ?? null).toBe(problem);
  });
});

describe('what a closed case does to its invoice', () => {
  test.each([
    ['collected', 'collected'],
    ['partially_collected', 'written_off'],
    ['uncollectible', 'written_off'],
    ['rejected', null],
    ['withdrawn', null],
  ] as const)('%s → %s', (reason, outcome) => {
    expect(invoiceOutcomeOfClose(reason)).toBe(outcome);
  });

  const rows: Array<[InvoiceStatus, 'collected' | 'written_off', InvoiceStatus | null]> = [
    ['in_debt_collection', 'collected', 'collected'],
    ['in_debt_collection', 'written_off', 'written_off'],
    ['paid', 'collected', 'collected'],
    ['paid', 'written_off', null],
    ['credited', 'collected', null],
    ['retracted', 'written_off', null],
    ['draft', 'written_off', null],
  ];
  test.each(rows)('an invoice row %s with outcome %s becomes %s', (status, outcome, next) => {
    expect(invoiceStatusAfterCollection(status, outcome)).toBe(next);
  });
});

describe('the create body', () => {
  test('the debt collection document’s example, in snake_case, is accepted as it is written (strings, upper case)', () => {
    const parsed = debtCaseCreateSchema.parse(seedCaseBody('cmp_x'));
    expect(parsed).toMatchObject({
      environment: 'production',
      language: 'de_DE',
      billing_address: { gender: 'male', country: 'CH', post_code: '8400' },
      line_items: [{ amount_including_tax_cents: 120, quantity: 1, type: 'product', sku: 'test', unique_id: '1', shipping_required: true }],
    });
  });

  test.each([
    ['an unknown environment', { environment: 'staging' }, 'environment'],
    ['a missing billing family name', { billing_address: { city: 'Winterthur', country: 'CH', given_name: 'Tester', post_code: '8400', street: 'x' } }, 'billing_address.family_name'],
    ['no line items', { line_items: [] }, 'line_items'],
    ['a non-numeric amount', { line_items: [{ ...seedCaseBody('c').line_items[0], amount_including_tax_cents: '12.5' }] }, 'line_items.0.amount_including_tax_cents'],
  ])('%s is refused, naming the field', (_name, change, path) => {
    const result = debtCaseCreateSchema.safeParse({ ...seedCaseBody('cmp_x'), ...change });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});
