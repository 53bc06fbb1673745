import { WorkflowNotFoundError } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import { invoiceClient, invoiceRefusal } from '../workflows/invoice.client';
import type { AccountPlan } from '../workflows/invoice.messages';

/**
 * One payment plan over several invoices of a debtor: when one invoice's part breaks (an
 * installment missed), the invoice tells each other invoice of the plan, whose workflow ends its
 * part and resumes dunning. An invoice that has closed meanwhile (paid) has nothing to end.
 */
export function accountPlanActivities({ temporal }: Pick<ActivityDeps, 'temporal'>) {
  return {
    async endAccountPlan(input: { accountPlan: AccountPlan; brokenOn: string }): Promise<{ ended: string[] }> {
      const ended: string[] = [];
      for (const invoiceId of input.accountPlan.invoiceIds.filter((id) => id !== input.brokenOn)) {
        try {
          await invoiceClient(temporal, invoiceId).endPaymentPlan({ accountPlanId: input.accountPlan.id, brokenOn: input.brokenOn }, `end-plan-${input.accountPlan.id}-${invoiceId}`);
          ended.push(invoiceId);
        } catch (err) {
          if (err instanceof WorkflowNotFoundError || invoiceRefusal(err)) continue;
          throw err;
        }
      }
      return { ended };
    },
  };
}
