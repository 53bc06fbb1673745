import { Router } from 'express';
import { count, inArray } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client';
import { imports, invoices } from '../../db/schema';
import { importCreateSchema, pageQuerySchema } from '../../domain/schemas';
import { newId } from '../../services/ids';
import { transmitImport } from '../../services/import-transmission';
import { principalOf, requireRole } from '../auth';
import { parse } from '../errors';
import { partnerListPage } from '../pagination';
import { visibleCompany, visibleImport } from '../scope';
import { importResource } from '../../resources/serializers';
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
    const p = await partnerListPage(db, principalOf(req), imports, q);
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
      throw err;
    });
    res.status(202).json(importResource(fresh, (await countsByStatus(db, [imp.id])).get(imp.id)!));
  });

  return r;
}
