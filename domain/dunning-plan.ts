import { applyContactGap, applyContactLimit, applyQuietHours, earliestContactAfter, feeNoticePeriod, recentContacts, wikFeeChargeableFrom, type GuardrailCheck } from './guardrails';
import type { Channel, DunningPolicy, Fee, PolicyStep } from './dunning-policy';
import { feeNoticeDays, minDaysBetweenContacts, stepDueAt } from './dunning-policy-rules';
import { feeCents } from './fees';

/**
 * What the policy does next to one invoice, decided by pure functions: the invoice workflow runs
 * them step by step, and the preview endpoint runs them to the end on a simulated invoice.
 */
export interface PlanContext {
  policy: DunningPolicy;
  dueDate: string;
  timezone: string;
  /** A consumer (no organisation name): statutory fees need the 14-day notice first. */
  consumer: boolean;
  /**
   * Notice pacing (decided once when the workflow starts; runs started before it go without): the
   * ladder starts from the invoice notice, contacts keep the policy's minimum gap, and every fee
   * is announced first and charged after its notice period, only if the notice was delivered.
   */
  paced?: boolean;
}

export interface PlanState {
  /** Index of the next policy step to run. */
  stepIndex: number;
  /** Time spent on hold (or paused by a promise or plan), and the pacing shift: later steps move by it. */
  shiftMs: number;
  /**
   * Paced runs: how far the ladder moved to start after a late invoice notice. Moves the steps and
   * fees like `shiftMs`, but not the due date (the invoice is overdue when it is).
   */
  paceMs?: number;
  /** Contact attempts in the last 7 days. */
  contacts: number[];
  /** Fees announced by a notice and not yet charged (before notice pacing: only the statutory fee to a consumer). */
  pendingFees: PendingFee[];
  /** The last contact of the debtor, for the minimum gap between contacts (paced runs only). */
  lastContactAt: number | null;
}

export interface PendingFee {
  feeType: Fee['type'];
  /** What the notice announced: never more is charged. */
  announcedCents: number;
  level: number;
  stepIndex: number;
  /** When the notice period ends, on the unshifted clock (the shift is added when the fee is planned). */
  chargeableAt: number;
  /** The purposes of the messages that announced it (the step, its fallback letter): its notice. */
  purposes: string[];
  /** A letter of the notice waits in a print batch: it may still be posted after the period ended. */
  letterQueued?: boolean;
  /** Set while waiting for that letter: when the notice period first ended. */
  periodEndedAt?: number;
}

/**
 * How long a step with a fallback letter waits for SMS delivery reports before it decides that no
 * channel reached the debtor: providers report within minutes, rarely later.
 */
export const SMS_DELIVERY_REPORT_WAIT_MS = 60 * 60 * 1000;

/** How long a fee waits for a queued letter of its notice to be posted, after its period ended. */
export const LETTER_POSTING_WAIT_MS = 14 * 86_400_000;
/** How often a fee waiting for its letter looks again. */
const LETTER_POSTING_RECHECK_MS = 86_400_000;

/** A plan state as a run before the generalised fees carried it across continue-as-new. */
type StoredPlanState = Omit<PlanState, 'pendingFees' | 'lastContactAt'> &
  Partial<Pick<PlanState, 'pendingFees' | 'lastContactAt'>> & {
    pendingWikFee?: { chargeableAt: number; level: number; stepIndex: number } | null;
  };

/** Reads a plan state handed over by continue-as-new, also one from before pending fees were generalised. */
export function migratePlanState(stored: StoredPlanState): PlanState {
  const { pendingWikFee, ...rest } = stored;
  const fromWik: PendingFee[] = pendingWikFee
    ? [
        {
          feeType: 'wik',
          // Runs from before kept no amount: the statutory scale on what is owed, uncapped (plain JSON: no Infinity).
          announcedCents: Number.MAX_SAFE_INTEGER,
          level: pendingWikFee.level,
          stepIndex: pendingWikFee.stepIndex,
          chargeableAt: pendingWikFee.chargeableAt,
          purposes: [stepPurpose(pendingWikFee.stepIndex)],
        },
      ]
    : [];
  return { ...rest, pendingFees: rest.pendingFees ?? fromWik, lastContactAt: rest.lastContactAt ?? null };
}

