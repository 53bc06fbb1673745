import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SendMessageResult } from '../activities/messaging';
import type { DebtorContactRequest } from '../activities/debtor-contact';
import type { EventType } from '../domain/events';
import type { Channel } from '../domain/dunning-policy';
import {
  afterAction,
  allowedSendTime,
  fallbackPurpose,
  feeAwaitingLetter,
  feeNoticeAccepted,
  initialPlanState,
  migratePlanState,
  nextPlannedAction,
  SMS_DELIVERY_REPORT_WAIT_MS,
  startPacedPlan,
  stepPurpose,
  type PlanContext,
  type PlanState,
  type PlannedAction,
} from '../domain/dunning-plan';
import { feeNoticeDays, minDaysBetweenContacts } from '../domain/dunning-policy-rules';
import { nextActionNote, type NextActionNote } from '../domain/next-action';
import { feeNoticePeriod, type GuardrailCheck } from '../domain/guardrails';
import { amountDue, fitsAmountColumn, MAX_AMOUNT_CENTS } from '../domain/amounts';
import { addDays, isValidTimezone, localDateTime, localTimeToUtc } from '../domain/local-time';
import { paymentPlanProblem, promiseToPayProblem, schedulePaymentPlan } from '../domain/payment-plan';
import {
  applyCredit,
  applyDebtCollection,
  applyDispute,
  applyFee,
  applyHold,
  applyPastDue,
  applyPayment,
  applyResume,
  applyRetract,
  initialCollectionState,
  isClosed,
  snapshotOf,
  type CollectionState,
} from '../domain/invoice-state';
import { AmountDueCents, DunningLevel, InvoiceStatus, NextActionAt } from '../temporal/search-attributes';
import {
  applyInvoiceChanges,
  closeByCollection,
  contactChanged,
  contactCovered,
  createPaymentPlan,
  creditAndRetractInvoice,
  creditInvoice,
  disputeInvoice,
  endPaymentPlan,
  holdInvoice,
  InvoiceFailure,
  invoiceState,
  promiseToPay,
  registerPayment,
  resolveDispute,
  resumeInvoice,
  retractInvoice,
  reversePayment,
  vulnerabilityChanged,
  type ContactCovered,
  type CreditRequest,
  type HoldRequest,
  type InvoiceChange,
  type InvoiceChangeResult,
  type InvoiceSnapshot,
  type PaymentRequest,
  type RetractRequest,
  type ReversePaymentRequest,
  type InvoiceWorkflowInput,
  type PaymentPlanState,
  type PromiseState,
} from './invoice.messages';
import { conditionOrTimeout } from './condition-or-timeout';

const { persistInvoiceChange, openDebtCollectionCase, notifyDebtCaseOfInvoicePayment, endAccountPlan } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});
// A batch's writes (one short transaction) run in the worker that applied the batch: the Update
// answers in one workflow task instead of a task, an activity task and another task.
const { persistInvoiceChanges } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});
const { noticeDelivery } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});
const { sendInvoiceMessage } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes', backoffCoefficient: 2 },
});
const { requestDebtorContact } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

type MessageKind = 'invoice_notice' | 'reminder' | 'dunning_notice' | 'installment_reminder';
type InvoiceChangeWrite = Parameters<Activities['persistInvoiceChange']>[0];
type Ledger = InvoiceChangeWrite['ledgerEntry'];
type NewEvent = { type: EventType; data?: Record<string, unknown> };

/** How long a step waits for its debtor's workflow to answer before it asks again. */
const DEBTOR_CONTACT_REASK_MS = 24 * 60 * 60 * 1000;

/** Continue as new well before the history limits, carrying the state. */
const HISTORY_EVENTS_BEFORE_CONTINUE = 5_000;

/** The guardrail a skipped message is recorded under, by the activity's reason (data only: replays are unaffected). */
const skipCheck: Record<Extract<SendMessageResult, { status: 'skipped' }>['reason'], GuardrailCheck['check']> = {
  no_email: 'no_contact_details',
  no_phone: 'no_contact_details',
  opted_out: 'opt_out',
  email_undeliverable: 'email_undeliverable',
  sms_not_configured: 'channel_not_configured',
  no_address: 'no_contact_details',
  vulnerable: 'vulnerable',
  disputed: 'disputed',
};

/** The channels of a step that go through the debtor's workflow (letters stay per invoice). */
function remoteChannels(channels: readonly Channel[]): Array<'email' | 'sms'> {
  return channels.filter((c): c is 'email' | 'sms' => c !== 'letter');
}

