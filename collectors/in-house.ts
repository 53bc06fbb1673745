import type { DebtCollector } from './types';

/** The partner's own people work the case: it stays `processing` until they add amounts and close it. */
export function inHouseCollector(): DebtCollector {
  return {
    kind: 'in_house',
    async handOff() {
      return { delivery: 'in_house' };
    },
  };
}