export type PlannedAction =
  | {
      kind: 'step';
      stepIndex: number;
      step: PolicyStep;
      nominalAt: number;
      at: number;
      channels: Channel[];
      /** Charged now (before notice pacing only). */
      feeCents: number;
      /** Announced now, charged after the notice period. */
      announcedFeeCents: number;
      /** Paced runs: the last local date to pay to avoid the announced fee. */
      feePayBy?: string;
      guardrails: GuardrailCheck[];
    }
  /** Before notice pacing: a consumer's statutory fee after its 14-day notice, charged unconditionally. */
  | { kind: 'wik_fee'; stepIndex: number; level: number; at: number; feeCents: number; guardrails: GuardrailCheck[] }
  /** Paced runs: an announced fee whose notice period ended; charged only if its notice was delivered. */
  | { kind: 'fee'; stepIndex: number; level: number; at: number; feeCents: number; fee: PendingFee; guardrails: GuardrailCheck[] };

/** How far steps and fees move: time on hold or paused, plus the pacing of a late notice. */
function shiftOf(s: PlanState): number {
  return s.shiftMs + (s.paceMs ?? 0);
}

export function initialPlanState(): PlanState {
  return { stepIndex: 0, shiftMs: 0, contacts: [], pendingFees: [], lastContactAt: null };
}

/**
 * The plan of a paced run once its invoice notice went at `noticeAt`: when the first step's time
 * passed before the notice, the whole ladder moves so that the first step comes the policy's
 * minimum gap after the notice, keeping every gap between steps (as a hold moves it).
 */
export function startPacedPlan(ctx: PlanContext, s: PlanState, noticeAt: number, noticeContacts: number): PlanState {
  const contacted = noticeContacts > 0;
  const next: PlanState = {
    ...s,
    contacts: Array.from({ length: noticeContacts }, () => noticeAt),
    lastContactAt: contacted ? noticeAt : s.lastContactAt,
  };
  const first = ctx.policy.steps[0];
  if (!first) return next;
  const firstAt = stepDueAt(ctx.policy, first, ctx.dueDate, ctx.timezone);
  if (firstAt >= noticeAt) return next;
  const startAt = earliestContactAfter(noticeAt, minDaysBetweenContacts(ctx.policy), ctx.timezone, ctx.policy.send_hour);
  return { ...next, paceMs: Math.max(0, startAt - firstAt) };
}

/**
 * When a message may go out at or after `at`: quiet hours, the contact limit and (paced runs) the
 * minimum gap after the last contact, until all agree.
 */
export function allowedSendTime(ctx: PlanContext, at: number, contacts: readonly number[], count: number, lastContactAt: number | null = null): { at: number; guardrails: GuardrailCheck[] } {
  const g = ctx.policy.guardrails;
  let current = at;
  let quiet: GuardrailCheck = { check: 'quiet_hours', result: 'passed' };
  let limit: GuardrailCheck = { check: 'contact_limit', result: 'passed' };
  let gap: GuardrailCheck = { check: 'contact_gap', result: 'passed' };
  for (let i = 0; i < 10; i++) {
    let moved = current;
    if (ctx.paced && count > 0) {
      const c = applyContactGap(moved, lastContactAt, minDaysBetweenContacts(ctx.policy), ctx.timezone, ctx.policy.send_hour);
      if (c.check.result === 'waited') gap = c.check;
      moved = c.at;
    }
    const q = applyQuietHours(moved, ctx.timezone, g.quiet_hours_start, g.quiet_hours_end);
    if (q.check.result === 'waited') quiet = q.check;
    const l = applyContactLimit(q.at, contacts, count, g.max_contacts_per_7_days);
    if (l.check.result === 'waited') limit = l.check;
    if (l.at === current) break;
    current = l.at;
  }
  return { at: current, guardrails: ctx.paced ? [quiet, limit, gap] : [quiet, limit] };
}