function fail(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/**
 * One invoice's whole collection: the invoice notice, then the company's policy step by step
 * (reminders, dunning levels and fees, the statutory-fee notice, debt collection), while
 * payments, credits, retractions, holds, promises to pay and payment plans arrive as updates.
 * Ends when the invoice is paid, credited, retracted or closed by collection.
 */
export async function invoiceWorkflow(input: InvoiceWorkflowInput): Promise<InvoiceSnapshot> {
  const resume = input.resume;
  // Decided once per invoice: a run handed over by continue-as-new keeps what its first run decided.
  const paced = resume ? (resume.paced ?? false) : patched('notice-pacing');
  // Decided once per invoice too: email and SMS go through the debtor's workflow (one contact budget per debtor).
  const debtorBudget = resume ? (resume.debtorBudget ?? false) : patched('debtor-contact-budget');
  // The debtor's timezone: a contact change (contactChanged) moves it, and every later time is read in the new one.
  let timezone = input.timezone;
  let ctx: PlanContext = { policy: input.policy, dueDate: input.dueDate, timezone, consumer: input.consumer ?? true, ...(paced ? { paced } : {}) };
  let state: CollectionState = resume?.state ?? initialCollectionState(input.amountTotalCents);
  let plan: PlanState = resume ? migratePlanState(resume.plan) : initialPlanState();
  let revision = resume?.revision ?? 0;
  let promise: PromiseState | null = resume?.promise ?? null;
  let paymentPlan: PaymentPlanState | null = resume?.paymentPlan ?? null;
  /** Set only for a hold taken before one pause clock (patch `one-pause-clock`): it keeps a clock of its own. */
  let heldSince: number | null = resume?.heldSince ?? null;
  /** The open dispute (status `disputed`) and the debtor's vulnerability flag: either pauses every automated step and fee. */
  let disputeId: string | null = resume?.disputeId ?? null;
  let vulnerable = resume ? (resume.vulnerable ?? false) : (input.vulnerable ?? false);
  /** Since when the policy's clock stands still for a hold, a dispute or the flag: later steps move by that time when the last ends. */
  let pausedSince: number | null = resume ? (resume.pausedSince ?? null) : vulnerable ? Date.now() : null;
  /** Counts applied timezone changes: a wait computed in the old zone ends early and is computed again. */
  let contactChanges = 0;
  /** Another invoice of this invoice's account plan broke it (endPaymentPlan): the plan ends here too. */
  let accountPlanEnded: { accountPlanId: string; brokenOn: string } | null = null;

  const today = (): string => localDateTime(Date.now(), timezone).date;
  const principal = (): number => Math.max(0, state.amountTotalCents - state.amountPaidCents - state.amountCreditedCents);

  /** Applies a new state in memory at once, then persists it with its events and ledger entry. */
  async function commit(next: CollectionState, label: string, events: NewEvent[], ledgerEntry?: Ledger, nextAction?: NextActionNote | null): Promise<InvoiceSnapshot> {
    const change = apply(next, label, events, ledgerEntry, nextAction);
    // Inside a batch (applyInvoiceChanges) the write waits for the batch's one activity.
    if (batchWrites) batchWrites.push(change);
    else await persistInvoiceChange(change);
    return change.snapshot;
  }

  /** The invoice's search attributes and memo, from its state now. */
  function publishState(): void {
    const snapshot = snapshotOf(state);
    upsertSearchAttributes([
      { key: InvoiceStatus, value: snapshot.status },
      { key: AmountDueCents, value: snapshot.amountDueCents },
      { key: DunningLevel, value: snapshot.dunningLevel },
      { key: NextActionAt, value: state.nextActionAt === null ? null : new Date(state.nextActionAt) },
    ]);
    // Added after the first histories were recorded: running workflows replay without it.
    if (patched('invoice-memo')) {
      upsertMemo({ status: snapshot.status, amount_due_cents: snapshot.amountDueCents, dunning_level: snapshot.dunningLevel, policy_version: input.policyVersion, due_date: input.dueDate });
    }
  }

  /** Publishes the state a batch's changes left, when one of them held it back. */
  function publishPendingState(): void {
    if (!statePending) return;
    statePending = false;
    publishState();
  }

  /** Applies a new state in memory (search attributes and memo too): answers the change to persist. */
  function apply(next: CollectionState, label: string, events: NewEvent[], ledgerEntry?: Ledger, nextAction?: NextActionNote | null): InvoiceChangeWrite {
    state = next;
    revision += 1;
    const snapshot = snapshotOf(state);
    // In a batch whose writes wait for its one activity, the state is published once, with them.
    if (batchWrites && batchPublishesOnce) statePending = true;
    else publishState();
    return {
      invoiceId: input.invoiceId,
      partnerId: input.partnerId,
      companyId: input.companyId,
      revision,
      changeKey: `${revision}:${label}`,
      snapshot,
      policyVersion: revision === 1 ? input.policyVersion : undefined,
      ledgerEntry,
      events: events.map((e) => ({ type: e.type, data: e.data ?? {} })),
      ...(nextAction !== undefined ? { nextAction } : {}),
    };
  }

  /**
   * While a batch (applyInvoiceChanges) applies a change: the writes of its commits, persisted
   * together by `writeBatch`. Null whenever the batch waits, so other commits meanwhile persist alone.
   */
  let batchWrites: InvoiceChangeWrite[] | null = null;
  /** Whether this batch publishes the state once for all its changes (see `applyInvoiceChanges`). */
  let batchPublishesOnce = false;
  /** A change of the batch is applied but its search attributes and memo are not written yet. */
  let statePending = false;

  /** Persists the batch's writes so far in one activity, after publishing the state they leave. */
  async function writeBatch(): Promise<void> {
    publishPendingState();
    const writes = batchWrites ?? [];
    batchWrites = null;
    if (writes.length) await persistInvoiceChanges(writes);
  }

  /** The status an unpaid invoice returns to when an arrangement ends. */
  const runningStatus = (): CollectionState['status'] => (state.pastDue ? 'overdue' : 'open');
  const onHold = (): boolean => state.status === 'on_hold';
  const paused = (): boolean => disputeId !== null || vulnerable;
  /** Whatever stops the policy's clock: a dispute, the flag, or a hold on the same clock (heldSince marks one on its own). */
  const clockStopped = (): boolean => paused() || (onHold() && heldSince === null);

  function startPause(): void {
    if (pausedSince === null) pausedSince = Date.now();
  }

  /**
   * Ends the pause once nothing holds it (no hold, dispute or flag): the policy's clock moves on,
   * later steps by the paused time, so overlapping pauses count once.
   */
  function endPause(): number {
    if (clockStopped() || pausedSince === null) return 0;
    const pausedMs = Date.now() - pausedSince;
    pausedSince = null;
    plan = { ...plan, shiftMs: plan.shiftMs + pausedMs };
    return pausedMs;
  }

  function rejectIfClosed(): void {
    if (isClosed(state)) fail(InvoiceFailure.closed, `invoice is ${state.status}`);
  }

  function rejectArrangement(): void {
    rejectIfClosed();
    if (state.status === 'on_hold') fail(InvoiceFailure.alreadyOnHold, 'invoice is on hold');
    if (state.status === 'disputed') fail(InvoiceFailure.disputeOpen, 'the invoice is disputed');
    if (promise || paymentPlan) fail(InvoiceFailure.arrangementInPlace, 'a promise to pay or payment plan is already in place');
    if (state.status === 'in_debt_collection') fail(InvoiceFailure.notAllowedByPolicy, 'the invoice is in debt collection');
  }

  setHandler(invoiceState, () => snapshotOf(state));

  /** The debtor workflow's answers to this invoice's requests for contact, by purpose. */
  const covered = new Map<string, ContactCovered>();
  setHandler(contactCovered, (c) => {
    covered.set(c.purpose, c);
  });

  setHandler(
    contactChanged,
    (c) => {
      // Marks the runs whose timezone changed mid-life: the wait it cuts short and the times computed after it are new commands.
      if (c.timezone !== timezone && patched('debtor-timezone')) {
        timezone = c.timezone;
        ctx = { ...ctx, timezone };
        contactChanges += 1;
      }
      return snapshotOf(state);
    },
    {
      validator: (c) => {
        rejectIfClosed();
        // Refused before it enters history: a zone the workflow cannot read would fail every later step.
        if (!isValidTimezone(c.timezone)) fail(InvoiceFailure.invalidTimezone, `${c.timezone} is not an IANA timezone`);
      },
    },
  );

  /**
   * Update ids this run applied (payments alone, and every change of a batch): a batch's change
   * with one of them, or a payment whose id a batch applied, is not applied again, as Temporal does
   * not apply an update id twice in a run. Memory only: nothing enters the history.
   */
  const appliedKeys = new Set<string>();

  /** The updates a batch (applyInvoiceChanges) may carry: each validated and applied as its own update is. */
  const changes = {
    payment: {
      validator: (p: PaymentRequest): void => {
        rejectIfClosed();
        // Refused before it enters history: persisting it would fail at the database.
        if (!fitsAmountColumn(state.amountPaidCents + p.amountCents)) fail(InvoiceFailure.amountOutOfRange, `the payments of this invoice would add up to more than ${MAX_AMOUNT_CENTS} cents`);
      },
      handler: async (p: PaymentRequest): Promise<InvoiceSnapshot> => {
        const next = applyPayment(state, p.amountCents);
        const events: NewEvent[] = [{ type: 'invoice.payment_received', data: { amount_cents: p.amountCents, external_id: p.externalId, source: p.source } }];
        if (next.status === 'paid') events.push({ type: 'invoice.paid', data: { overpaid_cents: snapshotOf(next).overpaidCents } });
        const wasInDebtCollection = state.status === 'in_debt_collection';
        const snapshot = await commit(next, `payment:${p.externalId}`, events, { kind: 'payment', amountCents: p.amountCents, externalId: p.externalId, occurredAt: p.paidAt });
        // A debtor paying the invoice while its case is with a collector withdraws the case.
        if (wasInDebtCollection && next.status === 'paid' && patched('notify-debt-case-on-payment')) {
          // In a batch, the payment is stored before the case hears of it, as alone.
          if (batchWrites) await writeBatch();
          await notifyDebtCaseOfInvoicePayment({ invoiceId: input.invoiceId, source: p.source, paymentExternalId: p.externalId });
        }
        return snapshot;
      },
    },
    credit: {
      validator: (c: CreditRequest): void => {
        rejectIfClosed();
        const due = amountDue(state);
        if (c.amountCents > due) fail(InvoiceFailure.creditExceedsDue, `credit of ${c.amountCents} exceeds the amount due of ${due}`);
      },
      handler: async (c: CreditRequest): Promise<InvoiceSnapshot> =>
        commit(applyCredit(state, c.amountCents), `credit:${c.creditId}`, [{ type: 'invoice.credited', data: { credit_cents: c.amountCents, reason: c.reason ?? null } }], { kind: 'credit', amountCents: c.amountCents, reason: c.reason }),
    },
    retract: {
      validator: (_r: RetractRequest): void => rejectIfClosed(),
      handler: async (r: RetractRequest): Promise<InvoiceSnapshot> => commit(applyRetract(state), 'retract', [{ type: 'invoice.retracted', data: { reason: r.reason ?? null } }]),
    },
    hold: {
      validator: (_h: HoldRequest): void => {
        rejectIfClosed();
        if (state.status === 'on_hold') fail(InvoiceFailure.alreadyOnHold, 'invoice is already on hold');
        // A hold would overwrite the status the dispute returns to; the dispute pauses everything already.
        if (state.status === 'disputed') fail(InvoiceFailure.disputeOpen, 'the invoice is disputed');
      },
      handler: async (h: HoldRequest): Promise<InvoiceSnapshot> => {
        // One clock for every pause: a hold overlapping the flag moves later steps once, by the time
        // anything held. Runs that held before it gave the hold a clock of its own (counted twice).
        if (patched('one-pause-clock')) startPause();
        else heldSince = Date.now();
        return commit(applyHold(state), 'hold', [{ type: 'invoice.on_hold', data: { reason: h.reason ?? null } }]);
      },
    },
    resume: {
      validator: (): void => {
        rejectIfClosed();
        if (state.status !== 'on_hold') fail(InvoiceFailure.notOnHold, 'invoice is not on hold');
      },
      handler: async (): Promise<InvoiceSnapshot> => {
        const resumed = applyResume(state);
        let heldMs: number;
        if (heldSince !== null) {
          // A hold on its own clock: later steps move by the time spent on hold.
          heldMs = Date.now() - heldSince;
          heldSince = null;
          plan = { ...plan, shiftMs: plan.shiftMs + heldMs };
        } else {
          // Off hold first: the clock moves on (and later steps) only if no dispute or flag still holds it.
          state = resumed;
          heldMs = endPause();
        }
        return commit(resumed, 'resume', [{ type: 'invoice.resumed', data: { held_ms: heldMs } }]);
      },
    },
  };

  setHandler(
    registerPayment,
    async (p) => {
      const key = currentUpdateInfo()?.id;
      if (key !== undefined && appliedKeys.has(key)) return snapshotOf(state);
      if (key !== undefined) appliedKeys.add(key);
      return changes.payment.handler(p);
    },
    {
      validator: (p) => {
        const key = currentUpdateInfo()?.id;
        if (key === undefined || !appliedKeys.has(key)) changes.payment.validator(p);
      },
    },
  );

  setHandler(creditInvoice, changes.credit.handler, { validator: changes.credit.validator });

  setHandler(retractInvoice, changes.retract.handler, { validator: changes.retract.validator });

  setHandler(
    creditAndRetractInvoice,
    async (r) => {
      const outstanding = amountDue(state);
      const credited = { ...state, amountCreditedCents: state.amountCreditedCents + outstanding };
      return commit(
        applyRetract(credited),
        `credit_and_retract:${r.creditId}`,
        [
          { type: 'invoice.credited', data: { credit_cents: outstanding, reason: r.reason ?? null } },
          { type: 'invoice.retracted', data: { reason: r.reason ?? null } },
        ],
        outstanding > 0 ? { kind: 'credit', amountCents: outstanding, reason: r.reason } : undefined,
      );
    },
    { validator: (_r) => rejectIfClosed() },
  );

  setHandler(holdInvoice, changes.hold.handler, { validator: changes.hold.validator });

  setHandler(resumeInvoice, changes.resume.handler, { validator: changes.resume.validator });

  /** A batch's change as the update of its own it stands for: its validator and its handler. */
  function asUpdate(c: InvoiceChange): { validate(): void; apply(): Promise<InvoiceSnapshot> } {
    switch (c.kind) {
      case 'payment':
        return { validate: () => changes.payment.validator(c.request), apply: () => changes.payment.handler(c.request) };
      case 'credit':
        return { validate: () => changes.credit.validator(c.request), apply: () => changes.credit.handler(c.request) };
      case 'retract':
        return { validate: () => changes.retract.validator(c.request), apply: () => changes.retract.handler(c.request) };
      case 'hold':
        return { validate: () => changes.hold.validator(c.request), apply: () => changes.hold.handler(c.request) };
      case 'resume':
        return { validate: changes.resume.validator, apply: changes.resume.handler };
    }
  }

  setHandler(applyInvoiceChanges, async (batch) => {
    // Marks the runs that took a batch: its changes' commands come from one update.
    patched('invoice-change-batch');
    // Several changes: one upsert of search attributes and memo for them all, not one each (runs
    // that took a batch before this replay as they ran). A single change is the same either way.
    batchPublishesOnce = batch.length > 1 && patched('invoice-change-batch-publish-once');
    try {
      const results: InvoiceChangeResult[] = [];
      for (const change of batch) {
        if (appliedKeys.has(change.key)) {
          results.push({ status: 'applied', snapshot: snapshotOf(state) });
          continue;
        }
        const update = asUpdate(change);
        try {
          update.validate();
        } catch (err) {
          if (!(err instanceof ApplicationFailure)) throw err;
          results.push({ status: 'refused', type: err.type ?? null, message: err.message });
          continue;
        }
        appliedKeys.add(change.key);
        // Applied in memory at once; its writes wait for the batch's one activity.
        batchWrites ??= [];
        results.push({ status: 'applied', snapshot: await update.apply() });
      }
      await writeBatch();
      return results;
    } finally {
      batchPublishesOnce = false;
      publishPendingState();
    }
  });

  setHandler(
    disputeInvoice,
    async (d) => {
      // Marks the runs that took a dispute (a new path of commands).
      patched('invoice-dispute');
      disputeId = d.disputeId;
      startPause();
      return commit(applyDispute(state), `dispute:${d.disputeId}`, [
        { type: 'invoice.disputed', data: { dispute_id: d.disputeId, reason: d.reason, details: d.details ?? null, via: d.via } },
      ]);
    },
    {
      validator: (_d) => {
        rejectIfClosed();
        if (state.status === 'disputed') fail(InvoiceFailure.disputeOpen, 'the invoice is already disputed');
        if (state.status === 'on_hold') fail(InvoiceFailure.alreadyOnHold, 'the invoice is on hold');
        // The status a dispute returns to must be the running one: an arrangement or a collector's case is ended first.
        if (promise || paymentPlan) fail(InvoiceFailure.arrangementInPlace, 'a promise to pay or payment plan is in place');
        if (state.status === 'in_debt_collection') fail(InvoiceFailure.notAllowedByPolicy, 'the invoice is in debt collection');
      },
    },
  );

  setHandler(
    resolveDispute,
    async (r) => {
      const credit = r.outcome === 'upheld' ? (r.creditCents ?? amountDue(state)) : 0;
      disputeId = null;
      // Rejected, or upheld with something left: collection resumes where it paused, every later step moved by the paused time.
      const pausedMs = endPause();
      const resumed = applyResume(state);
      const next = credit > 0 ? applyCredit(resumed, credit) : resumed;
      const events: NewEvent[] = [];
      if (credit > 0) events.push({ type: 'invoice.credited', data: { credit_cents: credit, reason: r.reason, dispute_id: r.disputeId } });
      events.push({ type: 'invoice.dispute_resolved', data: { dispute_id: r.disputeId, outcome: r.outcome, reason: r.reason, credit_cents: credit, paused_ms: pausedMs } });
      return commit(next, `dispute_resolved:${r.disputeId}`, events, credit > 0 ? { kind: 'credit', amountCents: credit, reason: r.reason } : undefined);
    },
    {
      validator: (r) => {
        rejectIfClosed();
        if (disputeId !== r.disputeId) fail(InvoiceFailure.notDisputed, `dispute ${r.disputeId} is not open on this invoice`);
        const due = amountDue(state);
        if (r.outcome === 'upheld' && r.creditCents !== undefined && r.creditCents > due) fail(InvoiceFailure.creditExceedsDue, `credit of ${r.creditCents} exceeds the amount due of ${due}`);
      },
    },
  );

  setHandler(vulnerabilityChanged, (v) => {
    if (v.vulnerable === vulnerable) return;
    vulnerable = v.vulnerable;
    if (vulnerable) startPause();
    else endPause();
  });

  /** A chargeback or reversed payment reopens the amount; per policy a debt case follows at once. */
  async function reopen(r: ReversePaymentRequest): Promise<InvoiceSnapshot> {
    const reopened: CollectionState = { ...state, amountPaidCents: Math.max(0, state.amountPaidCents - r.amountCents), status: state.pastDue ? 'overdue' : 'open', nextActionAt: null };
    const snapshot = await commit(reopened, `reverse:${r.externalId}:${r.kind}`, [
      { type: 'invoice.payment_received', data: { amount_cents: -r.amountCents, external_id: r.externalId, reversal: r.kind, reason: r.reason ?? null } },
    ], { kind: 'payment', amountCents: -r.amountCents, externalId: `${r.externalId}:${r.kind}`, reason: r.reason ?? r.kind });
    if ((input.policy.chargeback ?? 'debt_collection') === 'debt_collection' && amountDue(state) > 0 && state.status !== 'in_debt_collection') {
      plan = { ...plan, stepIndex: input.policy.steps.length, pendingFees: [] };
      await commit(applyDebtCollection(state), `chargeback_case:${r.externalId}`, [{ type: 'invoice.dunning_level_changed', data: { level: state.dunningLevel, debt_collection: true, reason: r.kind } }]);
      await openDebtCollectionCase({ invoiceId: input.invoiceId, reason: `${r.kind} of payment ${r.externalId}`, source: 'chargeback', key: `chargeback:${r.externalId}` });
      return snapshotOf(state);
    }
    return snapshot;
  }

  setHandler(reversePayment, async (r) => reopen(r), {
    validator: (r) => {
      if (state.status === 'retracted' || state.status === 'credited') fail(InvoiceFailure.closed, `invoice is ${state.status}`);
      if (r.amountCents > state.amountPaidCents) fail(InvoiceFailure.notAllowedByPolicy, 'more is reversed than was paid');
    },
  });

  setHandler(
    closeByCollection,
    async (c) =>
      // Written off: the case's own `debt_case.closed` event (on this invoice's timeline) says so.
      commit(
        { ...state, status: c.status, nextActionAt: null },
        `collection:${c.caseId}:${c.status}`,
        c.status === 'collected' ? [{ type: 'invoice.paid', data: { debt_collection_case_id: c.caseId, outcome: c.status, reason: c.reason ?? null } }] : [],
      ),
    { validator: (_c) => rejectIfClosed() },
  );

  setHandler(
    promiseToPay,
    async (p) => {
      const deadline = localTimeToUtc(addDays(p.date, input.policy.promise_to_pay.grace_days + 1), 0, 0, timezone);
      promise = { date: p.date, startedAt: Date.now(), deadline };
      return commit({ ...state, status: 'promise_to_pay' }, `promise:${p.date}`, [
        { type: 'invoice.promise_to_pay_made', data: { date: p.date, grace_days: input.policy.promise_to_pay.grace_days, source: p.source } },
      ]);
    },
    {
      validator: (p) => {
        rejectArrangement();
        const problem = promiseToPayProblem(input.policy, p.date, today());
        if (problem) fail(InvoiceFailure.notAllowedByPolicy, problem);
      },
    },
  );

  setHandler(
    createPaymentPlan,
    async (p) => {
      // An account plan's part comes with its installments (the plan of the debtor's total, split over the invoices).
      const installments = p.installments ?? schedulePaymentPlan(amountDue(state), p.installmentCount, p.firstDueDate, p.intervalDays ?? 30);
      paymentPlan = { number: (paymentPlan?.number ?? 0) + 1, installments, next: 0, paidAtStart: state.amountPaidCents, startedAt: Date.now(), ...(p.accountPlan ? { accountPlan: p.accountPlan } : {}) };
      return commit({ ...state, status: 'payment_plan' }, `plan:${paymentPlan.number}`, [
        {
          type: 'invoice.payment_plan_created',
          data: {
            installments: installments.map((i) => ({ due_date: i.dueDate, amount_cents: i.amountCents })),
            source: p.source,
            ...(p.accountPlan ? { account_plan_id: p.accountPlan.id, account_plan_invoice_ids: p.accountPlan.invoiceIds } : {}),
          },
        },
      ]);
    },
    {
      validator: (p) => {
        rejectArrangement();
        if (p.installments) {
          // The policy's limits were checked on the account's total; this part must cover exactly what is due here, from today on.
          const parts: PaymentPlanState['installments'] = p.installments;
          const sum = parts.reduce((total, i) => total + i.amountCents, 0);
          if (parts.length === 0 || sum !== amountDue(state) || parts.some((i) => i.amountCents <= 0)) fail(InvoiceFailure.notAllowedByPolicy, `the installments must add up to the amount due of ${amountDue(state)}`);
          // `firstDueDate` is the account plan's first date (this invoice's part may start at a later installment).
          const problem = promiseToPayProblem(input.policy, p.firstDueDate, today());
          if (problem || parts.some((i) => i.dueDate < p.firstDueDate)) fail(InvoiceFailure.notAllowedByPolicy, `first_due_date: ${problem ?? 'an installment falls before it'}`);
          return;
        }
        const problem = paymentPlanProblem(input.policy, amountDue(state), p.installmentCount, p.firstDueDate, today());
        if (problem) fail(InvoiceFailure.notAllowedByPolicy, problem);
      },
    },
  );

  setHandler(
    endPaymentPlan,
    (e) => {
      if (paymentPlan?.accountPlan?.id === e.accountPlanId) accountPlanEnded = e;
      return snapshotOf(state);
    },
    { validator: (_e) => rejectIfClosed() },
  );

  const interrupted = (): boolean => isClosed(state) || state.status === 'on_hold' || paused() || promise !== null || paymentPlan !== null;

  /** Waits until `at`; false when something (payment, hold, arrangement) interrupted first. */
  async function waitUntil(at: number, stop: () => boolean = interrupted): Promise<boolean> {
    for (;;) {
      if (stop()) return false;
      const remaining = at - Date.now();
      if (remaining <= 0) return true;
      await conditionOrTimeout(stop, remaining);
    }
  }

  /**
   * Asks the debtor's workflow to contact the debtor on `channels` for this step, and waits for its
   * answer: the step's own message, or one digest covering the debtor's other invoices too. Null
   * when the invoice has no debtor account (the step sends directly); no results when the invoice
   * closed while it waited.
   */
  async function contactThroughDebtor(
    purpose: string,
    kind: MessageKind,
    channels: Array<'email' | 'sms'>,
    extra: Partial<Parameters<Activities['sendInvoiceMessage']>[0]>,
    requestedAlready?: boolean,
  ): Promise<ContactCovered | null> {
    const request = contactRequest(purpose, kind, channels, extra);
    // Known already when the request went with the transmission's persist (patch `transmit-requests-contact`).
    const requested = requestedAlready ?? (await requestDebtorContact(request)).requested;
    if (!requested) return null;
    const answered = () => covered.has(purpose) || isClosed(state);
    if (patched('debtor-contact-reask')) {
      // Asked again each day without an answer (the debtor's workflow was terminated or reset): it
      // starts again with this request; a request it holds already is not counted twice.
      while (!(await conditionOrTimeout(answered, DEBTOR_CONTACT_REASK_MS))) await requestDebtorContact(request);
    } else {
      await condition(answered);
    }
    const answer = covered.get(purpose) ?? { purpose, results: [], digestId: null, coveredInvoiceIds: [], guardrails: [] };
    covered.delete(purpose);
    return answer;
  }

  /** What this invoice asks its debtor's workflow for a step's contact: the channels, the message's details and the guardrails of now. */
  function contactRequest(purpose: string, kind: MessageKind, channels: Array<'email' | 'sms'>, extra: Partial<Parameters<Activities['sendInvoiceMessage']>[0]>): DebtorContactRequest {
    const g = input.policy.guardrails;
    return {
      invoiceId: input.invoiceId,
      purpose,
      kind,
      channels,
      extra: { dunningLevel: extra.dunningLevel, feeCents: extra.feeCents, announcedFeeCents: extra.announcedFeeCents, feePayBy: extra.feePayBy, statutoryFee: extra.statutoryFee, installment: extra.installment },
      requestedAt: Date.now(),
      timezone,
      guardrails: {
        maxContactsPer7Days: g.max_contacts_per_7_days,
        minDaysBetweenContacts: paced ? minDaysBetweenContacts(input.policy) : 0,
        quietStart: g.quiet_hours_start,
        quietEnd: g.quiet_hours_end,
        sendHour: input.policy.send_hour,
      },
    };
  }

  /** `requestedAlready`: the debtor's workflow was asked for the email and SMS of this step already (true), or the invoice has no debtor account (false). */
  async function send(purpose: string, kind: MessageKind, channels: readonly Channel[], extra: Partial<Parameters<Activities['sendInvoiceMessage']>[0]> = {}, requestedAlready?: boolean) {
    const results: Array<{ channel: Channel } & SendMessageResult> = [];
    // Letters stay per invoice; email and SMS share the debtor's budget.
    const remote = debtorBudget ? remoteChannels(channels) : [];
    const answer = remote.length > 0 ? await contactThroughDebtor(purpose, kind, remote, extra, requestedAlready) : null;
    if (answer) results.push(...answer.results);
    for (const channel of channels) {
      if (answer && channel !== 'letter') continue;
      results.push({ channel, ...(await sendInvoiceMessage({ invoiceId: input.invoiceId, purpose, channel, kind, ...extra })) });
    }
    // On the step's event: the digest that covered it, and the debtor-level checks the contact waited for.
    const coverage = answer
      ? { debtor_guardrails: answer.guardrails, ...(answer.digestId ? { digest_id: answer.digestId, covered_with: answer.coveredInvoiceIds.filter((id) => id !== input.invoiceId) } : {}) }
      : {};
    const contacted = results.filter((r) => r.status === 'sent' || r.status === 'outbox' || r.status === 'queued' || r.status === 'posted').length;
    const skips: GuardrailCheck[] = results
      .filter((r) => r.status === 'skipped')
      .map((r) => ({ check: r.status === 'skipped' ? skipCheck[r.reason] : 'no_contact_details', result: 'skipped', channel: r.channel }));
    return { results, contacted, skips, coverage };
  }

  type Sent = Awaited<ReturnType<typeof send>>;
  type StepAction = Extract<PlannedAction, { kind: 'step' }>;

  /**
   * Paced runs: a step with `fallback: 'letter'` that reached the debtor on no channel sends a
   * letter. Email counts at once (SMTP accepted it); an SMS only once the provider reports it
   * delivered, so a step that went by SMS alone waits a while for that report first.
   */
  async function sendFallbackLetter(action: StepAction, sent: Sent, kind: MessageKind, extra: Partial<Parameters<Activities['sendInvoiceMessage']>[0]>): Promise<Sent | null> {
    if (action.step.fallback !== 'letter') return null;
    const emailAccepted = sent.results.some((r) => r.channel === 'email' && (r.status === 'sent' || r.status === 'outbox'));
    const letterOnItsWay = sent.results.some((r) => r.channel === 'letter' && (r.status === 'queued' || r.status === 'posted'));
    if (emailAccepted || letterOnItsWay) return null;
    if (sent.results.some((r) => r.channel === 'sms' && (r.status === 'sent' || r.status === 'outbox'))) {
      if (!(await waitUntil(Date.now() + SMS_DELIVERY_REPORT_WAIT_MS))) return null;
      if (await noticeDelivery({ invoiceId: input.invoiceId, purposes: [stepPurpose(action.stepIndex)] })) return null;
    }
    // The letter gives its own time to pay, counted from when it goes.
    const payBy =
      action.announcedFeeCents > 0 ? { feePayBy: feeNoticePeriod(action.step.fee!.type, ctx.consumer, Date.now(), timezone, input.policy.send_hour, feeNoticeDays(input.policy)).payBy } : {};
    return send(fallbackPurpose(action.stepIndex), kind, ['letter'], { ...extra, ...payBy });
  }

  async function runAction(action: PlannedAction): Promise<{ contacted: number; letterQueued?: boolean }> {
    const why = { policy_version: input.policyVersion, step_index: action.stepIndex, guardrails: action.guardrails };
    if (action.kind === 'wik_fee') {
      const next = applyFee(state, action.feeCents, action.level);
      await commit(next, `wik_fee:${action.stepIndex}`, [{ type: 'invoice.dunning_level_changed', data: { ...why, level: next.dunningLevel, fee_cents: action.feeCents, fee_type: 'wik' } }], {
        kind: 'fee',
        amountCents: action.feeCents,
        reason: 'statutory collection costs (WIK)',
      });
      return { contacted: 0 };
    }
    if (action.kind === 'fee') throw new Error('a fee is settled by settleFee');
    const { step } = action;
    const key = stepPurpose(action.stepIndex);
    log.info('policy step due', { invoiceId: input.invoiceId, step: key, action: step.action });
    const stepData = { ...why, step: { ...step } };
    const queued = (...all: Array<Sent | null>) => all.some((x) => x?.results.some((r) => r.status === 'queued'));
    switch (step.action) {
      case 'reminder': {
        const sent = await send(key, 'reminder', action.channels);
        const fallback = paced ? await sendFallbackLetter(action, sent, 'reminder', {}) : null;
        await commit({ ...state, nextActionAt: null }, key, [
          {
            type: 'invoice.reminder_sent',
            data: { ...stepData, guardrails: [...action.guardrails, ...sent.skips, ...(fallback?.skips ?? [])], messages: [...sent.results, ...(fallback?.results ?? [])], ...sent.coverage },
          },
        ]);
        return { contacted: sent.contacted + (fallback?.contacted ?? 0), letterQueued: queued(sent, fallback) };
      }
      case 'dunning_level': {
        const level = step.level ?? state.dunningLevel + 1;
        if (paced) {
          // No fee at the step: its message announces the fee and the day to pay by (charged later, see settleFee).
          const extra = {
            dunningLevel: level,
            announcedFeeCents: action.announcedFeeCents,
            ...(action.feePayBy ? { feePayBy: action.feePayBy, statutoryFee: step.fee?.type === 'wik' && ctx.consumer } : {}),
          };
          const sent = await send(key, 'dunning_notice', action.channels, extra);
          const fallback = await sendFallbackLetter(action, sent, 'dunning_notice', extra);
          const next = isClosed(state) ? state : { ...applyFee(applyPastDue(state), 0, level), nextActionAt: null };
          await commit(next, key, [
            {
              type: 'invoice.dunning_level_changed',
              data: {
                ...stepData,
                guardrails: [...action.guardrails, ...sent.skips, ...(fallback?.skips ?? [])],
                level,
                fee_cents: 0,
                announced_fee_cents: action.announcedFeeCents,
                ...(action.feePayBy ? { fee_pay_by: action.feePayBy } : {}),
                messages: [...sent.results, ...(fallback?.results ?? [])],
                ...sent.coverage,
              },
            },
          ]);
          return { contacted: sent.contacted + (fallback?.contacted ?? 0), letterQueued: queued(sent, fallback) };
        }
        const next = { ...applyFee(applyPastDue(state), action.feeCents, level), nextActionAt: null };
        await commit(
          next,
          key,
          [{ type: 'invoice.dunning_level_changed', data: { ...stepData, level, fee_cents: action.feeCents, announced_fee_cents: action.announcedFeeCents } }],
          action.feeCents > 0 ? { kind: 'fee', amountCents: action.feeCents, reason: `dunning level ${level}` } : undefined,
        );
        const sent = await send(key, 'dunning_notice', action.channels, { dunningLevel: level, feeCents: action.feeCents, announcedFeeCents: action.announcedFeeCents });
        return { contacted: sent.contacted };
      }
      case 'debt_collection': {
        await commit(applyDebtCollection(state), key, [{ type: 'invoice.dunning_level_changed', data: { ...stepData, level: state.dunningLevel, debt_collection: true } }]);
        await openDebtCollectionCase({ invoiceId: input.invoiceId, reason: 'last dunning step passed unpaid' });
        return { contacted: 0 };
      }
    }
  }

  /**
   * Paced runs: an announced fee whose notice period ended unpaid. Charged only when its notice
   * reached the debtor on at least one channel, its period counted from that acceptance; a
   * notice that reached no one charges nothing, and the event says so.
   */
  async function settleFee(action: Extract<PlannedAction, { kind: 'fee' }>): Promise<void> {
    const { fee } = action;
    const why = { policy_version: input.policyVersion, step_index: action.stepIndex, fee_type: fee.feeType, announced_fee_cents: fee.announcedCents };
    const delivery = await noticeDelivery({ invoiceId: input.invoiceId, purposes: fee.purposes });
    // Disputed or flagged vulnerable while the delivery was read: no fee now; it is considered again after the pause.
    if (paused()) return;
    if (!delivery) {
      const waiting = feeAwaitingLetter(plan, fee, Date.now(), fee.periodEndedAt ?? Date.now());
      if (waiting) {
        plan = waiting;
        return;
      }
      await commit({ ...state }, `fee_not_delivered:${action.stepIndex}`, [
        {
          type: 'invoice.dunning_level_changed',
          data: {
            ...why,
            level: state.dunningLevel,
            fee_cents: 0,
            wik_notice: 'not_delivered',
            guardrails: [{ check: 'wik_notice', result: 'skipped', detail: 'the notice announcing the fee reached the debtor on no channel: the fee is not charged' }],
          },
        },
      ]);
      plan = afterAction(ctx, plan, action, Date.now(), 0);
      return;
    }
    const moved = feeNoticeAccepted(ctx, plan, fee, delivery.acceptedAt, Date.now());
    if (moved !== plan) {
      plan = moved;
      return;
    }
    const next = applyFee(state, action.feeCents, action.level);
    await commit(
      next,
      `fee:${action.stepIndex}`,
      [
        {
          type: 'invoice.dunning_level_changed',
          data: {
            ...why,
            level: next.dunningLevel,
            fee_cents: action.feeCents,
            wik_notice: 'delivered',
            notice: { channel: delivery.channel, accepted_at: new Date(delivery.acceptedAt).toISOString() },
            guardrails: action.guardrails,
          },
        },
      ],
      action.feeCents > 0 ? { kind: 'fee', amountCents: action.feeCents, reason: fee.feeType === 'wik' ? 'statutory collection costs (WIK)' : `dunning level ${action.level}` } : undefined,
    );
    plan = afterAction(ctx, plan, action, Date.now(), 0);
  }

  /**
   * Before the run ends (completes or continues as new): every handler finished, and no update
   * applied in the task that ends it. The server refuses a task that ends the run while new events
   * wait (a signal, an activity's result: UnhandledCommand), and drops the updates that task
   * accepted, though a batch's writes (a local activity) were already committed: the database
   * would show a change the workflow never made. A timer first gives those updates a task of
   * their own; one applied meanwhile gets another.
   */
  async function settleBeforeEnd(): Promise<void> {
    await condition(allHandlersFinished);
    if (!patched('end-in-own-task')) return;
    for (let seen = -1; seen !== revision; ) {
      seen = revision;
      await sleep(1);
      await condition(allHandlersFinished);
    }
  }

  /** Keeps histories small for invoices that live long (a year-long payment plan): the state moves to a new run. */
  async function continueAsNewIfLong(): Promise<void> {
    const limit = input.continueAfterEvents ?? HISTORY_EVENTS_BEFORE_CONTINUE;
    if (!workflowInfo().continueAsNewSuggested && workflowInfo().historyLength < limit) return;
    await settleBeforeEnd();
    await continueAsNew<typeof invoiceWorkflow>({ ...input, timezone, reopen: undefined, resume: { state, plan, revision, promise, paymentPlan, heldSince, paced, debtorBudget, disputeId, vulnerable, pausedSince } });
  }

  /** A promise to pay: reminders pause until the date plus grace; unpaid then, the policy continues where it was. */
  async function followPromise(p: PromiseState): Promise<void> {
    await waitUntil(p.deadline, () => isClosed(state) || state.status === 'on_hold');
    if (state.status === 'on_hold') {
      await condition(() => state.status !== 'on_hold' || isClosed(state));
      return; // re-evaluated on the next turn of the loop
    }
    promise = null;
    if (isClosed(state)) return;
    plan = { ...plan, shiftMs: plan.shiftMs + (Date.now() - p.startedAt) };
    await commit({ ...state, status: runningStatus() }, `promise_broken:${p.date}`, [{ type: 'invoice.promise_to_pay_broken', data: { date: p.date, amount_due_cents: amountDue(state) } }]);
  }

  /** A payment plan: each installment has its reminder; a missed one breaks the plan and dunning resumes on what remains. */
  async function followPaymentPlan(pp: PaymentPlanState): Promise<void> {
    while (pp.next < pp.installments.length) {
      const installment = pp.installments[pp.next]!;
      const reminderAt = allowedSendTime(ctx, localTimeToUtc(addDays(installment.dueDate, -2), input.policy.send_hour, 0, timezone), plan.contacts, 1).at;
      const holdOrClose = () => isClosed(state) || state.status === 'on_hold' || accountPlanEnded !== null;
      const changesSeen = contactChanges;
      if (await waitUntil(reminderAt, () => holdOrClose() || contactChanges !== changesSeen)) {
        const sent = await send(`plan${pp.number}:installment${pp.next}`, 'installment_reminder', ['email'], { installment });
        plan = { ...plan, contacts: [...plan.contacts, ...Array.from({ length: sent.contacted }, () => Date.now())] };
      } else if (!holdOrClose()) {
        continue; // the timezone changed before the reminder: its time is computed again in the new zone
      }
      const deadline = localTimeToUtc(addDays(installment.dueDate, input.policy.promise_to_pay.grace_days + 1), 0, 0, timezone);
      await waitUntil(deadline, holdOrClose);
      if (isClosed(state)) return;
      if (accountPlanEnded && patched('account-plan')) {
        // Another invoice of the account plan missed its installment: dunning resumes here as well.
        const ended = accountPlanEnded;
        accountPlanEnded = null;
        paymentPlan = null;
        plan = { ...plan, shiftMs: plan.shiftMs + (Date.now() - pp.startedAt) };
        await commit({ ...state, status: runningStatus() }, `plan_broken:${pp.number}`, [
          { type: 'invoice.payment_plan_broken', data: { account_plan_id: ended.accountPlanId, broken_on_invoice_id: ended.brokenOn, due_date: installment.dueDate, amount_due_cents: amountDue(state) } },
        ]);
        return;
      }
      if (state.status === 'on_hold') {
        await condition(() => state.status !== 'on_hold' || isClosed(state));
        continue;
      }
      const required = pp.installments.slice(0, pp.next + 1).reduce((sum, i) => sum + i.amountCents, 0);
      if (state.amountPaidCents - pp.paidAtStart < required) {
        paymentPlan = null;
        plan = { ...plan, shiftMs: plan.shiftMs + (Date.now() - pp.startedAt) };
        await commit({ ...state, status: runningStatus() }, `plan_broken:${pp.number}`, [
          { type: 'invoice.payment_plan_broken', data: { missed_installment: pp.next + 1, due_date: installment.dueDate, amount_due_cents: amountDue(state), ...(pp.accountPlan ? { account_plan_id: pp.accountPlan.id } : {}) } },
        ]);
        // One plan over several invoices: it ends on each of them, and each resumes its dunning.
        if (pp.accountPlan && patched('account-plan')) await endAccountPlan({ accountPlan: pp.accountPlan, brokenOn: input.invoiceId });
        return;
      }
      pp = { ...pp, next: pp.next + 1 };
      paymentPlan = pp;
      await continueAsNewIfLong();
    }
    // Every installment met: the last payment closed the invoice as paid.
    await condition(() => isClosed(state));
  }

  if (input.reopen) {
    await reopen(input.reopen);
  } else if (!resume) {
    // Transmission: the invoice notice goes out at once, or at 08:00 if it is night for the debtor.
    const notice = allowedSendTime(ctx, Date.now(), [], 1);
    // A notice held back (quiet hours) is visible: next_action_at and its reason, until it goes.
    const noticeWaits = notice.at > Date.now() && patched('notice-wait-visible');
    const transmitted = apply(
      noticeWaits ? { ...state, nextActionAt: notice.at } : state,
      'transmit',
      [{ type: 'invoice.transmitted', data: { policy_version: input.policyVersion, due_date: input.dueDate, notice_at: new Date(notice.at).toISOString(), guardrails: notice.guardrails } }],
      undefined,
      noticeWaits ? nextActionNote(notice.at, 'invoice_notice', notice.guardrails) : undefined,
    );
    // A notice that goes at once through the debtor's workflow is asked for by the activity that
    // persists the transmission (one activity and one workflow task fewer); runs from before that asked separately.
    const noticeNow = debtorBudget && notice.at <= Date.now() && !paused() && patched('transmit-requests-contact');
    /** Set once the debtor's workflow was asked for the notice (false: the invoice has no debtor account). */
    let noticeRequested: boolean | undefined;
    if (noticeNow) {
      noticeRequested = (await persistInvoiceChange({ ...transmitted, contactRequest: contactRequest('transmit', 'invoice_notice', remoteChannels(['email']), {}) })).contactRequested;
    } else {
      await persistInvoiceChange(transmitted);
    }
    let noticeAt = notice.at;
    for (;;) {
      const changesSeen = contactChanges;
      // Asked already, the notice waits for the answer whatever came meanwhile, as it does once asked in any run.
      if (noticeRequested !== undefined || (await waitUntil(noticeAt, () => isClosed(state) || paused() || contactChanges !== changesSeen))) {
        const sent = await send('transmit', 'invoice_notice', ['email'], {}, noticeRequested);
        // Paced: the ladder starts from the notice; steps whose time passed before it move after it.
        plan = paced ? startPacedPlan(ctx, plan, Date.now(), sent.contacted) : { ...plan, contacts: Array.from({ length: sent.contacted }, () => Date.now()) };
        if (noticeWaits && state.nextActionAt === noticeAt) await commit({ ...state, nextActionAt: null }, 'notice_sent', [], undefined, null);
        break;
      }
      if (isClosed(state)) break;
      if (paused()) {
        // Disputed or flagged vulnerable before the notice went: it goes when the pause ends.
        await condition(() => !paused() || isClosed(state));
        continue;
      }
      // The timezone changed while the notice waited for the debtor's morning: it waits for the morning in the new zone.
      const moved = allowedSendTime(ctx, Date.now(), [], 1);
      if (noticeWaits && moved.at !== noticeAt) await commit({ ...state, nextActionAt: moved.at }, 'notice_moved', [], undefined, nextActionNote(moved.at, 'invoice_notice', moved.guardrails));
      noticeAt = moved.at;
    }
  }
  const pastDueAt = (): number => localTimeToUtc(addDays(input.dueDate, 1), 0, 0, timezone);

  while (!isClosed(state)) {
    if (onHold()) {
      await condition(() => state.status !== 'on_hold' || isClosed(state));
      continue;
    }
    if (paused()) {
      await condition(() => !paused() || isClosed(state));
      continue;
    }
    if (promise) {
      await followPromise(promise);
      continue;
    }
    if (paymentPlan) {
      await followPaymentPlan(paymentPlan);
      continue;
    }
    await continueAsNewIfLong();
    // The contact changes this action was computed with: one applied while its next step is stored below still counts.
    const changesComputed = contactChanges;
    const action = nextPlannedAction(ctx, plan, principal());
    const nextAt = Math.min(action?.at ?? Number.POSITIVE_INFINITY, state.pastDue ? Number.POSITIVE_INFINITY : pastDueAt() + plan.shiftMs);
    if (nextAt === Number.POSITIVE_INFINITY) {
      // Every step has run: the invoice stays open to payments and arrangements.
      await condition(interrupted);
      if (!isClosed(state) && !onHold() && !paused() && !promise && !paymentPlan) await condition(() => isClosed(state));
      continue;
    }
    // Shown even while the due date passes first (a policy whose first step comes after it).
    if (action && state.nextActionAt !== action.at && (action.at === nextAt || patched('next-action-before-past-due'))) {
      // What comes next and why; a step a guardrail moved later says so on the timeline.
      const note = nextActionNote(action.at, action.kind === 'step' ? action.step.action : action.kind, action.guardrails, action.stepIndex);
      const delayed: NewEvent[] = note.guardrails.length > 0 ? [{ type: 'invoice.next_action_delayed', data: { next_action: note } }] : [];
      await commit({ ...state, nextActionAt: action.at }, `next:${action.kind}${action.stepIndex}`, delayed, undefined, note);
    }
    // Runs from before this fix waited on, missing a timezone change that came while the step was stored.
    const changesSeen = patched('contact-change-while-storing') ? changesComputed : contactChanges;
    if (!(await waitUntil(nextAt, () => interrupted() || contactChanges !== changesSeen))) continue;
    if (!state.pastDue && nextAt === pastDueAt() + plan.shiftMs) {
      await commit(applyPastDue(state), 'past_due', []);
      continue;
    }
    if (action!.kind === 'fee') {
      await settleFee(action!);
      continue;
    }
    const ran = await runAction(action!);
    plan = afterAction(ctx, plan, action!, Date.now(), ran.contacted, { letterQueued: ran.letterQueued });
  }

  await settleBeforeEnd();
  return snapshotOf(state);
}
