import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CompanySignInLinkResult } from '../activities/company-sign-in';

const { sendCompanySignInLink } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // A link lives 15 minutes: retried for about that long; after it expires the activity sends
  // nothing (the user asks for a new one on the sign-in page).
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

/** Emails a company user's one-time sign-in link (an invitation or one they asked for). */
export async function companySignInLinkWorkflow(input: { linkId: string }): Promise<CompanySignInLinkResult> {
  return sendCompanySignInLink({ linkId: input.linkId });
}
