import { desc, eq, max } from 'drizzle-orm';
import type { Db } from '../db/client';
import { companies, debtCollectorConfigurations } from '../db/schema';
import type { DebtCollectorConfiguration } from '../domain/debt-collector-configuration';

export interface DebtCollectorConfigurationVersion {
  version: number;
  configurations: DebtCollectorConfiguration[];
  /** When this version was stored; null for version 0 (none set: every case goes to review). */
  createdAt: Date | null;
}

/** The company's newest list; version 0, empty, when none was ever set. */
export async function currentDebtCollectorConfigurations(db: Db, companyId: string): Promise<DebtCollectorConfigurationVersion> {
  const [row] = await db
    .select()
    .from(debtCollectorConfigurations)
    .where(eq(debtCollectorConfigurations.companyId, companyId))
    .orderBy(desc(debtCollectorConfigurations.version))
    .limit(1);
  return row ? { version: row.version, configurations: row.configurations, createdAt: row.createdAt } : { version: 0, configurations: [], createdAt: null };
}

/** Replaces the ordered list with a new version (the company row is locked for consecutive versions). */
export async function saveDebtCollectorConfigurations(
  db: Db,
  companyId: string,
  configurations: DebtCollectorConfiguration[],
): Promise<DebtCollectorConfigurationVersion> {
  return db.transaction(async (tx) => {
    await tx.select({ id: companies.id }).from(companies).where(eq(companies.id, companyId)).for('update');
    const [{ latest } = { latest: null }] = await tx
      .select({ latest: max(debtCollectorConfigurations.version) })
      .from(debtCollectorConfigurations)
      .where(eq(debtCollectorConfigurations.companyId, companyId));
    const [row] = await tx
      .insert(debtCollectorConfigurations)
      .values({ companyId, version: (latest ?? 0) + 1, configurations })
      .returning();
    return { version: row!.version, configurations: row!.configurations, createdAt: row!.createdAt };
  });
}
