import express, { Router } from 'express';
import { collectorSecretOf } from '../../collectors';
import { COLLECTOR_SIGNATURE_HEADER, verifyCollectorSignature } from '../../collectors/signature';
import { collectorCallbackSchema } from '../../domain/debt-case-schemas';
import { AppError, parse } from '../errors';
import { notFound } from '../../domain/errors';
import { applyCollectorCallback } from '../../services/collector-callbacks';
import { caseParts, findCase } from '../../services/debt-case-access';
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
    const secret = collectorSecretOf(found.collector);
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
    const row = await applyCollectorCallback({ db, temporal, taskQueue }, found, callback);
    res.json(debtCaseResource(row, await caseParts(db, row)));
  });

  return r;
}
