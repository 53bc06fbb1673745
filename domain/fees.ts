import type { Fee } from './dunning-policy';

/** Tiers of the Dutch WIK scale (Besluit vergoeding voor buitengerechtelijke incassokosten), in cents. */
const wikTiers: ReadonlyArray<{ upTo: number; rate: number }> = [
  { upTo: 250_000, rate: 0.15 },
  { upTo: 500_000, rate: 0.1 },
  { upTo: 1_000_000, rate: 0.05 },
  { upTo: 20_000_000, rate: 0.01 },
  { upTo: Number.POSITIVE_INFINITY, rate: 0.005 },
];
export const WIK_MIN_CENTS = 4_000;
export const WIK_MAX_CENTS = 677_500;

/** The statutory collection fee on a principal, rounded to the cent. */
export function wikFeeCents(principalCents: number): number {
  let fee = 0;
  let lower = 0;
  for (const tier of wikTiers) {
    if (principalCents <= lower) break;
    fee += (Math.min(principalCents, tier.upTo) - lower) * tier.rate;
    lower = tier.upTo;
  }
  return Math.min(WIK_MAX_CENTS, Math.max(WIK_MIN_CENTS, Math.round(fee)));
}

/** The fee a step charges on the outstanding principal. */
export function feeCents(fee: Fee | undefined, principalCents: number): number {
  if (!fee) return 0;
  switch (fee.type) {
    case 'fixed':
      return fee.amount_cents;
    case 'percentage':
      return Math.round((principalCents * fee.percent) / 100);
    case 'wik':
      return wikFeeCents(principalCents);
  }
}
