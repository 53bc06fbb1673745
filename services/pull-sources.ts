import { eq } from 'drizzle-orm';
import { ServiceError, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { pullSources, type companies } from '../db/schema';
import { invalidField, notFound, unavailable } from '../domain/errors';
import type { PullSourcePut } from '../domain/pull-integration';
import type { SecretBox } from './secret-box';
import { deletePullSchedule, savePullSchedule, triggerPullSchedule } from './pull-schedule';

type PullSourceRow = typeof pullSources.$inferSelect;
type Company = Pick<typeof companies.$inferSelect, 'id' | 'partnerId'>;
interface ScheduleDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

async function sourceOf(db: Db, companyId: string): Promise<PullSourceRow | undefined> {
  const [row] = await db.select().from(pullSources).where(eq(pullSources.companyId, companyId));
  return row;
}

/** The company's pull source; none is "not found". Tenancy is the caller's business. */
export async function findPullSource({ db }: { db: Db }, companyId: string): Promise<PullSourceRow> {
  const source = await sourceOf(db, companyId);
  if (!source) throw notFound('pull source');
  return source;
}

/**
 * Creates or replaces the company's pull source and its Schedule. The bearer token is stored
 * sealed; left out, the stored one is kept (a new source needs one). The URL is the caller's to check.
 */
export async function savePullSource(
  { db, temporal, taskQueue, secrets }: ScheduleDeps & { secrets: SecretBox },
  company: Company,
  input: PullSourcePut,
): Promise<{ source: PullSourceRow; created: boolean }> {
  const existing = await sourceOf(db, company.id);
  const bearerToken = input.bearer_token !== undefined ? secrets.seal(input.bearer_token) : existing?.bearerToken;
  if (!bearerToken) throw invalidField('bearer_token', 'required when the pull source is created');
  const values = { url: input.url, bearerToken, intervalMinutes: input.interval_minutes, autoTransmit: input.auto_transmit, updatedAt: new Date() };
  const [row] = await db
    .insert(pullSources)
    .values({ companyId: company.id, partnerId: company.partnerId, ...values })
    .onConflictDoUpdate({ target: pullSources.companyId, set: values })
    .returning();
  // Saved first: should Temporal be unavailable, repeating the PUT (or a run now) brings the Schedule in line.
  await schedule(() => savePullSchedule(temporal, taskQueue, { companyId: company.id, partnerId: company.partnerId, intervalMinutes: values.intervalMinutes }));
  return { source: row!, created: !existing };
}

/** Stops pulling and forgets the source. */
export async function deletePullSource({ db, temporal }: Omit<ScheduleDeps, 'taskQueue'>, companyId: string): Promise<void> {
  await findPullSource({ db }, companyId);
  // The Schedule goes first, so nothing new starts; a run under way finds no source and stops.
  await schedule(() => deletePullSchedule(temporal, companyId));
  await db.delete(pullSources).where(eq(pullSources.companyId, companyId));
}

/** Pulls now, through the Schedule (so a run never overlaps a scheduled one). */
export async function runPullSource({ db, temporal, taskQueue }: ScheduleDeps, company: Company): Promise<PullSourceRow> {
  const source = await findPullSource({ db }, company.id);
  await schedule(() => triggerPullSchedule(temporal, taskQueue, { companyId: company.id, partnerId: company.partnerId, intervalMinutes: source.intervalMinutes }));
  return source;
}

/** Temporal unreachable is the contract's 503, not a 500. */
async function schedule(call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (err instanceof ServiceError) throw unavailable('scheduler_unavailable', `The pull schedule could not be updated: ${err.message}`);
    throw err;
  }
}
