import { amountDue, overpayment, type InvoiceAmounts } from './amounts';
import { isFinalStatus, type InvoiceStatus } from './invoice-status';

/**
 * Pure transitions of an invoice under collection. The workflow holds this state,
 * applies these functions, and has activities persist the result.
 */
export interface CollectionState extends InvoiceAmounts {
  status: InvoiceStatus;
  /** The status to return to when a hold is lifted. */
  statusBeforeHold: InvoiceStatus | null;
  dunningLevel: number;
  nextActionAt: number | null;
  pastDue: boolean;
}

export function initialCollectionState(amountTotalCents: number): CollectionState {
  return {
    status: 'open',
    statusBeforeHold: null,
    amountTotalCents,
    amountPaidCents: 0,
    amountCreditedCents: 0,
    feesCents: 0,
    dunningLevel: 0,
    nextActionAt: null,
    pastDue: false,
  };
}

/** The status an unpaid, running invoice has on its own. */
function runningStatus(s: CollectionState): InvoiceStatus {
  if (s.status === 'in_debt_collection') return s.status;
  return s.pastDue ? 'overdue' : 'open';
}

export function applyPayment(s: CollectionState, amountCents: number): CollectionState {
  const next = { ...s, amountPaidCents: s.amountPaidCents + amountCents };
  return amountDue(next) === 0 ? { ...next, status: 'paid', nextActionAt: null } : next;
}

export function applyCredit(s: CollectionState, amountCents: number): CollectionState {
  const next = { ...s, amountCreditedCents: s.amountCreditedCents + amountCents };
  return amountDue(next) === 0 ? { ...next, status: 'credited', nextActionAt: null } : next;
}

export function applyRetract(s: CollectionState): CollectionState {
  return { ...s, status: 'retracted', nextActionAt: null };
}

export function applyFee(s: CollectionState, feeCents: number, dunningLevel: number): CollectionState {
  return { ...s, feesCents: s.feesCents + feeCents, dunningLevel: Math.max(s.dunningLevel, dunningLevel) };
}

export function applyPastDue(s: CollectionState): CollectionState {
  const next = { ...s, pastDue: true };
  return s.status === 'open' ? { ...next, status: runningStatus(next) } : next;
}

export function applyDebtCollection(s: CollectionState): CollectionState {
  return { ...s, status: 'in_debt_collection', nextActionAt: null };
}

export function applyHold(s: CollectionState): CollectionState {
  return { ...s, status: 'on_hold', statusBeforeHold: s.status };
}

export function applyResume(s: CollectionState): CollectionState {
  return { ...s, status: s.statusBeforeHold ?? runningStatus(s), statusBeforeHold: null };
}

/** The debtor contests the invoice: everything automated pauses until the dispute is resolved. */
export function applyDispute(s: CollectionState): CollectionState {
  return { ...s, status: 'disputed', statusBeforeHold: s.status };
}

export function isClosed(s: CollectionState): boolean {
  return isFinalStatus(s.status);
}

export function snapshotOf(s: CollectionState) {
  return {
    status: s.status,
    amountTotalCents: s.amountTotalCents,
    amountPaidCents: s.amountPaidCents,
    amountCreditedCents: s.amountCreditedCents,
    feesCents: s.feesCents,
    amountDueCents: amountDue(s),
    overpaidCents: overpayment(s),
    dunningLevel: s.dunningLevel,
    nextActionAt: s.nextActionAt === null ? null : new Date(s.nextActionAt).toISOString(),
  };
}
