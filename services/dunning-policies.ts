import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { dunningPolicies } from '../db/schema';
import { defaultDunningPolicy, type DunningPolicy } from '../domain/dunning-policy';

/** The company's newest policy version; version 0 is the built-in default. */
export async function currentDunningPolicy(db: Db, companyId: string): Promise<{ version: number; policy: DunningPolicy }> {
  const [row] = await db
    .select()
    .from(dunningPolicies)
    .where(eq(dunningPolicies.companyId, companyId))
    .orderBy(desc(dunningPolicies.version))
    .limit(1);
  return row ? { version: row.version, policy: row.policy } : { version: 0, policy: defaultDunningPolicy };
}
