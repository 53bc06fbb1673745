import { feeCents, wikFeeCents, WIK_MAX_CENTS, WIK_MIN_CENTS } from '../../domain/fees';

describe('statutory Dutch collection fee (WIK scale)', () => {
  test.each([
    ['a small principal pays the minimum of €40', 10_000, 4_000],
    ['15% of the first €2,500', 250_000, 37_500],
    ['plus 10% of the next €2,500', 500_000, 62_500],
    ['plus 5% of the next €5,000', 1_000_000, 87_500],
    ['plus 1% of the next €190,000', 20_000_000, 277_500],
    ['plus 0.5% above €200,000', 30_000_000, 327_500],
    ['capped at €6,775', 1_000_000_000, 677_500],
    ['€266.67 (a tier boundary just above the minimum)', 26_667, 4_000],
    ['€1,000 → €150', 100_000, 15_000],
  ])('%s', (_label, principal, fee) => {
    expect(wikFeeCents(principal)).toBe(fee);
  });

  test('never below the minimum nor above the maximum, and never decreasing with the principal', () => {
    let previous = 0;
    for (let principal = 0; principal <= 200_000_000; principal += 123_457) {
      const fee = wikFeeCents(principal);
      expect(fee).toBeGreaterThanOrEqual(WIK_MIN_CENTS);
      expect(fee).toBeLessThanOrEqual(WIK_MAX_CENTS);
      expect(fee).toBeGreaterThanOrEqual(previous);
      previous = fee;
    }
  });
});

describe('step fees', () => {
  test.each([
    ['no fee', undefined, 10_000, 0],
    ['a fixed fee', { type: 'fixed' as const, amount_cents: 750 }, 10_000, 750],
    ['a percentage, rounded to the cent', { type: 'percentage' as const, percent: 2.5 }, 10_001, 250],
    ['the WIK scale', { type: 'wik' as const }, 100_000, 15_000],
  ])('%s', (_label, fee, principal, expected) => {
    expect(feeCents(fee, principal)).toBe(expected);
  });
});
