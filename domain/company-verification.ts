import type { BankAccount } from './schemas';

/** What a company's verification vouched for: who it is and where its money goes. */
export type VerifiedField = 'name' | 'bank_account';

export interface VerifiedDetails {
  name: string;
  bankAccount: BankAccount | null;
}

/**
 * The verified details a change would alter. Ops checked the name and the bank account against
 * the company's documents; once either differs, that check no longer holds and the company must
 * be verified again. Anything else (contact, locale, timezone, external id) changes nothing of it.
 * Sending the same values again is no change.
 */
export function changedVerifiedFields(current: VerifiedDetails, patch: { name?: string; bank_account?: BankAccount }): VerifiedField[] {
  const changed: VerifiedField[] = [];
  if (patch.name !== undefined && patch.name.trim() !== current.name.trim()) changed.push('name');
  if (patch.bank_account !== undefined && !sameBankAccount(current.bankAccount, patch.bank_account)) changed.push('bank_account');
  return changed;
}

function sameBankAccount(a: BankAccount | null, b: BankAccount): boolean {
  if (!a) return false;
  return a.iban === b.iban && (a.bic ?? null) === (b.bic ?? null) && a.holder.trim() === b.holder.trim();
}
