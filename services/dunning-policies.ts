import { desc, eq, max } from 'drizzle-orm';
import type { Db } from '../db/client';
import { companies, dunningPolicies } from '../db/schema';
import { defaultDunningPolicy, type DunningPolicy } from '../domain/dunning-policy';
import { withPolicyDefaults } from '../domain/dunning-policy-rules';

export interface DunningPolicyVersion {
  version: number;
  policy: DunningPolicy;
  /** When this version was stored; null for the built-in default. */
  createdAt: Date | null;
}

/** The company's newest policy version; version 0 is the built-in default. */
export async function currentDunningPolicy(db: Db, companyId: string): Promise<DunningPolicyVersion> {
  const [row] = await db
    .select()
    .from(dunningPolicies)
    .where(eq(dunningPolicies.companyId, companyId))
    .orderBy(desc(dunningPolicies.version))
    .limit(1);
  // A version stored before a field existed answers the default it runs with.
  return row
    ? { version: row.version, policy: withPolicyDefaults(row.policy), createdAt: row.createdAt }
    : { version: 0, policy: defaultDunningPolicy, createdAt: null };
}

/**
 * Stores a new version of the company's policy. Versions are never changed afterwards: running
 * invoices carry the version they started with. The company row is locked so two concurrent
 * saves get consecutive versions.
 */
export async function saveDunningPolicy(db: Db, companyId: string, policy: DunningPolicy): Promise<DunningPolicyVersion> {
  return db.transaction(async (tx) => {
    await tx.select({ id: companies.id }).from(companies).where(eq(companies.id, companyId)).for('update');
    const [{ latest } = { latest: null }] = await tx
      .select({ latest: max(dunningPolicies.version) })
      .from(dunningPolicies)
      .where(eq(dunningPolicies.companyId, companyId));
    const [row] = await tx
      .insert(dunningPolicies)
      .values({ companyId, version: (latest ?? 0) + 1, policy })
      .returning();
    return { version: row!.version, policy: row!.policy, createdAt: row!.createdAt };
  });
}
