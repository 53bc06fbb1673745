import { addDays } from './local-time';
import type { DunningPolicy } from './dunning-policy';

export interface Installment {
  dueDate: string;
  amountCents: number;
}

/** Equal installments (the remainder on the last), every `intervalDays` from the first date. */
export function schedulePaymentPlan(amountDueCents: number, count: number, firstDueDate: string, intervalDays: number): Installment[] {
  const base = Math.floor(amountDueCents / count);
  return Array.from({ length: count }, (_, i) => ({
    dueDate: addDays(firstDueDate, i * intervalDays),
    amountCents: i === count - 1 ? amountDueCents - base * (count - 1) : base,
  }));
}

/** Why a plan is not allowed under the policy, or null when it is. */
export function paymentPlanProblem(policy: DunningPolicy, amountDueCents: number, count: number, firstDueDate: string, today: string): string | null {
  const limits = policy.payment_plan;
  if (count < 2 || count > limits.max_installments) return `installment_count must be between 2 and ${limits.max_installments}`;
  if (Math.floor(amountDueCents / count) < limits.min_installment_cents) return `each installment must be at least ${limits.min_installment_cents} cents`;
  if (firstDueDate < today) return 'first_due_date is in the past';
  if (firstDueDate > addDays(today, policy.promise_to_pay.max_days)) return `first_due_date is more than ${policy.promise_to_pay.max_days} days away`;
  return null;
}

/** Why a promise to pay by `date` is not allowed, or null when it is. */
export function promiseToPayProblem(policy: DunningPolicy, date: string, today: string): string | null {
  if (date < today) return 'the date is in the past';
  if (date > addDays(today, policy.promise_to_pay.max_days)) return `the date is more than ${policy.promise_to_pay.max_days} days away`;
  return null;
}

/**
 * An affordable plan from an income & expenditure statement: what is left each month, at most
 * half of it, paid over as few months as the policy allows.
 */
export function affordablePlan(policy: DunningPolicy, amountDueCents: number, monthlyIncomeCents: number, monthlyExpensesCents: number): { installmentCount: number; installmentCents: number } | null {
  const disposable = monthlyIncomeCents - monthlyExpensesCents;
  const affordable = Math.floor(disposable / 2);
  if (affordable < policy.payment_plan.min_installment_cents) return null;
  const count = Math.max(2, Math.ceil(amountDueCents / affordable));
  if (count > policy.payment_plan.max_installments) return null;
  return { installmentCount: count, installmentCents: Math.ceil(amountDueCents / count) };
}

/**
 * One payment plan over several invoices of a debtor's account: the installments of the total
 * (`schedulePaymentPlan`) split over the invoices oldest due date first, as a payment over them
 * would be allocated (domain/payment-allocation.ts). Each invoice gets the parts of the
 * installments that fall on it, on the same dates; an installment with nothing for an invoice is
 * left out of its plan. `amountsDue` are in the order of the invoices, oldest due date first.
 */
export function splitAccountPlan(installments: readonly Installment[], amountsDue: readonly number[]): Installment[][] {
  const plans: Installment[][] = amountsDue.map(() => []);
  let invoice = 0;
  let leftOnInvoice = amountsDue[0] ?? 0;
  for (const installment of installments) {
    let left = installment.amountCents;
    while (left > 0 && invoice < amountsDue.length) {
      if (leftOnInvoice === 0) {
        invoice += 1;
        leftOnInvoice = amountsDue[invoice] ?? 0;
        continue;
      }
      const part = Math.min(left, leftOnInvoice);
      plans[invoice]!.push({ dueDate: installment.dueDate, amountCents: part });
      left -= part;
      leftOnInvoice -= part;
    }
  }
  return plans;
}
