import type { CollectorConditions, DebtCollectorConfiguration } from './debt-collector-configuration';

/*
 * Which debt collector configuration a case goes to, apart from the configurations' zod schema
 * (./debt-collector-configuration.ts): the debt case workflow imports this, and zod would be
 * evaluated again for each workflow the worker keeps cached.
 */

/** What a configuration's conditions are checked against. */
export interface CaseFacts {
  /** The amount the case is about (what is due), in minor units. */
  amountCents: number;
  currency: string;
  /** The debtor's country (ISO 3166-1 alpha-2), when known. */
  country?: string | null;
}

export function conditionsMatch(conditions: CollectorConditions, facts: CaseFacts): boolean {
  const { min_amount_cents: min, max_amount_cents: max, currencies, countries } = conditions;
  if (min !== undefined && facts.amountCents < min) return false;
  if (max !== undefined && facts.amountCents > max) return false;
  if (currencies && !currencies.includes(facts.currency.toUpperCase())) return false;
  // A country condition cannot be met by a case whose debtor country is unknown.
  if (countries && !(facts.country && countries.includes(facts.country.toUpperCase()))) return false;
  return true;
}

/** The first configuration whose conditions match, or null: then a person decides (review). */
export function matchCollectorConfiguration(configs: readonly DebtCollectorConfiguration[], facts: CaseFacts): DebtCollectorConfiguration | null {
  return configs.find((c) => conditionsMatch(c.conditions, facts)) ?? null;
}
