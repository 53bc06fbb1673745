import { applyContactLimit, applyQuietHours, wikFeeChargeableFrom } from '../../domain/guardrails';
import {
  feeAwaitingLetter,
  feeNoticeAccepted,
  initialPlanState,
  migratePlanState,
  nextPlannedAction,
  previewTimeline,
  SMS_DELIVERY_REPORT_WAIT_MS,
  type PendingFee,
  type PlanContext,
  type PlanState,
} from '../../domain/dunning-plan';
import { defaultDunningPolicy, dunningPolicySchema } from '../../domain/dunning-policy';

const iso = (s: string) => Date.parse(s);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('quiet hours in the debtor’s timezone', () => {
  test.each([
    ['10:00 Amsterdam is allowed', '2026-01-15T09:00:00Z', 'Europe/Amsterdam', 'passed', '2026-01-15T09:00:00.000Z'],
    ['22:30 Amsterdam waits for 08:00 the next day', '2026-01-15T21:30:00Z', 'Europe/Amsterdam', 'waited', '2026-01-16T07:00:00.000Z'],
    ['06:00 Amsterdam waits for 08:00 the same day', '2026-01-15T05:00:00Z', 'Europe/Amsterdam', 'waited', '2026-01-15T07:00:00.000Z'],
    ['21:00 sharp is already quiet', '2026-01-15T20:00:00Z', 'Europe/Amsterdam', 'waited', '2026-01-16T07:00:00.000Z'],
    ['15:00 UTC is 10:00 in New York: allowed', '2026-01-15T15:00:00Z', 'America/New_York', 'passed', '2026-01-15T15:00:00.000Z'],
    ['03:00 UTC is 22:00 in New York: next 08:00 there', '2026-01-15T03:00:00Z', 'America/New_York', 'waited', '2026-01-15T13:00:00.000Z'],
  ])('%s', (_label, at, tz, result, expected) => {
    const r = applyQuietHours(iso(at), tz, '21:00', '08:00');
    expect(r.check.result).toBe(result);
    expect(new Date(r.at).toISOString()).toBe(expected);
  });
});

describe('contact attempts per rolling 7 days', () => {
  const t0 = iso('2026-01-01T10:00:00Z');
  test('under the limit: passes', () => {
    expect(applyContactLimit(t0, [t0 - 24 * HOUR], 1, 2).check.result).toBe('passed');
  });
  test('at the limit: waits until the oldest attempt leaves the window', () => {
    const earlier = [t0 - 6 * 24 * HOUR, t0 - 24 * HOUR];
    const r = applyContactLimit(t0, earlier, 1, 2);
    expect(r.check.result).toBe('waited');
    expect(r.at).toBe(earlier[0]! + 7 * 24 * HOUR + 1);
  });
  test('two messages at once need two free places', () => {
    const earlier = [t0 - 5 * 24 * HOUR, t0 - 2 * 24 * HOUR, t0 - HOUR];
    const r = applyContactLimit(t0, earlier, 2, 3);
    expect(r.at).toBe(earlier[1]! + 7 * 24 * HOUR + 1);
  });
});

describe('WIK 14-day notice', () => {
  test('fee chargeable 14 days after the day after assumed receipt (2nd day after sending)', () => {
    // Sent Monday 2026-01-05: received Wednesday 01-07; 14 days run 01-08..01-21; chargeable 01-22.
    const at = wikFeeChargeableFrom(iso('2026-01-05T09:00:00Z'), 'Europe/Amsterdam', 10);
    expect(new Date(at).toISOString()).toBe('2026-01-22T09:00:00.000Z');
  });
});

