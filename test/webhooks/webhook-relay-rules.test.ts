import { advanceRelayCursor, endpointWantsEvent, initialRelayCursor, type RelayCursor } from '../../domain/webhook-relay';
import { signWebhook } from '../../services/webhook-signature';

const rules = { gapGraceMs: 60_000, maxOpenGaps: 5 };
const T = 1_000_000;

describe('the relay cursor', () => {
  test.each<[string, RelayCursor, number[], number, RelayCursor, number[]]>([
    ['a contiguous page moves the high-water mark and opens no gap', initialRelayCursor, [1, 2, 3], T, { highWaterSeq: 3, openGaps: [] }, []],
    ['an empty page changes nothing', { highWaterSeq: 3, openGaps: [] }, [], T, { highWaterSeq: 3, openGaps: [] }, []],
    [
      'a number skipped in a page is kept open: its transaction may still commit',
      { highWaterSeq: 3, openGaps: [] },
      [4, 6, 9],
      T,
      { highWaterSeq: 9, openGaps: [{ seq: 5, sinceMs: T }, { seq: 7, sinceMs: T }, { seq: 8, sinceMs: T }] },
      [],
    ],
    [
      'a gap that turns up is closed',
      { highWaterSeq: 9, openGaps: [{ seq: 5, sinceMs: T }, { seq: 7, sinceMs: T }] },
      [5, 10],
      T + 1_000,
      { highWaterSeq: 10, openGaps: [{ seq: 7, sinceMs: T }] },
      [],
    ],
    [
      'a gap open longer than the grace period is given up on',
      { highWaterSeq: 9, openGaps: [{ seq: 5, sinceMs: T }, { seq: 7, sinceMs: T + 30_000 }] },
      [],
      T + 60_000,
      { highWaterSeq: 9, openGaps: [{ seq: 7, sinceMs: T + 30_000 }] },
      [5],
    ],
    [
      'a jump in the sequence keeps only the most recent numbers open',
      { highWaterSeq: 1, openGaps: [] },
      [1_000_000],
      T,
      { highWaterSeq: 1_000_000, openGaps: [999_995, 999_996, 999_997, 999_998, 999_999].map((seq) => ({ seq, sinceMs: T })) },
      [],
    ],
    [
      'over the cap, the oldest open numbers are dropped',
      { highWaterSeq: 10, openGaps: [2, 4, 6, 8].map((seq) => ({ seq, sinceMs: T })) },
      [13],
      T,
      { highWaterSeq: 13, openGaps: [4, 6, 8, 11, 12].map((seq) => ({ seq, sinceMs: T })) },
      [2],
    ],
  ])('%s', (_case, cursor, seen, now, next, expired) => {
    expect(advanceRelayCursor(cursor, seen, now, rules)).toEqual({ cursor: next, expiredGaps: expired });
  });
});

describe('which endpoint wants which event', () => {
  const created = new Date('2026-11-01T10:00:00Z');
  const later = new Date('2026-11-01T10:00:01Z');
  const earlier = new Date('2026-11-01T09:59:59Z');
  test.each([
    ['every type subscribed (null), a later event', null, 'invoice.paid', later, true],
    ['a subscribed type', ['invoice.paid'], 'invoice.paid', later, true],
    ['a type not subscribed', ['invoice.paid'], 'invoice.on_hold', later, false],
    ['an event older than the endpoint', null, 'invoice.paid', earlier, false],
    ['an event at the very moment of creation', ['invoice.paid'], 'invoice.paid', created, true],
  ])('%s → %s', (_case, eventTypes, type, at, wanted) => {
    expect(endpointWantsEvent({ eventTypes, createdAt: created }, { type, createdAt: at })).toBe(wanted);
  });
});

describe('the signature', () => {
  test('matches the Standard Webhooks specification\'s published test vector', () => {
    const headers = signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });
});
