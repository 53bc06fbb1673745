import type { Db } from '../db/client';
import { companyDocuments } from '../db/schema';
import type { DocumentContentType } from '../domain/company-documents';
import type { DocumentStore } from '../storage/document-store';
import { newId } from './ids';

type CompanyDocumentRow = typeof companyDocuments.$inferSelect;

/** Where a new document of the company goes in the document store (its content is streamed there before its row exists). */
export function newCompanyDocumentKey(companyId: string): { id: string; storageKey: string } {
  const id = newId('doc');
  return { id, storageKey: `${companyId}/${id}` };
}

/**
 * Records a verification document whose content is stored under `storageKey` already; should the
 * row fail, the stored content is removed, so no file is left without its record.
 */
export async function recordCompanyDocument(
  { db, documents }: { db: Db; documents: DocumentStore },
  doc: { id: string; storageKey: string; companyId: string; type: CompanyDocumentRow['type']; filename: string; contentType: DocumentContentType; sizeBytes: number },
): Promise<CompanyDocumentRow> {
  try {
    const [row] = await db.insert(companyDocuments).values(doc).returning();
    return row!;
  } catch (err) {
    await documents.delete(doc.storageKey).catch(() => undefined);
    throw err;
  }
}
