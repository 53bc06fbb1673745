import type { Client } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { debtCollectionCaseDocuments, debtCollectionCases, debtCollectionCollectedAmounts, events } from '../../db/schema';
import { debtCaseFailureKind, type DebtCaseFailureType } from '../../domain/debt-case';
import type { Principal, Role } from '../../services/api-keys';
import type { DebtCaseRow } from '../../services/debt-cases';
import { debtCaseClient, startDebtCaseWorkflow, type DebtCaseClient } from '../../workflows/debt-case.client';
import { conflict, DomainError, forbidden, notFound } from '../../domain/errors';
import { canSee } from '../scope';
import type { DebtCaseParts } from './resources';

export async function findCase(db: Db, id: string): Promise<DebtCaseRow | undefined> {
  const [row] = await db.select().from(debtCollectionCases).where(eq(debtCollectionCases.id, id));
  return row;
}

/**
 * The case if the key may see it (404 otherwise, also for another tenant's), then the role check
 * (403): so another partner learns nothing, and the case's own partner learns what it may not do.
 */
export async function visibleCase(db: Db, principal: Principal, id: string, roles: Role[]): Promise<DebtCaseRow> {
  const row = await findCase(db, id);
  if (!row || !canSee(principal, row.partnerId)) throw notFound('debt collection case');
  if (!roles.includes(principal.role)) throw forbidden(`This needs the ${roles.join(' or ')} role`);
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

/** A refused update → the contract's error (409 wrong state, 422 impossible). */
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
export async function updateCase<T>(
  temporal: Client,
  taskQueue: string,
  row: DebtCaseRow,
  send: (client: DebtCaseClient) => Promise<T>,
): Promise<T> {
  if (row.state === 'closed') throw conflict('debt_case_closed', `The case is closed (${row.closeReason ?? 'closed'})`);
  const handle = debtCaseClient(temporal, row.id);
  try {
    return await send(handle);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw fromCaseWorkflowError(err);
  }
  await startDebtCaseWorkflow(temporal, taskQueue, row, row.source !== 'manual');
  try {
    return await send(handle);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw conflict('debt_case_closed', 'The case is closed');
    throw fromCaseWorkflowError(err);
  }
}
