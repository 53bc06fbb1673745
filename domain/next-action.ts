import type { GuardrailCheck } from './guardrails';

/**
 * What an invoice waits for and why, beside its `next_action_at`: the invoice notice or a policy
 * step, and the guardrails that moved it later (quiet hours in the debtor's zone, the contact
 * limit, the gap between contacts). Without a guardrail it goes at the policy's own time.
 */
export interface NextActionNote {
  at: string;
  /** `invoice_notice`, a step's action (`reminder`, `dunning_level`, `debt_collection`), or `fee`. */
  action: string;
  step_index?: number;
  /** The first guardrail that moved it (`quiet_hours`, `contact_limit`, `contact_gap`), else `policy_schedule`. */
  reason: GuardrailCheck['check'] | 'policy_schedule';
  /** Only the checks it waits for, each with `until`. */
  guardrails: GuardrailCheck[];
}

export function nextActionNote(at: number, action: string, checks: readonly GuardrailCheck[], stepIndex?: number): NextActionNote {
  const waited = checks.filter((c) => c.result === 'waited');
  return {
    at: new Date(at).toISOString(),
    action,
    ...(stepIndex === undefined ? {} : { step_index: stepIndex }),
    reason: waited[0]?.check ?? 'policy_schedule',
    guardrails: waited,
  };
}
