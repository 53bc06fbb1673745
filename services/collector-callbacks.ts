import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { debtCollectionCollectedAmounts } from '../db/schema';
import { DebtCaseFailure } from '../domain/debt-case';
import type { CollectorCallback } from '../domain/debt-case-schemas';
import { DomainError } from '../domain/errors';
import { findCase, updateCase, type DebtCaseUpdateDeps } from './debt-case-access';
import type { DebtCaseRow } from './debt-cases';

/**
 * Applies a status callback of an `http` collector (already authenticated) to its case and
 * answers the case as it is now. Resending a callback is safe: amounts count once by their `id`,
 * and closing a case again with the reason it was closed with changes nothing.
 */
export async function applyCollectorCallback(deps: DebtCaseUpdateDeps & { db: Db }, found: DebtCaseRow, callback: CollectorCallback): Promise<DebtCaseRow> {
  const { db } = deps;
  let row = found;
  const by = `collector:${row.collector?.name ?? 'http'}`;

  for (const amount of callback.collected_amounts ?? []) {
    const [known] = await db
      .select({ id: debtCollectionCollectedAmounts.id })
      .from(debtCollectionCollectedAmounts)
      .where(and(eq(debtCollectionCollectedAmounts.caseId, row.id), eq(debtCollectionCollectedAmounts.collectorReference, amount.id)));
    if (known) continue;
    try {
      await updateCase(deps, found, (c) =>
        c.addCollectedAmount(
          { amountCents: amount.amount_cents, collectedAt: new Date(amount.collected_at ?? Date.now()).toISOString(), source: 'collector', recordedBy: by, collectorReference: amount.id },
          `collector-amount-${row.id}-${amount.id}`,
        ),
      );
    } catch (err) {
      if (!(err instanceof DomainError && err.code === DebtCaseFailure.duplicateCollectedAmount)) throw err;
    }
  }

  row = (await findCase(db, row.id))!;
  if (callback.status === 'closed' && callback.close_reason) {
    const reason = callback.close_reason;
    const sameAgain = row.state === 'closed' && row.closeReason === reason;
    if (!sameAgain) {
      await updateCase(deps, row, (c) => c.close({ reason, note: callback.note, closedBy: by }, `collector-close-${found.id}`));
      row = (await findCase(db, row.id))!;
    }
  }
  return row;
}
