import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { companies, debtors, disputes, invoices } from '../db/schema';
import type { ConsoleScope } from './console-users';
import type { DisputeRow } from './disputes';

export interface OpenDisputeRow {
  dispute: DisputeRow;
  invoice: typeof invoices.$inferSelect;
  companyName: string;
  debtorName: string | null;
}

/** The open disputes a console user may see (their partner's, or all for ops), oldest first: the agents' queue of disputes. */
export async function openDisputes(db: Db, scope: ConsoleScope, limit = 500): Promise<OpenDisputeRow[]> {
  return db
    .select({ dispute: disputes, invoice: invoices, companyName: companies.name, debtorName: debtors.name })
    .from(disputes)
    .innerJoin(invoices, eq(invoices.id, disputes.invoiceId))
    .innerJoin(companies, eq(companies.id, disputes.companyId))
    .leftJoin(debtors, eq(debtors.id, disputes.debtorId))
    .where(and(eq(disputes.status, 'open'), scope.partnerId === null ? undefined : eq(disputes.partnerId, scope.partnerId)))
    .orderBy(asc(disputes.openedAt), asc(disputes.id))
    .limit(limit);
}
