import { and, count, eq } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { DomainError } from '../domain/errors';
import { companies, imports, invoices } from '../db/schema';
import { startImportTransmission } from '../workflows/import-transmission.client';

type ImportRow = typeof imports.$inferSelect;

/** Why an import cannot be transmitted (`code`); the API answers it by its kind. */
export class ImportTransmissionRefused extends DomainError {
  constructor(
    kind: 'conflict' | 'unprocessable',
    override readonly code: 'import_already_transmitted' | 'company_not_verified' | 'import_empty',
    message: string,
  ) {
    super(kind, code, message);
  }
}

/**
 * Starts collection of every invoice of an import: `draft` → `transmitting`, then the import
 * transmission workflow fans out and marks it `transmitted`. Used by POST /imports/{id}/transmit
 * and by the pull integration's auto-transmit. Safe to repeat while transmitting: the workflow id
 * is the import's, so a repeat joins the same run. Tenancy is the caller's business.
 */
export async function transmitImport(db: Db, temporal: Client, taskQueue: string, importId: string): Promise<ImportRow> {
  const [imp] = await db.select().from(imports).where(eq(imports.id, importId));
  if (!imp) throw new Error(`import ${importId} not found`);
  if (imp.status === 'transmitted') throw new ImportTransmissionRefused('conflict', 'import_already_transmitted', 'This import has already been transmitted');
  const [company] = await db.select({ status: companies.status }).from(companies).where(eq(companies.id, imp.companyId));
  if (company?.status !== 'verified') {
    throw new ImportTransmissionRefused('conflict', 'company_not_verified', 'The company must be verified before anything is transmitted');
  }
  // Only drafts are transmitted: an import whose invoices were all retracted has nothing to send.
  const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(invoices).where(and(eq(invoices.importId, imp.id), eq(invoices.status, 'draft')));
  if (Number(n) === 0) throw new ImportTransmissionRefused('unprocessable', 'import_empty', 'The import has no draft invoices to transmit');
  await db.update(imports).set({ status: 'transmitting', updatedAt: new Date() }).where(and(eq(imports.id, imp.id), eq(imports.status, 'draft')));
  await startImportTransmission(temporal, taskQueue, imp.id);
  const [fresh] = await db.select().from(imports).where(eq(imports.id, imp.id));
  return fresh!;
}
