import { z } from 'zod';

/** A company's collection policy: ordered steps relative to the due date, plus limits (its rules in days and times: ./dunning-policy-rules.ts). */
export const channelSchema = z.enum(['email', 'sms', 'letter']);
export type Channel = z.infer<typeof channelSchema>;

export const feeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('fixed'), amount_cents: z.number().int().min(0) }),
  z.object({ type: z.literal('percentage'), percent: z.number().min(0).max(100) }),
  z.object({ type: z.literal('wik') }),
]);
export type Fee = z.infer<typeof feeSchema>;

export const policyStepSchema = z
  .object({
    offset_days: z.number().int().min(-60).max(730),
    action: z.enum(['reminder', 'dunning_level', 'debt_collection']),
    level: z.number().int().min(1).max(9).optional(),
    channels: z.array(channelSchema).max(3).default(['email']),
    fee: feeSchema.optional(),
    /** A letter when no other channel of this step reached the debtor (nothing accepted). */
    fallback: z.literal('letter').optional(),
  })
  .refine((s) => s.action !== 'dunning_level' || s.level !== undefined, {
    message: 'a dunning_level step needs a level',
    path: ['level'],
  });
export type PolicyStep = z.infer<typeof policyStepSchema>;

export const dunningPolicySchema = z
  .object({
    steps: z.array(policyStepSchema).min(1).max(20),
    /** Local hour (debtor's timezone) at which a step is due. */
    send_hour: z.number().int().min(0).max(23).default(10),
    guardrails: z
      .object({
        quiet_hours_start: z.string().regex(/^\d\d:\d\d$/).default('21:00'),
        quiet_hours_end: z.string().regex(/^\d\d:\d\d$/).default('08:00'),
        max_contacts_per_7_days: z.number().int().min(1).max(50).default(7),
      })
      .prefault({}),
    promise_to_pay: z
      .object({ max_days: z.number().int().min(1).max(365).default(30), grace_days: z.number().int().min(0).max(30).default(3) })
      .prefault({}),
    /**
     * How long the portal link in a message stays valid, counted from that message (each message
     * carries a fresh link). Policies stored before this field existed read as the default.
     */
    portal_link_days: z.number().int().min(1).max(365).default(60),
    /**
     * The least number of days between two contacts of the debtor: a step that would come sooner
     * after the previous contact waits. Policies stored before this field existed read as the default.
     */
    min_days_between_contacts: z.number().int().min(0).max(30).default(3),
    /**
     * Days a message announcing a fee gives to pay before the fee is charged (fixed and percentage
     * fees, and the statutory fee to a business; a consumer's statutory fee has its own 14 days).
     */
    fee_notice_days: z.number().int().min(1).max(60).default(7),
    /** What a chargeback or reversed payment on the invoice leads to. */
    chargeback: z.enum(['debt_collection', 'resume_dunning']).default('debt_collection'),
    payment_plan: z
      .object({
        max_installments: z.number().int().min(2).max(60).default(12),
        min_installment_cents: z.number().int().min(1).default(2500),
      })
      .prefault({}),
  })
  .refine((p) => p.steps.every((s, i) => i === 0 || s.offset_days >= p.steps[i - 1]!.offset_days), {
    message: 'steps must be ordered by offset_days',
    path: ['steps'],
  });
export type DunningPolicy = z.infer<typeof dunningPolicySchema>;

export const defaultDunningPolicy: DunningPolicy = dunningPolicySchema.parse({
  steps: [
    { offset_days: -3, action: 'reminder', channels: ['email'] },
    { offset_days: 1, action: 'reminder', channels: ['email', 'sms'] },
    { offset_days: 7, action: 'reminder', channels: ['email'] },
    { offset_days: 14, action: 'dunning_level', level: 1, channels: ['email', 'sms'], fee: { type: 'fixed', amount_cents: 500 }, fallback: 'letter' },
    { offset_days: 28, action: 'dunning_level', level: 2, channels: ['email', 'sms'], fee: { type: 'wik' }, fallback: 'letter' },
    { offset_days: 45, action: 'debt_collection', channels: [] },
  ],
});
