import { debtorContact, debtorContactHtml } from '../../api/console/debtor-contact';
import { eventDetails, eventLabel, stateAfterEvent } from '../../api/console/event-details';

/** What the console writes for a debtor and a timeline event: words a reviewer reads, never stored keys. */

describe('a timeline event reads as a sentence', () => {
  const scenarios: Array<[string, string, Record<string, unknown>, string]> = [
    ['a payment', 'invoice.payment_received', { amount_cents: 24_000, external_id: 'pi_123', source: 'api' }, 'Payment received: €240.00 (external id pi_123, via api)'],
    ['a chargeback', 'invoice.payment_received', { amount_cents: -5_000, external_id: 'cb_9', reversal: 'chargeback', reason: 'fraud' }, 'Payment reversed by a chargeback: -€50.00 (external id cb_9). Reason: fraud'],
    ['a fee charged at a dunning level', 'invoice.dunning_level_changed', { level: 2, fee_cents: 4_000, announced_fee_cents: 4_000, policy_version: 3, step_index: 1 }, 'Dunning level 2, fee €40.00 charged. Policy version: 3, Step index: 1'],
    [
      'a reminder that waited for the morning',
      'invoice.reminder_sent',
      { guardrails: [{ check: 'quiet_hours', result: 'waited', until: '2026-12-02T07:00:00.000Z' }], messages: [{ channel: 'sms', status: 'skipped', reason: 'no_phone' }] },
      'Checks: quiet hours waited until 2 Dec 2026, 07:00 UTC. Messages: SMS skipped (no phone)',
    ],
    ['a transmission', 'invoice.transmitted', { policy_version: 1, due_date: '2026-12-15' }, 'Transmitted to the debtor, due 15 Dec 2026. Policy version: 1'],
    ['an approval', 'debt_case.approved', { review: { decision: 'approve', reason: 'checked', reviewed_by: 'rita@recoup.test', reviewed_at: '2026-12-02T01:00:00Z' } }, 'Approved by rita@recoup.test: “checked”'],
    ['a new case', 'debt_case.created', { debt_collection_case_id: 'dcc_1', invoice_id: 'inv_1', source: 'dunning', state: 'created', amount_cents: 12_000, currency: 'EUR' }, 'Case opened for €120.00 (from dunning)'],
  ];
  test.each(scenarios)('%s', (_, type, data, expected) => {
    expect(eventDetails(type, data, 'EUR')).toBe(expected);
  });

  test('an event type it has no sentence for still reads: labels from the keys, amounts for *_cents, readable dates, no braces', () => {
    const text = eventDetails('invoice.something_new', { refund_cents: 1_250, next_try: '2027-01-05', auto: true, nested: { old_level: 1, waived_fee_cents: 500 }, empty: null }, 'EUR');
    expect(text).toBe('Refund: €12.50, Next try: 5 Jan 2027, Auto: yes, Nested (Old level: 1, Waived fee: €5.00)');
    expect(text).not.toMatch(/[{}"]|_cents|_/);
    expect(eventLabel('invoice.something_new')).toBe('Something new');
    expect(eventLabel('invoice.payment_received')).toBe('Payment received');
  });

  test('amounts are in the invoice’s currency', () => {
    expect(eventDetails('invoice.credited', { credit_cents: 1_000, reason: null }, 'GBP')).toBe('Credited £10.00');
  });
});

describe('a debtor reads as a name and an address block, in both of its stored shapes', () => {
  test('a debt case’s billing address (given_name, post_code, …)', () => {
    const c = debtorContact({ city: 'Utrecht', country: 'NL', family_name: 'de Vries', given_name: 'Anna', post_code: '3511 AB', street: 'Oudegracht 1', mobile_phone_number: '+31612345678' });
    expect(c).toEqual({ name: 'Anna de Vries', organization: '', addressLines: ['Oudegracht 1', '3511 AB Utrecht', 'Netherlands'], email: '', phone: '+31612345678' });
  });

  test('an invoice’s debtor (first_name, address.postal_code, …)', () => {
    const c = debtorContact({ first_name: 'Pieter', last_name: 'Post', organization_name: 'Post BV', email: 'pieter@example.nl', address: { street: 'Brievenbuslaan 7', postal_code: '2511 AA', city: 'Den Haag', country: 'NL' }, locale: 'nl', timezone: 'Europe/Amsterdam' });
    expect(c).toEqual({ name: 'Pieter Post', organization: 'Post BV', addressLines: ['Brievenbuslaan 7', '2511 AA Den Haag', 'Netherlands'], email: 'pieter@example.nl', phone: '' });
    const html = debtorContactHtml(c);
    expect(html).toContain('<strong data-testid="debtor-name">Pieter Post</strong><br>Post BV<br>Brievenbuslaan 7<br>2511 AA Den Haag<br>Netherlands');
    expect(html).not.toMatch(/first_name|postal_code|locale|timezone/);
  });

  test('names and addresses are escaped', () => {
    expect(debtorContactHtml(debtorContact({ last_name: '<script>x</script>' }))).toContain('&lt;script&gt;');
  });
});

describe('the invoice state an invoice event carries is said once, not as a list of amounts', () => {
  const data = { amount_cents: 4_000, external_id: 'p1', source: 'partner', invoice_id: 'inv_1', status: 'open', amount_total_cents: 12_000, amount_paid_cents: 4_000, amount_credited_cents: 0, fees_cents: 0, amount_due_cents: 8_000, dunning_level: 0 };
  test('the sentence leaves the state out; the state reads as "open, €80.00 due"', () => {
    expect(eventDetails('invoice.payment_received', data, 'EUR')).toBe('Payment received: €40.00 (external id p1, via partner)');
    expect(stateAfterEvent(data, 'EUR')).toBe('Invoice then: open, €80.00 due');
    expect(stateAfterEvent({ level: 1 }, 'EUR')).toBe('');
  });
});

test('a case event says the case’s state once: "Case then: reviewing, €80.00 claimed, €0.00 collected"', () => {
  const data = { debt_collection_case_id: 'dcc_1', company_id: 'cmp_1', invoice_id: null, external_id: 'c-1', environment: 'production', source: 'manual', state: 'reviewing', currency: 'EUR', amount_cents: 8_000, collected_amount_cents: 0, close_reason: null, why: 'no configuration matched the case', configuration: null, configuration_version: 0 };
  expect(eventDetails('debt_case.review_required', data, 'EUR')).toBe('Review required: no configuration matched the case. Configuration version: 0');
  expect(stateAfterEvent(data, 'EUR')).toBe('Case then: reviewing, €80.00 claimed, €0.00 collected');
});
