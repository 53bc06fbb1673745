import { isFinalStatus, type InvoiceStatus } from './invoice-status';
import type { DebtCollectorConfiguration, DebtCollectorKind } from './debt-collector-configuration';
import { matchCollectorConfiguration, type CaseFacts } from './collector-matching';

/**
 * The life of a debt collection case, as pure rules: the case workflow and the API both ask these
 * functions what may happen next, and unit tests call them directly.
 *
 * preparing → (mark prepared: the first matching configuration decides) → reviewing → processing → closed
 *                                                                       ↘ processing ↗
 */
export const debtCaseStates = ['preparing', 'reviewing', 'processing', 'closed'] as const;
export type DebtCaseStateName = (typeof debtCaseStates)[number];

export const debtCaseCloseReasons = ['collected', 'partially_collected', 'uncollectible', 'rejected', 'withdrawn'] as const;
export type DebtCaseCloseReason = (typeof debtCaseCloseReasons)[number];

export const debtCaseEnvironments = ['test', 'production'] as const;
export type DebtCaseEnvironment = (typeof debtCaseEnvironments)[number];

export type DebtCaseSource = 'dunning' | 'manual' | 'chargeback';

/** Failure types raised by the case workflow's validators; the API answers them with these statuses. */
export const DebtCaseFailure = {
  closed: 'debt_case_closed',
  notPreparing: 'debt_case_not_preparing',
  notReviewing: 'debt_case_not_reviewing',
  notProcessing: 'debt_case_not_processing',
  handedOff: 'debt_case_handed_off',
  exceedsOutstanding: 'collected_amount_exceeds_outstanding',
  duplicateCollectedAmount: 'collected_amount_duplicate',
  closeReasonMismatch: 'close_reason_mismatch',
} as const;
export type DebtCaseFailureType = (typeof DebtCaseFailure)[keyof typeof DebtCaseFailure];

/** What kind of refusal each failure is (api/errors.ts maps the kind to a status). */
export const debtCaseFailureKind: Record<DebtCaseFailureType, 'conflict' | 'unprocessable'> = {
  debt_case_closed: 'conflict',
  debt_case_not_preparing: 'conflict',
  debt_case_not_reviewing: 'conflict',
  debt_case_not_processing: 'conflict',
  debt_case_handed_off: 'conflict',
  collected_amount_exceeds_outstanding: 'unprocessable',
  collected_amount_duplicate: 'conflict',
  close_reason_mismatch: 'unprocessable',
};

export interface DebtCaseProblem {
  type: DebtCaseFailureType;
  message: string;
}

/** What the case chose at preparation, without the collector's settings (they may hold secrets). */
export interface CollectorChoice {
  name: string;
  collector: DebtCollectorKind;
  reviewRequired: boolean;
  configurationVersion: number;
}

/** The case as its workflow holds it: plain data, carried over continue-as-new. */
export interface DebtCaseState {
  state: DebtCaseStateName;
  amountCents: number;
  collectedAmountCents: number;
  /** How many collected amounts were recorded; the next one is number `collections + 1`. */
  collections: number;
  /** The collector's own ids of the amounts it reported, so a resent callback counts once. */
  collectorReferences: string[];
  closeReason: DebtCaseCloseReason | null;
  reviewRequired: boolean | null;
  /** null before preparation, and after it when no configuration matched (a person decides). */
  collector: CollectorChoice | null;
  handedOff: boolean;
  /** The hand-off was given up on after its retries (the collector kept refusing or was unreachable). */
  handOffFailed: boolean;
}

export function initialDebtCaseState(amountCents: number): DebtCaseState {
  return {
    state: 'preparing',
    amountCents,
    collectedAmountCents: 0,
    collections: 0,
    collectorReferences: [],
    closeReason: null,
    reviewRequired: null,
    collector: null,
    handedOff: false,
    handOffFailed: false,
  };
}

export function outstandingCents(s: Pick<DebtCaseState, 'amountCents' | 'collectedAmountCents'>): number {
  return Math.max(0, s.amountCents - s.collectedAmountCents);
}

export interface PreparationDecision {
  /** The configuration that matched, or null: then the case waits for a reviewer. */
  configuration: DebtCollectorConfiguration | null;
  reviewRequired: boolean;
  next: 'reviewing' | 'processing';
}

/** At mark-prepared: the first matching configuration picks the collector and whether review is required. */
export function decidePreparation(configurations: readonly DebtCollectorConfiguration[], facts: CaseFacts): PreparationDecision {
  const configuration = matchCollectorConfiguration(configurations, facts);
  const reviewRequired = configuration === null || configuration.review_required;
  return { configuration, reviewRequired, next: reviewRequired ? 'reviewing' : 'processing' };
}

/** Approved without a matching configuration: the partner's own people work the case. */
export const fallbackCollector: DebtCollectorKind = 'in_house';