describe('policy preview', () => {
  const ctx: PlanContext = { policy: defaultDunningPolicy, dueDate: '2026-02-01', timezone: 'Europe/Amsterdam', consumer: true };

  test('the default policy: each fee is announced by its level with a pay-by date and charged after its notice period, conditional on delivery; fallback letters are conditional', () => {
    const timeline = previewTimeline(ctx, 100_000, iso('2026-01-10T12:00:00Z'));
    expect(timeline.map((e) => `${e.action}${e.fallback ? ':fallback' : ''}`)).toEqual([
      'invoice_notice',
      'reminder',
      'reminder',
      'reminder',
      'dunning_level',
      'dunning_level:fallback',
      'fee',
      'dunning_level',
      'dunning_level:fallback',
      'fee',
      'debt_collection',
    ]);
    const [level1, level2] = timeline.filter((e) => e.action === 'dunning_level' && !e.fallback);
    // Level 1 (14 days after the due date) charges nothing itself: it announces €5 payable by a week later.
    expect(level1).toMatchObject({ level: 1, announced_fee_cents: 500, fee_pay_by: '2026-02-22', at: '2026-02-15T09:00:00.000Z' });
    expect(level1!.fee_cents).toBeUndefined();
    const [fixedFee, wikFee] = timeline.filter((e) => e.action === 'fee');
    expect(fixedFee).toMatchObject({ fee_type: 'fixed', fee_cents: 500, conditional: 'notice_delivered', at: '2026-02-23T09:00:00.000Z' });
    // Level 2 (28 days after the due date) announces WIK; the fee 17 days later, conditional on its notice's delivery.
    expect(level2).toMatchObject({ level: 2, announced_fee_cents: 15_000, fee_pay_by: '2026-03-17', at: '2026-03-01T09:00:00.000Z' });
    expect(level2!.guardrails).toContainEqual(expect.objectContaining({ check: 'wik_notice', result: 'deferred' }));
    expect(wikFee).toMatchObject({ fee_type: 'wik', fee_cents: 15_000, conditional: 'notice_delivered', at: '2026-03-18T09:00:00.000Z' });
    expect(timeline.find((e) => e.fallback)).toMatchObject({ channels: ['letter'], conditional: 'no_channel_accepted', at: level1!.at });
    for (let i = 1; i < timeline.length; i++) expect(Date.parse(timeline[i]!.at)).toBeGreaterThanOrEqual(Date.parse(timeline[i - 1]!.at));
  });

  test('transmitted 20 days after the due date: the notice alone on day 0, the ladder starts 3 days later and keeps its gaps, no fee within a week of its announcement', () => {
    const transmitted = iso('2026-02-21T12:00:00Z');
    const timeline = previewTimeline(ctx, 100_000, transmitted);
    const contacts = timeline.filter((e) => e.channels.length > 0 && !e.fallback);
    expect(contacts[0]).toMatchObject({ action: 'invoice_notice', at: '2026-02-21T12:00:00.000Z' });
    // Three calendar days apart in the debtor's timezone: nothing more before 02-24.
    expect(contacts.filter((e) => e.at < '2026-02-24')).toHaveLength(1);
    // The first step (3 days before the due date) moves to the notice + 3 days at the send hour; the others keep the policy's gaps.
    const steps = timeline.filter((e) => e.action !== 'invoice_notice' && e.action !== 'fee' && !e.fallback);
    expect(steps.map((e) => e.at.slice(0, 10))).toEqual(['2026-02-24', '2026-02-28', '2026-03-06', '2026-03-13', '2026-03-27', '2026-04-13']);
    const level1 = steps[3]!;
    const fee = timeline.find((e) => e.action === 'fee')!;
    expect(Date.parse(fee.at) - Date.parse(level1.at)).toBeGreaterThanOrEqual(7 * DAY);
    expect(fee).toMatchObject({ fee_cents: 500, at: '2026-03-21T09:00:00.000Z' });
  });

  test('a business debtor’s statutory fee is also announced first and charged after fee_notice_days', () => {
    const timeline = previewTimeline({ ...ctx, consumer: false }, 100_000, iso('2026-01-10T12:00:00Z'));
    expect(timeline.find((e) => e.level === 2 && e.action === 'dunning_level')).toMatchObject({ announced_fee_cents: 15_000, fee_pay_by: '2026-03-08' });
    expect(timeline.find((e) => e.action === 'fee' && e.fee_type === 'wik')).toMatchObject({ fee_cents: 15_000, at: '2026-03-09T09:00:00.000Z', conditional: 'notice_delivered' });
  });

  test('a transmission at night sends the notice at 08:00', () => {
    const [notice] = previewTimeline(ctx, 100_000, iso('2026-01-10T23:30:00Z'));
    expect(notice!.at).toBe('2026-01-11T07:00:00.000Z');
    expect(notice!.guardrails[0]).toMatchObject({ check: 'quiet_hours', result: 'waited' });
  });

  test('the contact limit moves a step that would exceed it', () => {
    const policy = dunningPolicySchema.parse({
      guardrails: { max_contacts_per_7_days: 2 },
      min_days_between_contacts: 0,
      steps: [
        { offset_days: 0, action: 'reminder', channels: ['email'] },
        { offset_days: 1, action: 'reminder', channels: ['email'] },
      ],
    });
    const timeline = previewTimeline({ ...ctx, policy }, 10_000, iso('2026-01-31T09:00:00Z'));
    // Notice on 01-31, reminder on 02-01: the third contact must wait until the notice leaves the window.
    expect(timeline[2]!.guardrails).toContainEqual(expect.objectContaining({ check: 'contact_limit', result: 'waited' }));
    expect(Date.parse(timeline[2]!.at)).toBeGreaterThan(iso('2026-02-07T09:00:00Z'));
  });

  test('two contacts are at least min_days_between_contacts apart: a step due sooner waits, and says so', () => {
    const policy = dunningPolicySchema.parse({
      min_days_between_contacts: 4,
      steps: [
        { offset_days: 0, action: 'reminder', channels: ['email'] },
        { offset_days: 1, action: 'reminder', channels: ['email'] },
      ],
    });
    const timeline = previewTimeline({ ...ctx, policy }, 10_000, iso('2026-01-20T09:00:00Z'));
    expect(timeline.map((e) => e.at)).toEqual(['2026-01-20T09:00:00.000Z', '2026-02-01T09:00:00.000Z', '2026-02-05T09:00:00.000Z']);
    expect(timeline[2]!.guardrails).toContainEqual({ check: 'contact_gap', result: 'waited', until: '2026-02-05T09:00:00.000Z', detail: 'at least 4 days after the previous contact' });
    expect(timeline[1]!.guardrails).toContainEqual({ check: 'contact_gap', result: 'passed' });
  });

  test('letter steps for a debtor without an address show no_contact_details; with the address unknown they show none', () => {
    const policy = dunningPolicySchema.parse({ steps: [{ offset_days: 7, action: 'dunning_level', level: 1, channels: ['letter'], fee: { type: 'fixed', amount_cents: 1_000 } }] });
    const without = previewTimeline({ ...ctx, policy }, 10_000, iso('2026-01-10T12:00:00Z'), { hasAddress: false });
    expect(without[1]).toMatchObject({ channels: ['letter'], guardrails: expect.arrayContaining([{ check: 'no_contact_details', result: 'skipped', channel: 'letter' }]) });
    const unknown = previewTimeline({ ...ctx, policy }, 10_000, iso('2026-01-10T12:00:00Z'));
    expect(unknown[1]!.guardrails.some((g) => g.check === 'no_contact_details')).toBe(false);
  });

  test('a step whose only other channel is SMS shows its fallback letter after the wait for delivery reports', () => {
    const policy = dunningPolicySchema.parse({ steps: [{ offset_days: 7, action: 'reminder', channels: ['sms'], fallback: 'letter' }] });
    const timeline = previewTimeline({ ...ctx, policy }, 10_000, iso('2026-01-10T12:00:00Z'));
    expect(Date.parse(timeline[2]!.at) - Date.parse(timeline[1]!.at)).toBe(SMS_DELIVERY_REPORT_WAIT_MS);
    expect(timeline[2]).toMatchObject({ fallback: 'letter', conditional: 'no_channel_accepted' });
  });
});

