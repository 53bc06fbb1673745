/**
 * Pure rules of the webhook outbox relay: which endpoint wants which event, and how far the relay's
 * cursor over the `events` table may move.
 *
 * Why a cursor with gaps: `events.seq` comes from a sequence, which hands out numbers when a
 * transaction inserts, not when it commits. Two invoices persisting at once can commit seq 11
 * before seq 10; a plain "last seq seen" cursor would then skip 10 forever. So the relay remembers
 * the numbers it has not seen below its high-water mark ("open gaps") and keeps looking for them
 * for a grace period. Most gaps never fill (a rolled-back transaction, an insert skipped by a
 * dedupe key still consumes a number) and simply expire.
 */

export interface RelayCursor {
  /** The highest event seq the relay has read. */
  highWaterSeq: number;
  /** Seqs below the high-water mark not yet seen, with when the relay first missed them (ms). */
  openGaps: OpenGap[];
}

export interface OpenGap {
  seq: number;
  sinceMs: number;
}

export interface RelayCursorRules {
  /** How long a missing seq may still turn up; far longer than any transaction that writes events. */
  gapGraceMs: number;
  /** Bounds the gap list (and the query reading it) after a large jump in the sequence. */
  maxOpenGaps: number;
}

export const relayCursorRules: RelayCursorRules = { gapGraceMs: 60_000, maxOpenGaps: 1_000 };

export const initialRelayCursor: RelayCursor = { highWaterSeq: 0, openGaps: [] };

/**
 * The cursor after reading `seen` (the seqs of one page, as read by
 * `seq > highWaterSeq OR seq IN openGaps ORDER BY seq`), and the gaps given up on.
 */
export function advanceRelayCursor(
  cursor: RelayCursor,
  seen: readonly number[],
  nowMs: number,
  rules: RelayCursorRules = relayCursorRules,
): { cursor: RelayCursor; expiredGaps: number[] } {
  const seenSet = new Set(seen);
  const fresh = [...seenSet].filter((s) => s > cursor.highWaterSeq).sort((a, b) => a - b);
  const highWaterSeq = fresh.length > 0 ? fresh[fresh.length - 1]! : cursor.highWaterSeq;

  // New gaps between the old high-water mark and the new one, highest first, at most the cap.
  const newGaps: OpenGap[] = [];
  let previous = highWaterSeq;
  for (let i = fresh.length - 2; i >= -1 && newGaps.length < rules.maxOpenGaps; i--) {
    const below = i >= 0 ? fresh[i]! : cursor.highWaterSeq;
    for (let seq = previous - 1; seq > below && newGaps.length < rules.maxOpenGaps; seq--) newGaps.push({ seq, sinceMs: nowMs });
    previous = below;
  }

  const expiredGaps: number[] = [];
  const stillOpen = cursor.openGaps.filter((g) => {
    if (seenSet.has(g.seq)) return false;
    if (nowMs - g.sinceMs >= rules.gapGraceMs) {
      expiredGaps.push(g.seq);
      return false;
    }
    return true;
  });
  const openGaps = [...stillOpen, ...newGaps].sort((a, b) => a.seq - b.seq);
  // Over the cap, the oldest numbers are the least likely to still be in a running transaction.
  const dropped = openGaps.length > rules.maxOpenGaps ? openGaps.splice(0, openGaps.length - rules.maxOpenGaps) : [];
  return { cursor: { highWaterSeq, openGaps }, expiredGaps: [...expiredGaps, ...dropped.map((g) => g.seq)].sort((a, b) => a - b) };
}

export interface EndpointSubscription {
  /** `null`: every event type, including types added later. */
  eventTypes: readonly string[] | null;
  createdAt: Date;
}

/**
 * Whether an active endpoint gets an event: its type is subscribed, and the event is not older
 * than the endpoint (a new endpoint does not receive the partner's history when the relay lags).
 */
export function endpointWantsEvent(endpoint: EndpointSubscription, event: { type: string; createdAt: Date }): boolean {
  if (event.createdAt.getTime() < endpoint.createdAt.getTime()) return false;
  return endpoint.eventTypes === null || endpoint.eventTypes.includes(event.type);
}
