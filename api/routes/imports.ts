import { Router } from 'express';
import { and, asc, count, eq, gt, inArray } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client';
import { imports, invoices } from '../../db/schema';
import { importCreateSchema, pageQuerySchema } from '../../domain/schemas';
import { newId } from '../../services/ids';
import { ImportTransmissionRefused, transmitImport } from '../../services/import-transmission';
import { principalOf, requireRole } from '../auth';
import { AppError, parse } from '../errors';
import { partnerFilter, visibleCompany, visibleImport } from '../scope';
import { decodeCursor, importResource, page } from '../serializers';
import { z } from 'zod';

async function countsByStatus(db: Db, importIds: string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>(importIds.map((id) => [id, {}]));
  if (importIds.length === 0) return out;
  const rows = await db
    .select({ importId: invoices.importId, status: invoices.status, n: count() })
    .from(invoices)
    .where(inArray(invoices.importId, importIds))
    .groupBy(invoices.importId, invoices.status);
  for (const row of rows) out.get(row.importId)![row.status] = Number(row.n);
  return out;
}

export const importListQuerySchema = pageQuerySchema.extend({ company_id: z.string().max(64).optional() });

export function importRoutes(db: Db, temporal: Client, taskQueue: string): Router {
  const r = Router();
  r.use('/imports', requireRole('partner', 'ops'));

  r.post('/imports', async (req, res) => {
    const body = parse(importCreateSchema, req.body);
    const company = await visibleCompany(db, principalOf(req), body.company_id);
    const [row] = await db
      .insert(imports)
      .values({ id: newId('imp'), partnerId: company.partnerId, companyId: company.id, title: body.title ?? null, settings: body.settings ?? {} })
      .returning();
    res.status(201).json(importResource(row!, {}));
  });

  r.get('/imports', async (req, res) => {
    const q = parse(importListQuerySchema, req.query, 'query');
    // Filtering by another tenant's (or an unknown) id is a 404, as reading it would be.
    if (q.company_id) await visibleCompany(db, principalOf(req), q.company_id);
    const partnerId = partnerFilter(principalOf(req));
    const after = decodeCursor(q.cursor);
    const rows = await db
      .select()
      .from(imports)
      .where(
        and(
          partnerId ? eq(imports.partnerId, partnerId) : undefined,
          q.company_id ? eq(imports.companyId, q.company_id) : undefined,
          after ? gt(imports.id, after) : undefined,
        ),
      )
      .orderBy(asc(imports.id))
      .limit(q.limit + 1);
    const p = page(rows, q.limit);
    const counts = await countsByStatus(db, p.data.map((i) => i.id));
    res.json({ data: p.data.map((i) => importResource(i, counts.get(i.id)!)), next_cursor: p.next_cursor });
  });

  r.get('/imports/:id', async (req, res) => {
    const imp = await visibleImport(db, principalOf(req), String(req.params.id));
    res.json(importResource(imp, (await countsByStatus(db, [imp.id])).get(imp.id)!));
  });

  r.post('/imports/:id/transmit', async (req, res) => {
    const imp = await visibleImport(db, principalOf(req), String(req.params.id));
    const fresh = await transmitImport(db, temporal, taskQueue, imp.id).catch((err: unknown) => {
      throw err instanceof ImportTransmissionRefused ? new AppError(err.status, err.code, err.message) : err;
    });
    res.status(202).json(importResource(fresh, (await countsByStatus(db, [imp.id])).get(imp.id)!));
  });

  return r;
}
