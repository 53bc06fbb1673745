import type { Client } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { debtCollectionCaseDocuments, debtCollectionCases, debtCollectionCollectedAmounts, events } from '../db/schema';
import { debtCaseFailureKind, type DebtCaseFailureType } from '../domain/debt-case';
import { conflict, DomainError } from '../domain/errors';
import { debtCaseClient, type DebtCaseClient } from '../workflows/debt-case.client';
import type { DebtCaseRow } from './debt-cases';
import { startDebtCaseWorkflow } from '../workflows/debt-case.client';

/** Reading a debt collection case with what hangs on it, and changing it through its workflow (the API, the console and collectors' callbacks alike). */

export interface DebtCaseParts {
  documents: Array<typeof debtCollectionCaseDocuments.$inferSelect>;
  collectedAmounts: Array<typeof debtCollectionCollectedAmounts.$inferSelect>;
  timeline: Array<typeof events.$inferSelect>;
}

export interface DebtCaseUpdateDeps {
  temporal: Client;
  /** Where the case's workflow runs when it has to be started first. */
  taskQueue: string;
}

export async function findCase(db: Db, id: string): Promise<DebtCaseRow | undefined> {
  const [row] = await db.select().from(debtCollectionCases).where(eq(debtCollectionCases.id, id));
  return row;
}

/** Documents, collected amounts and the timeline (every `debt_case.*` event of the case, in order). */
export async function caseParts(db: Db, row: DebtCaseRow): Promise<DebtCaseParts> {
  const [documents, collectedAmounts, timeline] = await Promise.all([
    db.select().from(debtCollectionCaseDocuments).where(eq(debtCollectionCaseDocuments.caseId, row.id)).orderBy(asc(debtCollectionCaseDocuments.id)),
    db.select().from(debtCollectionCollectedAmounts).where(eq(debtCollectionCollectedAmounts.caseId, row.id)).orderBy(asc(debtCollectionCollectedAmounts.sequence)),
    db
      .select()
      .from(events)
      .where(and(eq(events.partnerId, row.partnerId), sql`${events.data}->>'debt_collection_case_id' = ${row.id}`))
      .orderBy(asc(events.seq)),
  ]);
  return { documents, collectedAmounts, timeline };
}

/** A refused update → a domain error of the failure's kind (conflict: wrong state, unprocessable: impossible). */
function fromCaseWorkflowError(err: unknown): unknown {
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type && cause.type in debtCaseFailureKind) {
    return new DomainError(debtCaseFailureKind[cause.type as DebtCaseFailureType], cause.type, cause.message);
  }
  return err;
}

/**
 * Sends an update to the case's workflow, which validates it before it enters history and persists
 * the change before answering. A case whose workflow was never started (Temporal was unreachable
 * when it was created) gets it started first.
 */
export async function updateCase<T>(deps: DebtCaseUpdateDeps, row: DebtCaseRow, send: (client: DebtCaseClient) => Promise<T>): Promise<T> {
  if (row.state === 'closed') throw conflict('debt_case_closed', `The case is closed (${row.closeReason ?? 'closed'})`);
  const handle = debtCaseClient(deps.temporal, row.id);
  try {
    return await send(handle);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw fromCaseWorkflowError(err);
  }
  await startDebtCaseWorkflow(deps.temporal, deps.taskQueue, row, row.source !== 'manual');
  try {
    return await send(handle);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw conflict('debt_case_closed', 'The case is closed');
    throw fromCaseWorkflowError(err);
  }
}