const closedProblem = (s: DebtCaseState): DebtCaseProblem | null =>
  s.state === 'closed' ? { type: DebtCaseFailure.closed, message: `the case is closed (${s.closeReason ?? 'closed'})` } : null;

export function markPreparedProblem(s: DebtCaseState): DebtCaseProblem | null {
  return closedProblem(s) ?? (s.state === 'preparing' ? null : { type: DebtCaseFailure.notPreparing, message: `the case is ${s.state}, not preparing` });
}

export function reviewProblem(s: DebtCaseState): DebtCaseProblem | null {
  return closedProblem(s) ?? (s.state === 'reviewing' ? null : { type: DebtCaseFailure.notReviewing, message: `the case is ${s.state}, not awaiting review` });
}

export function collectedAmountProblem(s: DebtCaseState, amountCents: number, collectorReference?: string): DebtCaseProblem | null {
  if (collectorReference !== undefined && s.collectorReferences.includes(collectorReference)) {
    return { type: DebtCaseFailure.duplicateCollectedAmount, message: `the collected amount ${collectorReference} is already recorded` };
  }
  const closed = closedProblem(s);
  if (closed) return closed;
  if (s.state !== 'processing') return { type: DebtCaseFailure.notProcessing, message: `the case is ${s.state}: collected amounts are added while it is processing` };
  const outstanding = outstandingCents(s);
  if (amountCents > outstanding) {
    return { type: DebtCaseFailure.exceedsOutstanding, message: `a collected amount of ${amountCents} exceeds the outstanding ${outstanding}` };
  }
  return null;
}

/**
 * Which close reasons fit the case:
 * - `collected`: processing, and the collected amounts add up to the whole amount;
 * - `partially_collected`: processing, something but not everything collected;
 * - `uncollectible`: processing, nothing collected (otherwise it is partially collected);
 * - `rejected`: not yet handed to a collector (preparing or reviewing);
 * - `withdrawn`: any open case (the partner withdraws it, or the debtor paid the invoice).
 */
export function closeProblem(s: DebtCaseState, reason: DebtCaseCloseReason): DebtCaseProblem | null {
  const closed = closedProblem(s);
  if (closed) return closed;
  const mismatch = (message: string): DebtCaseProblem => ({ type: DebtCaseFailure.closeReasonMismatch, message });
  switch (reason) {
    case 'withdrawn':
      return null;
    case 'rejected':
      return s.state === 'processing' ? { type: DebtCaseFailure.handedOff, message: 'the case is with its collector: close it with the collection outcome or withdraw it' } : null;
    case 'collected':
    case 'partially_collected':
    case 'uncollectible': {
      if (s.state !== 'processing') return { type: DebtCaseFailure.notProcessing, message: `the case is ${s.state}: only a processing case closes with a collection outcome` };
      const collected = s.collectedAmountCents;
      if (reason === 'collected' && collected < s.amountCents) {
        return mismatch(`only ${collected} of ${s.amountCents} is collected: add the collected amounts first, or close as partially_collected`);
      }
      if (reason === 'partially_collected' && collected === 0) return mismatch('nothing is collected: close as uncollectible');
      if (reason === 'partially_collected' && collected >= s.amountCents) return mismatch('the whole amount is collected: close as collected');
      if (reason === 'uncollectible' && collected > 0) return mismatch(`${collected} is collected: close as partially_collected`);
      return null;
    }
  }
}

/** The final status a closed case gives its invoice: collected, or written off for what was not recovered. */
export function invoiceOutcomeOfClose(reason: DebtCaseCloseReason): 'collected' | 'written_off' | null {
  switch (reason) {
    case 'collected':
      return 'collected';
    case 'partially_collected':
    case 'uncollectible':
      return 'written_off';
    case 'rejected':
    case 'withdrawn':
      return null;
  }
}

/**
 * The status an invoice row takes when its case closes and its workflow no longer runs: `collected`
 * also over `paid` (the collector's payments paid it), never over another final status; null: unchanged.
 */
export function invoiceStatusAfterCollection(current: InvoiceStatus, outcome: 'collected' | 'written_off'): InvoiceStatus | null {
  if (current === 'draft') return null;
  if (outcome === 'collected' && current === 'paid') return 'collected';
  return isFinalStatus(current) ? null : outcome;
}

/** The debtor's country of a case's billing address (the create body's, or an invoice debtor's address). */
export function billingCountryOf(details: Record<string, unknown>): string | null {
  const address = details.billing_address as { country?: unknown; address?: { country?: unknown } } | undefined;
  const country = address?.country ?? address?.address?.country;
  return typeof country === 'string' ? country.toUpperCase() : null;
}

/**
 * Whether the company's own admins may decide a case's review (in the dashboard): it awaits
 * review and the configuration chosen at mark-prepared (the case's copy) lets the company review.
 */
export function companyMayReview(c: { state: DebtCaseStateName; collector: { company_may_review?: boolean } | null }): boolean {
  return c.state === 'reviewing' && c.collector?.company_may_review === true;
}
