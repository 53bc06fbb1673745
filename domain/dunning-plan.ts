import { applyContactLimit, applyQuietHours, recentContacts, wikFeeChargeableFrom, type GuardrailCheck } from './guardrails';
import { stepDueAt, type Channel, type DunningPolicy, type PolicyStep } from './dunning-policy';
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
}

export interface PlanState {
  /** Index of the next policy step to run. */
  stepIndex: number;
  /** Time spent on hold (or paused by a promise or plan): later steps move by it. */
  shiftMs: number;
  /** Contact attempts in the last 7 days. */
  contacts: number[];
  /** The statutory fee announced by a 14-day notice and not yet charged. */
  pendingWikFee: { chargeableAt: number; level: number; stepIndex: number } | null;
}

export type PlannedAction =
  | {
      kind: 'step';
      stepIndex: number;
      step: PolicyStep;
      nominalAt: number;
      at: number;
      channels: Channel[];
      /** Charged now. */
      feeCents: number;
      /** Announced now, charged after the notice period (WIK). */
      announcedFeeCents: number;
      guardrails: GuardrailCheck[];
    }
  | { kind: 'wik_fee'; stepIndex: number; level: number; at: number; feeCents: number; guardrails: GuardrailCheck[] };

export function initialPlanState(): PlanState {
  return { stepIndex: 0, shiftMs: 0, contacts: [], pendingWikFee: null };
}

/** When a message may go out at or after `at`: quiet hours and the contact limit, until both agree. */
export function allowedSendTime(ctx: PlanContext, at: number, contacts: readonly number[], count: number): { at: number; guardrails: GuardrailCheck[] } {
  const g = ctx.policy.guardrails;
  let current = at;
  let quiet: GuardrailCheck = { check: 'quiet_hours', result: 'passed' };
  let limit: GuardrailCheck = { check: 'contact_limit', result: 'passed' };
  for (let i = 0; i < 10; i++) {
    const q = applyQuietHours(current, ctx.timezone, g.quiet_hours_start, g.quiet_hours_end);
    if (q.check.result === 'waited') quiet = q.check;
    const l = applyContactLimit(q.at, contacts, count, g.max_contacts_per_7_days);
    if (l.check.result === 'waited') limit = l.check;
    if (l.at === current) break;
    current = l.at;
  }
  return { at: current, guardrails: [quiet, limit] };
}

/** The next thing the policy does, or null when every step has run. */
export function nextPlannedAction(ctx: PlanContext, s: PlanState, principalCents: number): PlannedAction | null {
  const step = ctx.policy.steps[s.stepIndex];
  const stepAt = step ? stepDueAt(ctx.policy, step, ctx.dueDate, ctx.timezone) + s.shiftMs : Number.POSITIVE_INFINITY;
  if (s.pendingWikFee && s.pendingWikFee.chargeableAt + s.shiftMs <= stepAt) {
    return {
      kind: 'wik_fee',
      stepIndex: s.pendingWikFee.stepIndex,
      level: s.pendingWikFee.level,
      at: s.pendingWikFee.chargeableAt + s.shiftMs,
      feeCents: feeCents({ type: 'wik' }, principalCents),
      guardrails: [{ check: 'wik_notice', result: 'passed', detail: 'the 14-day notice period has ended' }],
    };
  }
  if (!step) return null;
  const channels = step.action === 'debt_collection' ? [] : [...step.channels];
  const { at, guardrails } = allowedSendTime(ctx, stepAt, recentContacts(s.contacts, stepAt), channels.length);
  const fee = feeCents(step.fee, principalCents);
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

/** The plan after an action ran at `ranAt`, having contacted the debtor `contactsMade` times. */
export function afterAction(ctx: PlanContext, s: PlanState, action: PlannedAction, ranAt: number, contactsMade: number): PlanState {
  const contacts = [...recentContacts(s.contacts, ranAt), ...Array.from({ length: contactsMade }, () => ranAt)];
  if (action.kind === 'wik_fee') return { ...s, contacts, pendingWikFee: null };
  const pendingWikFee =
    action.announcedFeeCents > 0
      ? {
          // Shift is added back when the fee is planned, so keep it relative to the unshifted clock.
          chargeableAt: wikFeeChargeableFrom(ranAt, ctx.timezone, ctx.policy.send_hour) - s.shiftMs,
          level: action.step.level ?? 0,
          stepIndex: action.stepIndex,
        }
      : s.pendingWikFee;
  return { ...s, stepIndex: s.stepIndex + 1, contacts, pendingWikFee };
}

export interface TimelineEntry {
  at: string;
  action: 'invoice_notice' | 'reminder' | 'dunning_level' | 'wik_fee' | 'debt_collection';
  level?: number;
  channels: Channel[];
  fee_cents?: number;
  announced_fee_cents?: number;
  guardrails: GuardrailCheck[];
}

/**
 * The whole timeline the policy would produce for an invoice transmitted at `transmittedAt`
 * and never paid: the same functions the workflow calls, run to the end.
 */
export function previewTimeline(ctx: PlanContext, principalCents: number, transmittedAt: number, noticeChannels: Channel[] = ['email']): TimelineEntry[] {
  const timeline: TimelineEntry[] = [];
  const notice = allowedSendTime(ctx, transmittedAt, [], noticeChannels.length);
  timeline.push({ at: new Date(notice.at).toISOString(), action: 'invoice_notice', channels: noticeChannels, guardrails: notice.guardrails });
  let state: PlanState = { ...initialPlanState(), contacts: noticeChannels.map(() => notice.at) };
  for (let guard = 0; guard < 100; guard++) {
    const next = nextPlannedAction(ctx, state, principalCents);
    if (!next) break;
    const at = Math.max(next.at, notice.at);
    if (next.kind === 'wik_fee') {
      timeline.push({ at: new Date(at).toISOString(), action: 'wik_fee', level: next.level, channels: [], fee_cents: next.feeCents, guardrails: next.guardrails });
    } else {
      const entry: TimelineEntry = {
        at: new Date(at).toISOString(),
        action: next.step.action,
        channels: next.channels,
        guardrails: next.guardrails,
        ...(next.step.level !== undefined ? { level: next.step.level } : {}),
        ...(next.feeCents > 0 ? { fee_cents: next.feeCents } : {}),
        ...(next.announcedFeeCents > 0 ? { announced_fee_cents: next.announcedFeeCents } : {}),
      };
      timeline.push(entry);
    }
    state = afterAction(ctx, state, next, at, next.kind === 'step' ? next.channels.length : 0);
  }
  return timeline;
}
