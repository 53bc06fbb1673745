import express, { Router } from 'express';
import { and, eq } from 'drizzle-orm';
import { collectorSecretOf } from '../../collectors';
import { COLLECTOR_SIGNATURE_HEADER, verifyCollectorSignature } from '../../collectors/signature';
import { debtCollectionCollectedAmounts } from '../../db/schema';
import { collectorCallbackSchema } from '../../domain/debt-case-schemas';
import { DebtCaseFailure } from '../../domain/debt-case';
import { AppError, parse } from '../errors';
import { DomainError, notFound } from '../../domain/errors';
import { caseParts, findCase, updateCase } from '../../services/debt-case-access';
import { debtCaseResource } from './resources';
import type { ApiDeps } from '../deps';

/**
 * Status callbacks from `http` collectors: `POST /webhooks/collectors/{case id}`, signed like the
 * hand-off (`recoup-signature: t=<ts>,v1=<hex>` over `${t}.${body}` with the configuration's secret).
 * A forged, stale or unsigned callback is 403. Resending a callback is safe: amounts count once by
 * their `id`, and closing a case again with the reason it was closed with answers the case.
 */
export function collectorCallbackRoutes({ db, temporal, taskQueue }: Pick<ApiDeps, 'db' | 'temporal' | 'taskQueue'>): Router {
  const r = Router();

  r.post('/webhooks/collectors/:caseId', express.raw({ type: () => true, limit: '256kb' }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const found = await findCase(db, String(req.params.caseId));
    if (!found) throw notFound('debt collection case');
    let row = found;
    const secret = collectorSecretOf(row.collector);
    if (!secret || !verifyCollectorSignature(secret, req.get(COLLECTOR_SIGNATURE_HEADER), raw, new Date())) {
      throw new AppError(403, 'invalid_signature', `The ${COLLECTOR_SIGNATURE_HEADER} header is missing, stale or does not match the body`);
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new AppError(400, 'malformed_json', 'The request body is not valid JSON');
    }
    const callback = parse(collectorCallbackSchema, json);
    const by = `collector:${row.collector?.name ?? 'http'}`;

    for (const amount of callback.collected_amounts ?? []) {
      const [known] = await db
        .select({ id: debtCollectionCollectedAmounts.id })
        .from(debtCollectionCollectedAmounts)
        .where(and(eq(debtCollectionCollectedAmounts.caseId, row.id), eq(debtCollectionCollectedAmounts.collectorReference, amount.id)));
      if (known) continue;
      try {
        await updateCase({ temporal, taskQueue }, found, (c) =>
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
        await updateCase({ temporal, taskQueue }, row, (c) =>
          c.close({ reason, note: callback.note, closedBy: by }, `collector-close-${found.id}`),
        );
        row = (await findCase(db, row.id))!;
      }
    }
    res.json(debtCaseResource(row, await caseParts(db, row)));
  });

  return r;
}
