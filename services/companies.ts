import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { companies } from '../db/schema';
import { changedVerifiedFields } from '../domain/company-verification';
import type { companyCreateSchema, companyPatchSchema, verificationDecisionSchema } from '../domain/schemas';
import type { z } from 'zod';
import { appendEvents } from './events';
import { newId } from './ids';

type CompanyRow = typeof companies.$inferSelect;
export type CompanyPatch = z.infer<typeof companyPatchSchema>;
export type CompanyCreate = z.infer<typeof companyCreateSchema>;
export type VerificationDecision = z.infer<typeof verificationDecisionSchema>;

/** A partner's new client organisation; it starts `pending_verification` (the column's default). */
export async function createCompany({ db }: { db: Db }, partnerId: string, input: CompanyCreate): Promise<CompanyRow> {
  const [row] = await db
    .insert(companies)
    .values({
      id: newId('cmp'),
      partnerId,
      name: input.name,
      country: input.country,
      currency: input.currency,
      locale: input.locale,
      timezone: input.timezone,
      contact: input.contact ?? null,
      bankAccount: input.bank_account ?? null,
      externalId: input.external_id ?? null,
    })
    .returning();
  return row!;
}

/** Ops' decision on a company: `verified` lets its imports be transmitted, `rejected` keeps them back. */
export async function decideCompanyVerification({ db }: { db: Db }, companyId: string, decision: VerificationDecision): Promise<CompanyRow> {
  const [row] = await db
    .update(companies)
    .set({ status: decision.decision === 'approve' ? 'verified' : 'rejected', verificationReason: decision.reason ?? null, updatedAt: new Date() })
    .where(eq(companies.id, companyId))
    .returning();
  return row!;
}

/**
 * Changes a company. A verified company whose name or bank account changes goes back to
 * `pending_verification` with a `company.verification_reset` event (and so a webhook), in the
 * same transaction: ops verified the old details, not the new ones, and nothing new of the
 * company is transmitted until they have looked again. Invoices already transmitted keep being
 * collected (their workflows never read the company's status): stopping them would punish the
 * debtors' creditor for updating its details, and payments arrive on Recoup's collection account,
 * not on the company's.
 */
export async function updateCompany({ db }: { db: Db }, companyId: string, patch: CompanyPatch): Promise<CompanyRow> {
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
