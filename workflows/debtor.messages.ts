import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ContactGuardrails, DebtorContacts } from '../domain/debtor-contact';
import type { SendMessageInput } from '../activities/messaging';

/** Messages of the debtor's entity workflow (one contact budget per debtor): importable without the workflow. */

export type ContactChannel = 'email' | 'sms';

/** The parts of a message beyond its invoice, purpose and channel (what the step announces). */
export type ContactExtra = Pick<SendMessageInput, 'dunningLevel' | 'feeCents' | 'announcedFeeCents' | 'feePayBy' | 'statutoryFee' | 'installment'>;

/** An invoice workflow asks for one message of a step on its channels; answered with `contactCovered` (invoice.messages.ts). */
export interface ContactRequest {
  invoiceId: string;
  /** The step's purpose (`transmit`, `step2`, ...): with the invoice it identifies the request, and makes the send keys. */
  purpose: string;
  kind: SendMessageInput['kind'];
  channels: ContactChannel[];
  extra: ContactExtra;
  /** When the invoice asked (epoch ms). */
  requestedAt: number;
  /** The debtor's timezone as the invoice knows it now: the newest request's zone is the debtor's. */
  timezone: string;
  guardrails: ContactGuardrails;
  /** The debtor has other open invoices: wait the gathering window for their requests. */
  gather: boolean;
  /** That window in ms (`RECOUP_DEBTOR_GATHERING_WINDOW_MS`); absent in requests of earlier versions: `GATHERING_WINDOW_MS`. */
  gatherMs?: number;
}

export interface DebtorWorkflowInput {
  debtorId: string;
  /** Set when the workflow continued as new: what the previous run carried. */
  carry?: DebtorCarry;
}

export interface DebtorCarry {
  pending: ContactRequest[];
  contacts: DebtorContacts;
  /** The number of the last digest in this chain of runs (see digestIdOf). */
  digestSeq: number;
  timezone: string | null;
  guardrails: ContactGuardrails | null;
}

export interface DebtorContactState {
  pending: Array<Pick<ContactRequest, 'invoiceId' | 'purpose'>>;
  contacts: DebtorContacts;
  digestSeq: number;
  timezone: string | null;
}

export const contactRequested = defineSignal<[ContactRequest]>('contactRequested');
export const debtorContactState = defineQuery<DebtorContactState>('debtorContactState');

export function debtorWorkflowId(debtorId: string): string {
  return `debtor-${debtorId}`;
}

/**
 * A digest's id, the same in every attempt of its send: the debtor, the chain of runs (a debtor
 * workflow that finished and started afresh counts from 1 again) and the digest's number in it.
 */
export function digestIdOf(debtorId: string, firstRunId: string, seq: number): string {
  return `${debtorId}:${firstRunId}:digest${seq}`;
}
