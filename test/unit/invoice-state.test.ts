import { amountDue, overpayment } from '../../domain/amounts';
import {
  applyCredit,
  applyFee,
  applyHold,
  applyPastDue,
  applyPayment,
  applyResume,
  initialCollectionState,
  type CollectionState,
} from '../../domain/invoice-state';

/** A small deterministic generator, so a failing sequence can be replayed from its seed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('invoice amounts', () => {
  test('paid + credited + due = total + fees (plus overpayment), and due is never negative, over random histories', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      let s: CollectionState = initialCollectionState(1 + Math.floor(next() * 100_000));
      for (let i = 0; i < 12 && s.status !== 'paid' && s.status !== 'credited'; i++) {
        const r = next();
        const amount = 1 + Math.floor(next() * 40_000);
        if (r < 0.4) s = applyPayment(s, amount);
        else if (r < 0.6) s = applyCredit(s, Math.min(amount, amountDue(s)));
        else if (r < 0.8) s = applyFee(s, Math.floor(amount / 10), s.dunningLevel + 1);
        else s = applyPastDue(s);
        const due = amountDue(s);
        expect(due).toBeGreaterThanOrEqual(0);
        expect(s.amountPaidCents + s.amountCreditedCents + due).toBe(s.amountTotalCents + s.feesCents + overpayment(s));
        if (due === 0) expect(['paid', 'credited']).toContain(s.status);
      }
    }
  });

  test.each([
    ['a payment of the whole amount', (s: CollectionState) => applyPayment(s, 10_000), 'paid'],
    ['an overpayment, kept apart', (s: CollectionState) => applyPayment(s, 12_000), 'paid'],
    ['a partial payment', (s: CollectionState) => applyPayment(s, 4_000), 'open'],
    ['a full credit', (s: CollectionState) => applyCredit(s, 10_000), 'credited'],
    ['a partial credit then the rest paid', (s: CollectionState) => applyPayment(applyCredit(s, 3_000), 7_000), 'paid'],
    ['the due date passing', (s: CollectionState) => applyPastDue(s), 'overdue'],
    ['a hold', (s: CollectionState) => applyHold(applyPastDue(s)), 'on_hold'],
    ['a hold lifted', (s: CollectionState) => applyResume(applyHold(applyPastDue(s))), 'overdue'],
  ])('%s', (_label, change, status) => {
    expect(change(initialCollectionState(10_000)).status).toBe(status);
  });

  test('an overpayment is recorded, not lost', () => {
    expect(overpayment(applyPayment(initialCollectionState(10_000), 12_000))).toBe(2_000);
  });
});
