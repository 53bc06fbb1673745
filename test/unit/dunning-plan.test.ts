import { applyContactLimit, applyQuietHours, wikFeeChargeableFrom } from '../../domain/guardrails';
import { previewTimeline, type PlanContext } from '../../domain/dunning-plan';
import { defaultDunningPolicy, dunningPolicySchema } from '../../domain/dunning-policy';

const iso = (s: string) => Date.parse(s);
const HOUR = 3_600_000;

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

  test('the default policy: notice, reminders, level 1 with a fixed fee, level 2 announcing WIK, the WIK fee after the notice period (the same day as), then debt collection', () => {
    const timeline = previewTimeline(ctx, 100_000, iso('2026-01-10T12:00:00Z'));
    expect(timeline.map((e) => e.action)).toEqual(['invoice_notice', 'reminder', 'reminder', 'reminder', 'dunning_level', 'dunning_level', 'wik_fee', 'debt_collection']);
    const level2 = timeline[5]!;
    expect(level2).toMatchObject({ level: 2, announced_fee_cents: 15_000 });
    expect(level2.fee_cents).toBeUndefined();
    expect(level2.guardrails).toContainEqual(expect.objectContaining({ check: 'wik_notice', result: 'deferred' }));
    const fee = timeline.find((e) => e.action === 'fee')!;
    expect(fee.fee_cents).toBe(15_000);
    // Level 2 is 28 days after the due date (2026-03-01); the fee 17 days later.
    expect(level2.at).toBe('2026-03-01T09:00:00.000Z');
    expect(fee.at).toBe('2026-03-18T09:00:00.000Z');
    for (let i = 1; i < timeline.length; i++) expect(Date.parse(timeline[i]!.at)).toBeGreaterThanOrEqual(Date.parse(timeline[i - 1]!.at));
  });

  test('a business debtor pays the statutory fee at the step itself', () => {
    const timeline = previewTimeline({ ...ctx, consumer: false }, 100_000, iso('2026-01-10T12:00:00Z'));
    expect(timeline.find((e) => e.level === 2)).toMatchObject({ fee_cents: 15_000 });
    expect(timeline.some((e) => e.action === 'fee')).toBe(false);
  });

  test('a transmission at night sends the notice at 08:00', () => {
    const [notice] = previewTimeline(ctx, 100_000, iso('2026-01-10T23:30:00Z'));
    expect(notice!.at).toBe('2026-01-11T07:00:00.000Z');
    expect(notice!.guardrails[0]).toMatchObject({ check: 'quiet_hours', result: 'waited' });
  });

  test('the contact limit moves a step that would exceed it', () => {
    const policy = dunningPolicySchema.parse({
      guardrails: { max_contacts_per_7_days: 2 },
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
});
