import { Readable } from 'node:stream';
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { debtCollectionCaseDocuments, debtCollectionCases, invoices } from '../../db/schema';
import { MAX_DOCUMENT_BYTES } from '../../domain/company-documents';
import {
  debtCaseCloseSchema,
  debtCaseCollectedAmountSchema,
  debtCaseCreateSchema,
  debtCaseDocumentFieldsSchema,
  debtCaseListQuerySchema,
  debtCaseReviewSchema,
} from '../../domain/debt-case-schemas';
import { appendDebtCaseEvents, type DebtCaseRow } from '../../services/debt-cases';
import { newId } from '../../services/ids';
import type { DocumentStore } from '../../storage/document-store';
import { startDebtCaseWorkflow } from '../../workflows/debt-case.client';
import { principalOf, requireRole } from '../auth';
import { parse } from '../errors';
import { conflict, invalidFields, notFound, unprocessable } from '../../domain/errors';
import { partnerListPage } from '../pagination';
import { visibleCompany, visibleInvoice } from '../scope';
import { caseParts, findCase, updateCase, visibleCase } from './case-access';
import { documentTooLarge, receiveCaseDocument } from './document-upload';
import { debtCaseDocumentResource, debtCaseResource } from './resources';

export interface DebtCaseRouteDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  documents: DocumentStore;
}

/**
 * Debt collection cases: create (idempotent on the company's `external_id`), list, read, and the
 * case operations, each an update to the case's workflow `debt-case-<id>`.
 */
