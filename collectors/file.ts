import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { and, asc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { debtCollectionCaseDocuments, debtCollectionCases } from '../db/schema';
import type { DebtCaseRow } from '../services/debt-cases';
import { collectorCasePayload } from './case-payload';
import type { DebtCollector } from './types';

export interface FileCollectorDeps {
  db: Db;
  /** `RECOUP_COLLECTOR_OUTBOX_DIR`, or `$RECOUP_DATA_DIR/collector-outbox`; null when neither is on disk. */
  outboxDir: string | null;
  publicBaseUrl: string;
}

const safeSegment = /^[A-Za-z0-9_-]+$/;

/** `<outbox>/<company id>/<YYYY-MM-DD>.json`: the cases handed to the file collector that day (UTC). */
export function collectorBatchFile(outboxDir: string, companyId: string, date: string): string {
  if (!safeSegment.test(companyId)) throw new Error(`unexpected company id ${JSON.stringify(companyId)}`);
  return path.join(outboxDir, companyId, `${date}.json`);
}

const dayOf = (at: Date) => at.toISOString().slice(0, 10);

/**
 * A collector that picks up files: every hand-off rewrites the company's batch file of the day
 * from the database, so the file always holds every case handed off that day, once, whatever the
 * retries. A database lock per (company, day) keeps two workers from writing it over each other.
 */
export function fileCollector(deps: FileCollectorDeps): DebtCollector {
  function outbox(): string {
    if (deps.outboxDir) return deps.outboxDir;
    throw ApplicationFailure.create({
      type: 'collector_misconfigured',
      message: 'the file collector needs RECOUP_COLLECTOR_OUTBOX_DIR (RECOUP_DATA_DIR is not a folder)',
      nonRetryable: true,
    });
  }

  async function writeBatch(companyId: string, date: string): Promise<void> {
    const file = collectorBatchFile(outbox(), companyId, date);
    const start = new Date(`${date}T00:00:00.000Z`);
    const end = new Date(start.getTime() + 86_400_000);
    await deps.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`collector-outbox:${companyId}:${date}`}))`);
      const cases = await tx
        .select()
        .from(debtCollectionCases)
        .where(
          and(
            eq(debtCollectionCases.companyId, companyId),
            eq(debtCollectionCases.environment, 'production'),
            gte(debtCollectionCases.handedOffAt, start),
            lt(debtCollectionCases.handedOffAt, end),
            sql`${debtCollectionCases.collector}->>'collector' = 'file'`,
          ),
        )
        .orderBy(asc(debtCollectionCases.handedOffAt), asc(debtCollectionCases.id));
      const documents = cases.length
        ? await tx.select().from(debtCollectionCaseDocuments).where(inArray(debtCollectionCaseDocuments.caseId, cases.map((c) => c.id))).orderBy(asc(debtCollectionCaseDocuments.id))
        : [];
      const batch = {
        company_id: companyId,
        date,
        cases: cases.map((c) => ({ ...collectorCasePayload(c, documents.filter((d) => d.caseId === c.id), deps.publicBaseUrl), handed_off_at: c.handedOffAt?.toISOString() ?? null })),
      };
      await mkdir(path.dirname(file), { recursive: true });
      const partial = `${file}.${randomBytes(6).toString('hex')}.part`;
      try {
        await writeFile(partial, `${JSON.stringify(batch, null, 2)}\n`, { flag: 'wx' });
        await rename(partial, file);
      } catch (err) {
        await rm(partial, { force: true });
        throw err;
      }
    });
  }

  return {
    kind: 'file',
    async handOff(request) {
      return { delivery: 'file', destination: collectorBatchFile(outbox(), request.row.companyId, dayOf(request.now)) };
    },
    async afterHandOffRecorded(row: DebtCaseRow) {
      if (row.handedOffAt) await writeBatch(row.companyId, dayOf(row.handedOffAt));
    },
  };
}
