import type { DunningPolicy, PolicyStep } from './dunning-policy';
import { addDays, localTimeToUtc } from './local-time';

/*
 * The rules of a dunning policy version in days and times, apart from its zod schema
 * (./dunning-policy.ts): workflow code imports these, and everything a workflow imports is
 * evaluated again for each workflow the worker keeps cached (zod alone is hundreds of KB per
 * workflow; docs/operations.md, worker sizing). Keep zod and other heavy modules out of here.
 */

export const DEFAULT_PORTAL_LINK_DAYS = 60;

/** The portal link period of a policy version, also of one stored before `portal_link_days` existed. */
export function portalLinkDays(policy: Partial<Pick<DunningPolicy, 'portal_link_days'>> | null | undefined): number {
  return policy?.portal_link_days ?? DEFAULT_PORTAL_LINK_DAYS;
}

export const DEFAULT_MIN_DAYS_BETWEEN_CONTACTS = 3;
export const DEFAULT_FEE_NOTICE_DAYS = 7;

/** The minimum gap between contacts of a policy version, also of one stored before the field existed. */
export function minDaysBetweenContacts(policy: Partial<Pick<DunningPolicy, 'min_days_between_contacts'>> | null | undefined): number {
  return policy?.min_days_between_contacts ?? DEFAULT_MIN_DAYS_BETWEEN_CONTACTS;
}

/** The fee notice period of a policy version, also of one stored before the field existed. */
export function feeNoticeDays(policy: Partial<Pick<DunningPolicy, 'fee_notice_days'>> | null | undefined): number {
  return policy?.fee_notice_days ?? DEFAULT_FEE_NOTICE_DAYS;
}

/** A stored policy version with the fields added since it was stored, at their defaults. */
export function withPolicyDefaults(policy: DunningPolicy): DunningPolicy {
  return {
    ...policy,
    portal_link_days: portalLinkDays(policy),
    min_days_between_contacts: minDaysBetweenContacts(policy),
    fee_notice_days: feeNoticeDays(policy),
  };
}

/** When a step falls due: its day relative to the due date, at the policy's send hour, debtor's local time. */
export function stepDueAt(policy: DunningPolicy, step: PolicyStep, dueDate: string, timezone: string): number {
  return localTimeToUtc(addDays(dueDate, step.offset_days), policy.send_hour, 0, timezone);
}

/** A stable key for a step, used to send each step's messages once. */
export function stepKey(stepIndex: number, step: PolicyStep): string {
  return `step${stepIndex}:${step.action}${step.level ?? ''}@${step.offset_days}`;
}
