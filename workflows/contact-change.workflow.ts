import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ContactChangeConfirmationResult } from '../activities/contact-change';

const { sendContactChangeConfirmation } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // Retried for about a day (a mail server down for hours still gets the confirmation out).
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes', maximumAttempts: 60 },
});

/**
 * Confirms a contact change made in the debtor portal to the previous email address and phone
 * number, each with a link that undoes it: a leaked portal link cannot silently take over where
 * the debtor's messages go. Durable: the API starts it in the change's own transaction.
 */
export async function contactChangeConfirmationWorkflow(input: { changeId: string }): Promise<ContactChangeConfirmationResult[]> {
  return Promise.all((['email', 'sms'] as const).map((channel) => sendContactChangeConfirmation({ changeId: input.changeId, channel })));
}