/** The next thing the policy does, or null when every step has run. */
export function nextPlannedAction(ctx: PlanContext, s: PlanState, principalCents: number): PlannedAction | null {
  const step = ctx.policy.steps[s.stepIndex];
  const stepAt = step ? stepDueAt(ctx.policy, step, ctx.dueDate, ctx.timezone) + shiftOf(s) : Number.POSITIVE_INFINITY;
  const pending = [...s.pendingFees].sort((a, b) => a.chargeableAt - b.chargeableAt)[0];
  if (pending && pending.chargeableAt + shiftOf(s) <= stepAt) {
    const at = pending.chargeableAt + shiftOf(s);
    if (!ctx.paced) {
      return {
        kind: 'wik_fee',
        stepIndex: pending.stepIndex,
        level: pending.level,
        at,
        feeCents: feeCents({ type: 'wik' }, principalCents),
        guardrails: [{ check: 'wik_notice', result: 'passed', detail: 'the 14-day notice period has ended' }],
      };
    }
    return {
      kind: 'fee',
      stepIndex: pending.stepIndex,
      level: pending.level,
      at,
      // The fee on what is still owed, never more than the notice announced.
      feeCents: Math.min(pending.announcedCents, feeCents(feeOf(pending.feeType, ctx.policy.steps[pending.stepIndex]), principalCents)),
      fee: pending,
      guardrails: [{ check: 'wik_notice', result: 'passed', detail: 'the notice period has ended unpaid' }],
    };
  }
  if (!step) return null;
  const channels = step.action === 'debt_collection' ? [] : [...step.channels];
  const { at, guardrails } = allowedSendTime(ctx, stepAt, recentContacts(s.contacts, stepAt), channels.length, s.lastContactAt);
  const fee = feeCents(step.fee, principalCents);
  if (ctx.paced) {
    // Every fee is announced first and charged after its notice period, if the notice reached the debtor.
    const announces = step.action === 'dunning_level' && step.fee !== undefined && fee > 0;
    const period = announces ? feeNoticePeriod(step.fee!.type, ctx.consumer, at, ctx.timezone, ctx.policy.send_hour, feeNoticeDays(ctx.policy)) : null;
    if (period) guardrails.push({ check: 'wik_notice', result: 'deferred', detail: `fee announced; chargeable if unpaid after ${period.payBy} and the notice was delivered` });
    return {
      kind: 'step',
      stepIndex: s.stepIndex,
      step,
      nominalAt: stepAt,
      at,
      channels,
      feeCents: 0,
      announcedFeeCents: period ? fee : 0,
      ...(period ? { feePayBy: period.payBy } : {}),
      guardrails,
    };
  }
  const needsNotice = step.fee?.type === 'wik' && ctx.consumer;
  if (needsNotice) guardrails.push({ check: 'wik_notice', result: 'deferred', detail: 'statutory fee announced; chargeable after the 14-day notice period' });
  return {
    kind: 'step',
    stepIndex: s.stepIndex,
    step,
    nominalAt: stepAt,
    at,
    channels,
    feeCents: needsNotice ? 0 : fee,
    announcedFeeCents: needsNotice ? fee : 0,
    guardrails,
  };
}

/** The fee a pending entry charges: the announcing step's own fee (the statutory scale for old runs). */
function feeOf(feeType: Fee['type'], step: PolicyStep | undefined): Fee {
  return step?.fee?.type === feeType ? step.fee : { type: 'wik' };
}

