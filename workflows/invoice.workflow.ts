import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EventType } from '../services/events';
import { stepDueAt, stepKey, type PolicyStep } from '../domain/dunning-policy';
import { feeCents } from '../domain/fees';
import { amountDue } from '../domain/amounts';
import { addDays, localTimeToUtc } from '../domain/local-time';
import {
  applyCredit,
  applyDebtCollection,
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
  creditAndRetractInvoice,
  creditInvoice,
  holdInvoice,
  InvoiceFailure,
  invoiceState,
  registerPayment,
  resumeInvoice,
  retractInvoice,
  type InvoiceSnapshot,
  type InvoiceWorkflowInput,
} from './invoice.messages';

const { persistInvoiceChange } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});
const { sendInvoiceMessage } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes', backoffCoefficient: 2 },
});

interface Moment {
  at: number;
  kind: 'past_due' | 'step';
  step?: PolicyStep;
  index?: number;
}

/**
 * One invoice's whole collection: the invoice notice, then the company's policy step by step,
 * while payments, credits, retractions and holds arrive as updates. Ends when the invoice is
 * paid, credited, retracted or closed by collection.
 */
export async function invoiceWorkflow(input: InvoiceWorkflowInput): Promise<InvoiceSnapshot> {
  let state: CollectionState = initialCollectionState(input.amountTotalCents);
  let revision = 0;
  let heldSince: number | null = null;
  let heldMs = 0;
  const seenPayments = new Set<string>();
  const seenCredits = new Set<string>();

  /** Applies a new state in memory at once, then persists it with its events. */
  async function commit(
    next: CollectionState,
    label: string,
    events: Array<{ type: EventType; data?: Record<string, unknown> }>,
    ledgerEntry?: Parameters<Activities['persistInvoiceChange']>[0]['ledgerEntry'],
  ): Promise<InvoiceSnapshot> {
    state = next;
    revision += 1;
    const snapshot = snapshotOf(state);
    upsertSearchAttributes([
      { key: InvoiceStatus, value: snapshot.status },
      { key: AmountDueCents, value: snapshot.amountDueCents },
      { key: DunningLevel, value: snapshot.dunningLevel },
      { key: NextActionAt, value: state.nextActionAt === null ? null : new Date(state.nextActionAt) },
    ]);
    await persistInvoiceChange({
      invoiceId: input.invoiceId,
      partnerId: input.partnerId,
      companyId: input.companyId,
      revision,
      changeKey: `${revision}:${label}`,
      snapshot,
      policyVersion: revision === 1 ? input.policyVersion : undefined,
      ledgerEntry,
      events: events.map((e) => ({ type: e.type, data: e.data ?? {} })),
    });
    return snapshot;
  }

  function rejectIfClosed(): void {
    if (isClosed(state)) throw ApplicationFailure.create({ type: InvoiceFailure.closed, message: `invoice is ${state.status}`, nonRetryable: true });
  }

  setHandler(invoiceState, () => snapshotOf(state));

  setHandler(
    registerPayment,
    async (p) => {
      seenPayments.add(p.externalId);
      const next = applyPayment(state, p.amountCents);
      const events: Array<{ type: EventType; data?: Record<string, unknown> }> = [
        { type: 'invoice.payment_received', data: { amount_cents: p.amountCents, external_id: p.externalId, source: p.source } },
      ];
      if (next.status === 'paid') events.push({ type: 'invoice.paid' });
      return commit(next, `payment:${p.externalId}`, events, {
        kind: 'payment',
        amountCents: p.amountCents,
        externalId: p.externalId,
        occurredAt: p.paidAt,
      });
    },
    {
      validator: (p) => {
        rejectIfClosed();
        if (seenPayments.has(p.externalId)) {
          throw ApplicationFailure.create({ type: InvoiceFailure.duplicatePayment, message: `payment ${p.externalId} is already recorded`, nonRetryable: true });
        }
      },
    },
  );

  function validateCredit(amountCents: number): void {
    rejectIfClosed();
    const due = amountDue(state);
    if (amountCents > due) {
      throw ApplicationFailure.create({
        type: InvoiceFailure.creditExceedsDue,
        message: `credit of ${amountCents} exceeds the amount due of ${due}`,
        nonRetryable: true,
      });
    }
  }

  setHandler(
    creditInvoice,
    async (c) => {
      seenCredits.add(c.creditId);
      const next = applyCredit(state, c.amountCents);
      return commit(next, `credit:${c.creditId}`, [{ type: 'invoice.credited', data: { credit_cents: c.amountCents, reason: c.reason ?? null } }], {
        kind: 'credit',
        amountCents: c.amountCents,
        reason: c.reason,
      });
    },
    { validator: (c) => validateCredit(c.amountCents) },
  );

  setHandler(
    retractInvoice,
    async (r) => commit(applyRetract(state), 'retract', [{ type: 'invoice.retracted', data: { reason: r.reason ?? null } }]),
    { validator: (_r) => rejectIfClosed() },
  );

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

  setHandler(
    holdInvoice,
    async (h) => {
      heldSince = Date.now();
      return commit(applyHold(state), 'hold', [{ type: 'invoice.on_hold', data: { reason: h.reason ?? null } }]);
    },
    {
      validator: (_h) => {
        rejectIfClosed();
        if (state.status === 'on_hold') throw ApplicationFailure.create({ type: InvoiceFailure.alreadyOnHold, message: 'invoice is already on hold', nonRetryable: true });
      },
    },
  );

  setHandler(
    resumeInvoice,
    async () => {
      // The policy's clock stops while on hold: later steps move by the time spent on hold.
      if (heldSince !== null) heldMs += Date.now() - heldSince;
      heldSince = null;
      return commit(applyResume(state), 'resume', [{ type: 'invoice.resumed', data: { held_ms: heldMs } }]);
    },
    {
      validator: () => {
        rejectIfClosed();
        if (state.status !== 'on_hold') throw ApplicationFailure.create({ type: InvoiceFailure.notOnHold, message: 'invoice is not on hold', nonRetryable: true });
      },
    },
  );

  /** Waits until a moment of the policy (shifted by holds); false when the invoice closed first. */
  async function reached(at: number): Promise<boolean> {
    for (;;) {
      if (isClosed(state)) return false;
      if (state.status === 'on_hold') {
        await condition(() => state.status !== 'on_hold');
        continue;
      }
      const remaining = at + heldMs - Date.now();
      if (remaining <= 0) return true;
      await condition(() => isClosed(state) || state.status === 'on_hold', remaining);
    }
  }

  async function send(purpose: string, kind: 'invoice_notice' | 'reminder' | 'dunning_notice', channels: readonly ('email' | 'sms')[], extra: { dunningLevel?: number; feeCents?: number } = {}) {
    const results = [];
    for (const channel of channels) {
      const result = await sendInvoiceMessage({ invoiceId: input.invoiceId, purpose, channel, kind, ...extra });
      results.push({ channel, ...result });
    }
    return results;
  }

  // Transmission: the invoice notice goes out at once.
  await commit(state, 'transmit', [{ type: 'invoice.transmitted', data: { policy_version: input.policyVersion, due_date: input.dueDate } }]);
  await send('transmit', 'invoice_notice', ['email']);

  const moments: Moment[] = [
    { at: localTimeToUtc(addDays(input.dueDate, 1), 0, 0, input.timezone), kind: 'past_due' as const },
    ...input.policy.steps.map((step, index) => ({ at: stepDueAt(input.policy, step, input.dueDate, input.timezone), kind: 'step' as const, step, index })),
  ].sort((a, b) => a.at - b.at);

  for (const moment of moments) {
    if (isClosed(state) || state.status === 'in_debt_collection') break;
    if (moment.kind === 'step' && state.nextActionAt !== moment.at) {
      await commit({ ...state, nextActionAt: moment.at }, `next:${moment.index}`, []);
    }
    if (!(await reached(moment.at))) break;
    if (moment.kind === 'past_due') {
      if (state.status === 'open') await commit(applyPastDue(state), 'past_due', []);
      else state = applyPastDue(state);
      continue;
    }
    await runStep(moment.step!, moment.index!);
  }

  async function runStep(step: PolicyStep, index: number): Promise<void> {
    const key = stepKey(index, step);
    const why = { policy_version: input.policyVersion, step_index: index, step: { ...step } };
    log.info('policy step due', { invoiceId: input.invoiceId, step: key });
    switch (step.action) {
      case 'reminder': {
        const results = await send(key, 'reminder', step.channels);
        await commit({ ...state, nextActionAt: null }, key, [{ type: 'invoice.reminder_sent', data: { ...why, messages: results } }]);
        return;
      }
      case 'dunning_level': {
        const level = step.level ?? state.dunningLevel + 1;
        const fee = feeCents(step.fee, state.amountTotalCents - state.amountCreditedCents);
        const next = { ...applyFee(applyPastDue(state), fee, level), nextActionAt: null };
        await commit(next, key, [{ type: 'invoice.dunning_level_changed', data: { ...why, level, fee_cents: fee } }], fee > 0 ? { kind: 'fee', amountCents: fee, reason: `dunning level ${level}` } : undefined);
        await send(key, 'dunning_notice', step.channels, { dunningLevel: level, feeCents: fee });
        return;
      }
      case 'debt_collection': {
        await commit(applyDebtCollection(state), key, [{ type: 'invoice.dunning_level_changed', data: { ...why, level: state.dunningLevel, debt_collection: true } }]);
        return;
      }
    }
  }

  // After the last step, the invoice stays open to payments until something closes it.
  await condition(() => isClosed(state));
  await condition(allHandlersFinished);
  return snapshotOf(state);
}