describe('the plan of a running invoice', () => {
  const ctx: PlanContext = { policy: defaultDunningPolicy, dueDate: '2026-02-01', timezone: 'Europe/Amsterdam', consumer: true, paced: true };
  const fee: PendingFee = { feeType: 'wik', announcedCents: 15_000, level: 2, stepIndex: 4, chargeableAt: iso('2026-03-18T09:00:00Z'), purposes: ['step4', 'step4:fallback'] };
  const withFee: PlanState = { ...initialPlanState(), stepIndex: 5, pendingFees: [fee] };

  test('a fee whose notice was accepted later (a letter posted days after) counts its period from then', () => {
    const posted = iso('2026-03-04T15:00:00Z');
    const moved = feeNoticeAccepted(ctx, withFee, fee, posted, iso('2026-03-18T09:00:00Z'));
    // Posted 03-04: assumed received 03-06, 14 days to 03-20, chargeable 03-21.
    expect(moved.pendingFees[0]!.chargeableAt).toBe(iso('2026-03-21T09:00:00Z'));
    expect(feeNoticeAccepted(ctx, withFee, fee, iso('2026-03-01T09:00:00Z'), iso('2026-03-18T09:00:00Z'))).toBe(withFee);
  });

  test('a fee is never more than its notice announced', () => {
    const action = nextPlannedAction(ctx, { ...withFee, stepIndex: 5 }, 10_000_000);
    expect(action).toMatchObject({ kind: 'fee', feeCents: 15_000 });
  });

  test('a fee whose letter waits in a print batch looks again a day later, for at most 14 days', () => {
    const queued = { ...fee, letterQueued: true };
    const s = { ...withFee, pendingFees: [queued] };
    const ended = fee.chargeableAt;
    expect(feeAwaitingLetter(s, queued, ended, ended)!.pendingFees[0]!.chargeableAt).toBe(ended + DAY);
    expect(feeAwaitingLetter(s, queued, ended + 14 * DAY, ended)).toBeNull();
    expect(feeAwaitingLetter(withFee, fee, ended, ended)).toBeNull();
  });

  test('a plan handed over before fees were generalised keeps its statutory fee', () => {
    const stored = { stepIndex: 5, shiftMs: 0, contacts: [], pendingWikFee: { chargeableAt: fee.chargeableAt, level: 2, stepIndex: 4 } };
    const plan = migratePlanState(stored);
    expect(plan).toMatchObject({ lastContactAt: null, pendingFees: [{ feeType: 'wik', level: 2, stepIndex: 4, chargeableAt: fee.chargeableAt, purposes: ['step4'] }] });
    // A run from before pacing charges it as it always did: the statutory scale, the 14-day detail.
    expect(nextPlannedAction({ ...ctx, paced: false }, plan, 100_000)).toEqual({
      kind: 'wik_fee',
      stepIndex: 4,
      level: 2,
      at: fee.chargeableAt,
      feeCents: 15_000,
      guardrails: [{ check: 'wik_notice', result: 'passed', detail: 'the 14-day notice period has ended' }],
    });
  });

  test('a run from before pacing charges a fixed fee at its step and checks no contact gap', () => {
    const old = { ...ctx, paced: false };
    const step = nextPlannedAction(old, { ...initialPlanState(), stepIndex: 3, lastContactAt: iso('2026-02-14T09:00:00Z') }, 100_000);
    expect(step).toMatchObject({ kind: 'step', feeCents: 500, announcedFeeCents: 0, at: iso('2026-02-15T09:00:00Z') });
    expect((step as { guardrails: unknown[] }).guardrails).toHaveLength(2);
  });
});
