import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { companies } from '../db/schema';
import { changedVerifiedFields } from '../domain/company-verification';
import type { companyPatchSchema } from '../domain/schemas';
import type { z } from 'zod';
import { appendEvents } from './events';

type CompanyRow = typeof companies.$inferSelect;
export type CompanyPatch = z.infer<typeof companyPatchSchema>;

/**
 * Changes a company. A verified company whose name or bank account changes goes back to
 * `pending_verification` with a `company.verification_reset` event (and so a webhook), in the
 * same transaction: ops verified the old details, not the new ones, and nothing new of the
 * company is transmitted until they have looked again. Invoices already transmitted keep being
 * collected (their workflows never read the company's status): stopping them would punish the
 * debtors' creditor for updating its details, and payments arrive on Recoup's collection account,
 * not on the company's.
 */
export async function updateCompany(db: Db, companyId: string, patch: CompanyPatch): Promise<CompanyRow> {
  return db.transaction(async (tx) => {
    // Locked: two concurrent changes must not both see `verified` and one of them skip the reset.
    const [current] = await tx.select().from(companies).where(eq(companies.id, companyId)).for('update');
    if (!current) throw new Error(`company ${companyId} not found`);
    const changed = current.status === 'verified' ? changedVerifiedFields(current, patch) : [];
    const [row] = await tx
      .update(companies)
      .set({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.country !== undefined && { country: patch.country }),
        ...(patch.currency !== undefined && { currency: patch.currency }),
        ...(patch.locale !== undefined && { locale: patch.locale }),
        ...(patch.timezone !== undefined && { timezone: patch.timezone }),
        ...(patch.contact !== undefined && { contact: patch.contact }),
        ...(patch.bank_account !== undefined && { bankAccount: patch.bank_account }),
        ...(patch.external_id !== undefined && { externalId: patch.external_id }),
        ...(changed.length > 0 && { status: 'pending_verification' as const, verificationReason: `changed after verification: ${changed.join(', ')}` }),
        updatedAt: new Date(),
      })
      .where(eq(companies.id, companyId))
      .returning();
    if (changed.length > 0) {
      await appendEvents(tx, [
        {
          type: 'company.verification_reset',
          partnerId: current.partnerId,
          companyId: current.id,
          data: { company_id: current.id, previous_status: 'verified', status: 'pending_verification', changed_fields: changed },
        },
      ]);
    }
    return row!;
  });
}