export function debtCaseRoutes({ db, temporal, taskQueue, documents }: DebtCaseRouteDeps): Router {
  const r = Router();

  async function detail(row: DebtCaseRow) {
    return debtCaseResource(row, await caseParts(db, row));
  }
  async function reloaded(id: string) {
    return detail((await findCase(db, id))!);
  }

  r.post('/debt_collection_cases', requireRole('partner', 'ops'), async (req, res) => {
    const body = parse(debtCaseCreateSchema, req.body);
    const principal = principalOf(req);
    const company = await visibleCompany(db, principal, body.company_id);
    const invoice = body.invoice_id ? await visibleInvoice(db, principal, body.invoice_id) : null;
    if (invoice && invoice.companyId !== company.id) throw unprocessable('invoice_company_mismatch', 'The invoice belongs to another company');

    const existing = (await db.select().from(debtCollectionCases).where(and(eq(debtCollectionCases.companyId, company.id), eq(debtCollectionCases.externalId, body.external_id))))[0];
    if (existing) {
      // The same case again (a retry): answer it, and make sure its workflow runs.
      if (existing.state !== 'closed') await startDebtCaseWorkflow(temporal, taskQueue, existing, existing.source !== 'manual');
      res.status(200).json(await detail(existing));
      return;
    }
    if (body.environment === 'production' && company.status !== 'verified') {
      throw conflict('company_not_verified', 'Production cases of a company that is not verified cannot be created; use environment test to try the integration');
    }
    const amountCents = body.line_items.reduce((sum, l) => sum + l.amount_including_tax_cents, 0);
    if (amountCents <= 0) throw unprocessable('case_amount_not_positive', 'The line items must add up to more than zero');
    if (invoice?.debtCollectionCaseId) throw conflict('invoice_has_debt_case', `The invoice is already in debt collection case ${invoice.debtCollectionCaseId}`);

    const { row, created } = await db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(debtCollectionCases)
        .values({
          id: newId('dcc'),
          partnerId: company.partnerId,
          companyId: company.id,
          invoiceId: invoice?.id ?? null,
          externalId: body.external_id,
          source: 'manual',
          environment: body.environment,
          currency: body.currency,
          amountCents,
          details: {
            billing_address: body.billing_address,
            contract_date: body.contract_date,
            due_date: body.due_date,
            language: body.language,
            line_items: body.line_items,
            reference: body.reference,
          },
        })
        .onConflictDoNothing()
        .returning();
      if (!inserted) {
        // Created by a concurrent request with the same external id.
        const [other] = await tx.select().from(debtCollectionCases).where(and(eq(debtCollectionCases.companyId, company.id), eq(debtCollectionCases.externalId, body.external_id)));
        return { row: other!, created: false };
      }
      if (invoice) await tx.update(invoices).set({ debtCollectionCaseId: inserted.id, updatedAt: new Date() }).where(eq(invoices.id, invoice.id));
      await appendDebtCaseEvents(tx, inserted, 'created', [{ type: 'debt_case.created' }]);
      return { row: inserted, created: true };
    });
    await startDebtCaseWorkflow(temporal, taskQueue, row, false);
    res.status(created ? 201 : 200).json(await detail(row));
  });

  r.get('/debt_collection_cases', requireRole('partner', 'reviewer', 'ops'), async (req, res) => {
    const q = parse(debtCaseListQuerySchema, req.query, 'query');
    const p = await partnerListPage(db, principalOf(req), debtCollectionCases, q, [
      q.state ? eq(debtCollectionCases.state, q.state) : undefined,
      q.environment ? eq(debtCollectionCases.environment, q.environment) : undefined,
    ]);
    res.json({ data: p.data.map((c) => debtCaseResource(c)), next_cursor: p.next_cursor });
  });

  r.get('/debt_collection_cases/:id', async (req, res) => {
    const row = await visibleCase(db, principalOf(req), String(req.params.id), ['partner', 'reviewer', 'ops']);
    res.json(await detail(row));
  });

  // Documents: multipart/form-data with `file` (PDF, PNG or JPEG, at most 10 MB), `type` and optional `name`.
  r.post('/debt_collection_cases/:id/documents', async (req, res) => {
    const row = await visibleCase(db, principalOf(req), String(req.params.id), ['partner', 'ops']);
    if (Number(req.get('content-length') ?? 0) > MAX_DOCUMENT_BYTES + 64 * 1024) {
      res.set('Connection', 'close');
      throw documentTooLarge();
    }
    const { fields, file } = await receiveCaseDocument(req, res);
    const parsed = debtCaseDocumentFieldsSchema.safeParse(Object.fromEntries(fields));
    const details = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || 'body', message: i.message }));
    if (!file) details.push({ path: 'file', message: 'a file is required' });
    if (!parsed.success || !file) throw invalidFields(details);
    if (row.state === 'closed') throw conflict('debt_case_closed', 'Documents cannot be added to a closed case');
    const id = newId('dcd');
    const storageKey = `debt-cases/${row.id}/${id}`;
    await documents.put(storageKey, Readable.from([file.bytes]));
    try {
      const [doc] = await db
        .insert(debtCollectionCaseDocuments)
        .values({ id, caseId: row.id, companyId: row.companyId, type: parsed.data.type, name: parsed.data.name ?? file.filename, contentType: file.contentType, sizeBytes: file.bytes.length, storageKey })
        .returning();
      res.status(201).json(debtCaseDocumentResource(doc!));
    } catch (err) {
      await documents.delete(storageKey).catch(() => undefined);
      throw err;
    }
  });

  r.get('/debt_collection_cases/:id/documents/:documentId/content', async (req, res) => {
    const row = await visibleCase(db, principalOf(req), String(req.params.id), ['partner', 'reviewer', 'ops']);
    const [doc] = await db
      .select()
      .from(debtCollectionCaseDocuments)
      .where(and(eq(debtCollectionCaseDocuments.caseId, row.id), eq(debtCollectionCaseDocuments.id, String(req.params.documentId))));
    const content = doc ? await documents.get(doc.storageKey) : null;
    if (!doc || !content) throw notFound('document');
    res.set({
      'content-type': doc.contentType,
      'content-length': String(doc.sizeBytes),
      'content-disposition': `attachment; filename="${doc.name.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(doc.name)}`,
      'x-content-type-options': 'nosniff',
    });
    content.on('error', (err) => res.destroy(err));
    content.pipe(res);
  });

  r.post('/debt_collection_cases/:id/mark_prepared', async (req, res) => {
    const row = await visibleCase(db, principalOf(req), String(req.params.id), ['partner', 'ops']);
    await updateCase(temporal, taskQueue, row, (c) => c.markPrepared());
    res.json(await reloaded(row.id));
  });

  r.post('/debt_collection_cases/:id/review', async (req, res) => {
    const principal = principalOf(req);
    const row = await visibleCase(db, principal, String(req.params.id), ['reviewer', 'ops']);
    const body = parse(debtCaseReviewSchema, req.body);
    await updateCase(temporal, taskQueue, row, (c) =>
      c.review({ decision: body.decision, reason: body.reason, reviewedBy: principal.keyId, reviewedAt: new Date().toISOString() }),
    );
    res.json(await reloaded(row.id));
  });

  r.post('/debt_collection_cases/:id/collected_amounts', async (req, res) => {
    const principal = principalOf(req);
    const row = await visibleCase(db, principal, String(req.params.id), ['partner', 'ops']);
    const body = parse(debtCaseCollectedAmountSchema, req.body);
    const s = await updateCase(temporal, taskQueue, row, (c) =>
      c.addCollectedAmount({ amountCents: body.amount_cents, collectedAt: new Date(body.collected_at ?? Date.now()).toISOString(), source: 'api', recordedBy: principal.keyId }),
    );
    const kase = await reloaded(row.id);
    const amount = kase.collected_amounts?.find((a) => a.sequence === s.collections);
    res.status(201).json({ ...amount, case: kase });
  });

  r.post('/debt_collection_cases/:id/close', async (req, res) => {
    const principal = principalOf(req);
    const row = await visibleCase(db, principal, String(req.params.id), ['partner', 'ops']);
    const body = parse(debtCaseCloseSchema, req.body);
    await updateCase(temporal, taskQueue, row, (c) => c.close({ reason: body.reason, note: body.note, closedBy: principal.keyId }));
    res.json(await reloaded(row.id));
  });

  return r;
}