/** The plan after an action ran at `ranAt`, having contacted the debtor `contactsMade` times. */
export function afterAction(ctx: PlanContext, s: PlanState, action: PlannedAction, ranAt: number, contactsMade: number, notice: { letterQueued?: boolean } = {}): PlanState {
  const contacts = [...recentContacts(s.contacts, ranAt), ...Array.from({ length: contactsMade }, () => ranAt)];
  if (action.kind === 'wik_fee') return { ...s, contacts, pendingFees: [] };
  if (action.kind === 'fee') return { ...s, contacts, pendingFees: s.pendingFees.filter((f) => f.stepIndex !== action.stepIndex) };
  if (!ctx.paced) {
    const pendingFees =
      action.announcedFeeCents > 0
        ? [
            {
              feeType: 'wik' as const,
              announcedCents: action.announcedFeeCents,
              // Shift is added back when the fee is planned, so keep it relative to the unshifted clock.
              chargeableAt: wikFeeChargeableFrom(ranAt, ctx.timezone, ctx.policy.send_hour) - shiftOf(s),
              level: action.step.level ?? 0,
              stepIndex: action.stepIndex,
              purposes: [stepPurpose(action.stepIndex)],
            },
          ]
        : s.pendingFees;
    return { ...s, stepIndex: s.stepIndex + 1, contacts, pendingFees };
  }
  const pendingFees =
    action.announcedFeeCents > 0
      ? [
          ...s.pendingFees,
          {
            feeType: action.step.fee!.type,
            announcedCents: action.announcedFeeCents,
            chargeableAt: feeNoticePeriod(action.step.fee!.type, ctx.consumer, ranAt, ctx.timezone, ctx.policy.send_hour, feeNoticeDays(ctx.policy)).chargeableAt - shiftOf(s),
            level: action.step.level ?? 0,
            stepIndex: action.stepIndex,
            purposes: [stepPurpose(action.stepIndex), fallbackPurpose(action.stepIndex)],
            ...(notice.letterQueued ? { letterQueued: true } : {}),
          },
        ]
      : s.pendingFees;
  return { ...s, stepIndex: s.stepIndex + 1, contacts, pendingFees, lastContactAt: contactsMade > 0 ? ranAt : s.lastContactAt };
}

/**
 * The plan when a fee's notice was accepted at `acceptedAt`: its period counts from then, so a
 * notice accepted later than it was sent (a letter posted days after) moves the fee later.
 * Unchanged (the same object) when the fee may be charged `now`.
 */
export function feeNoticeAccepted(ctx: PlanContext, s: PlanState, fee: PendingFee, acceptedAt: number, now: number): PlanState {
  const due = feeNoticePeriod(fee.feeType, ctx.consumer, acceptedAt, ctx.timezone, ctx.policy.send_hour, feeNoticeDays(ctx.policy)).chargeableAt;
  if (due <= now) return s;
  return { ...s, pendingFees: s.pendingFees.map((f) => (f.stepIndex === fee.stepIndex ? { ...f, chargeableAt: due - shiftOf(s) } : f)) };
}

/**
 * The plan when a fee's period ended and its notice was not (yet) accepted: a notice whose letter
 * waits in a print batch looks again a day later, for as long as a letter may take to be posted;
 * null when the notice reached no one (no fee).
 */
export function feeAwaitingLetter(s: PlanState, fee: PendingFee, now: number, periodEndedAt: number): PlanState | null {
  if (!fee.letterQueued || now - periodEndedAt >= LETTER_POSTING_WAIT_MS) return null;
  const chargeableAt = now + LETTER_POSTING_RECHECK_MS - shiftOf(s);
  return { ...s, pendingFees: s.pendingFees.map((f) => (f.stepIndex === fee.stepIndex ? { ...f, chargeableAt, periodEndedAt } : f)) };
}

/** The purpose (send key part) of a step's messages. */
export function stepPurpose(stepIndex: number): string {
  return `step${stepIndex}`;
}

/** The purpose of a step's fallback letter. */
export function fallbackPurpose(stepIndex: number): string {
  return `${stepPurpose(stepIndex)}:fallback`;
}

