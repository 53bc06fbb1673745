import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { dunningPolicies, invoices } from '../db/schema';
import { portalLinkDays } from '../domain/dunning-policy-rules';
import { createPortalToken, portalLinkExpiry, portalUrl } from '../messaging/portal-link';
import type { Principal } from './api-keys';
import { appendEvents } from './events';

type InvoiceRow = typeof invoices.$inferSelect;

/**
 * A fresh portal link for ops to send the debtor by hand (a phone call, a letter written by
 * hand): valid for the `portal_link_days` of the invoice's policy version, as a message's link
 * would be. The timeline records who took one and until when it works, never the link itself.
 */
export async function issuePortalLink(
  db: Db,
  config: { portalSecret: string; publicBaseUrl: string },
  invoice: InvoiceRow,
  issuedBy: Principal,
  now: Date,
): Promise<{ url: string; expiresAt: Date }> {
  const [policy] =
    invoice.policyVersion === null
      ? []
      : await db
          .select({ policy: dunningPolicies.policy })
          .from(dunningPolicies)
          .where(and(eq(dunningPolicies.companyId, invoice.companyId), eq(dunningPolicies.version, invoice.policyVersion)));
  const expiresAt = portalLinkExpiry(now, portalLinkDays(policy?.policy));
  const url = portalUrl(config.publicBaseUrl, createPortalToken(config.portalSecret, invoice.id, expiresAt));
  await appendEvents(db, [
    {
      type: 'invoice.portal_link_issued',
      partnerId: invoice.partnerId,
      companyId: invoice.companyId,
      invoiceId: invoice.id,
      data: { invoice_id: invoice.id, issued_by: { role: issuedBy.role, api_key_id: issuedBy.keyId }, expires_at: expiresAt.toISOString() },
    },
  ]);
  return { url, expiresAt };
}
