import { outboundGuardOf, type ActivityDeps } from './deps';
import { failingFastOnDataErrors } from './data-errors';
import { debtCollectionActivities } from './debt-collection';
import { debtCaseActivities } from './debt-case';
import { debtCaseHandOffActivities } from './debt-case-handoff';
import { debtCaseInvoiceActivities } from './debt-case-invoice';
import { importTransmissionActivities } from './import-transmission';
import { invoiceStateActivities } from './invoice-state';
import { messagingActivities } from './messaging';
import { noticeDeliveryActivities } from './notice-delivery';
import { pullIntegrationActivities } from './pull-integration';
import { webhookActivities } from './webhooks';
import { batchFileActivities } from './batch-file';
import { eventsExtractActivities } from './events-extract';
import { contactChangeActivities } from './contact-change';
import { accountPlanActivities } from './account-plan';
import { debtorContactActivities } from './debtor-contact';
import { agentReplyActivities } from './agent-replies';
import { companySignInActivities } from './company-sign-in';

export type { ActivityDeps } from './deps';

/**
 * All activities, built from their dependencies; workflows import only this factory's type. Data
 * the database refuses fails an activity at once instead of retrying it forever.
 */
export function createActivities(given: ActivityDeps) {
  // One guard for every outbound path (webhooks, http collectors, pull sources).
  const deps: ActivityDeps = { ...given, outbound: outboundGuardOf(given) };
  return failingFastOnDataErrors({
    ...invoiceStateActivities(deps),
    ...messagingActivities(deps),
    ...noticeDeliveryActivities(deps),
    ...importTransmissionActivities(deps),
    ...debtCollectionActivities(deps),
    ...debtCaseActivities(deps),
    ...debtCaseHandOffActivities(deps),
    ...debtCaseInvoiceActivities(deps),
    ...pullIntegrationActivities(deps),
    ...webhookActivities(deps),
    ...batchFileActivities(deps),
    ...eventsExtractActivities(deps),
    ...contactChangeActivities(deps),
    ...accountPlanActivities(deps),
    ...debtorContactActivities(deps),
    ...agentReplyActivities(deps),
    ...companySignInActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