export interface TimelineEntry {
  at: string;
  action: 'invoice_notice' | 'reminder' | 'dunning_level' | 'fee' | 'debt_collection';
  level?: number;
  channels: Channel[];
  fee_cents?: number;
  /** The kind of fee a `fee` entry charges. */
  fee_type?: Fee['type'];
  announced_fee_cents?: number;
  /** The last day to pay to avoid the announced fee. */
  fee_pay_by?: string;
  /** A step's fallback letter: sent only when no other channel of the step reached the debtor. */
  fallback?: 'letter';
  /** What the entry depends on: a fee on its notice having been delivered, a fallback on no channel having been. */
  conditional?: 'notice_delivered' | 'no_channel_accepted';
  guardrails: GuardrailCheck[];
}

export interface PreviewOptions {
  /** The channels of the invoice notice (default email). */
  noticeChannels?: Channel[];
  /** Whether the debtor has a postal address; unknown when absent (letters are then shown as going). */
  hasAddress?: boolean;
}

/**
 * The whole timeline the policy would produce for an invoice transmitted at `transmittedAt`
 * and never paid, as a newly transmitted invoice runs it (paced): the same functions the
 * workflow calls, run to the end.
 */
export function previewTimeline(given: PlanContext, principalCents: number, transmittedAt: number, options: PreviewOptions = {}): TimelineEntry[] {
  const ctx: PlanContext = { ...given, paced: true };
  const noticeChannels = options.noticeChannels ?? ['email'];
  const timeline: TimelineEntry[] = [];
  const noLetter = (channels: readonly Channel[]): GuardrailCheck[] =>
    options.hasAddress === false && channels.includes('letter') ? [{ check: 'no_contact_details', result: 'skipped', channel: 'letter' }] : [];
  const notice = allowedSendTime(ctx, transmittedAt, [], noticeChannels.length);
  timeline.push({ at: new Date(notice.at).toISOString(), action: 'invoice_notice', channels: noticeChannels, guardrails: [...notice.guardrails, ...noLetter(noticeChannels)] });
  let state = startPacedPlan(ctx, initialPlanState(), notice.at, noticeChannels.length);
  for (let guard = 0; guard < 100; guard++) {
    const next = nextPlannedAction(ctx, state, principalCents);
    if (!next) break;
    const at = Math.max(next.at, notice.at);
    if (next.kind !== 'step') {
      const fee = next.kind === 'fee' ? { fee_type: next.fee.feeType, conditional: 'notice_delivered' as const } : { fee_type: 'wik' as const };
      timeline.push({ at: new Date(at).toISOString(), action: 'fee', level: next.level, channels: [], fee_cents: next.feeCents, ...fee, guardrails: next.guardrails });
      state = afterAction(ctx, state, next, at, 0);
      continue;
    }
    const level = next.step.level !== undefined ? { level: next.step.level } : {};
    timeline.push({
      at: new Date(at).toISOString(),
      action: next.step.action,
      channels: next.channels,
      guardrails: [...next.guardrails, ...noLetter(next.channels)],
      ...level,
      ...(next.feeCents > 0 ? { fee_cents: next.feeCents } : {}),
      ...(next.announcedFeeCents > 0 ? { announced_fee_cents: next.announcedFeeCents } : {}),
      ...(next.feePayBy ? { fee_pay_by: next.feePayBy } : {}),
    });
    if (next.step.fallback === 'letter' && !next.channels.includes('letter')) {
      const fallbackAt = next.channels.some((c) => c === 'sms') && !next.channels.includes('email') ? at + SMS_DELIVERY_REPORT_WAIT_MS : at;
      timeline.push({
        at: new Date(fallbackAt).toISOString(),
        action: next.step.action,
        ...level,
        channels: ['letter'],
        fallback: 'letter',
        conditional: 'no_channel_accepted',
        guardrails: noLetter(['letter']),
      });
    }
    state = afterAction(ctx, state, next, at, next.channels.length, { letterQueued: next.channels.includes('letter') || next.step.fallback === 'letter' });
  }
  return timeline;
}
