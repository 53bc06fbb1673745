/**
 * How far past its due date an open invoice is, in the buckets the company dashboard shows (the
 * overview's aging chart, the invoices list's filter): days counted from the due date in the
 * company's timezone, so due today is 0 days overdue and due tomorrow is not due yet.
 */
export const overdueBuckets = ['days_0_30', 'days_31_60', 'days_61_90', 'days_90_plus'] as const;
export type OverdueBucket = (typeof overdueBuckets)[number];

/** Each bucket's first and last day overdue (none: no end). */
export const overdueBucketDays: Record<OverdueBucket, readonly [number, number | null]> = {
  days_0_30: [0, 30],
  days_31_60: [31, 60],
  days_61_90: [61, 90],
  days_90_plus: [91, null],
};
