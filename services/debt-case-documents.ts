import { Readable } from 'node:stream';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { debtCollectionCaseDocuments } from '../db/schema';
import type { DocumentContentType } from '../domain/company-documents';
import { conflict, notFound } from '../domain/errors';
import type { DocumentStore } from '../storage/document-store';
import type { DebtCaseRow } from './debt-cases';
import { newId } from './ids';

type DebtCaseDocumentRow = typeof debtCollectionCaseDocuments.$inferSelect;

/** A checked upload: the file's bytes, its cleaned name and the content type its first bytes prove. */
export interface DebtCaseDocumentFile {
  bytes: Buffer;
  filename: string;
  contentType: DocumentContentType;
}

/**
 * Attaches a document to an open case: the file goes to the document store, then its row; should
 * the row fail, the stored file is removed again. A closed case takes no documents.
 */
export async function addDebtCaseDocument(
  { db, documents }: { db: Db; documents: DocumentStore },
  row: Pick<DebtCaseRow, 'id' | 'companyId' | 'state'>,
  fields: { type: DebtCaseDocumentRow['type']; name?: string },
  file: DebtCaseDocumentFile,
): Promise<DebtCaseDocumentRow> {
  if (row.state === 'closed') throw conflict('debt_case_closed', 'Documents cannot be added to a closed case');
  const id = newId('dcd');
  const storageKey = `debt-cases/${row.id}/${id}`;
  await documents.put(storageKey, Readable.from([file.bytes]));
  try {
    const [doc] = await db
      .insert(debtCollectionCaseDocuments)
      .values({ id, caseId: row.id, companyId: row.companyId, type: fields.type, name: fields.name ?? file.filename, contentType: file.contentType, sizeBytes: file.bytes.length, storageKey })
      .returning();
    return doc!;
  } catch (err) {
    await documents.delete(storageKey).catch(() => undefined);
    throw err;
  }
}

/** A document of the case with its stored content; either missing is "not found". */
export async function openDebtCaseDocument(
  { db, documents }: { db: Db; documents: DocumentStore },
  caseId: string,
  documentId: string,
): Promise<{ doc: DebtCaseDocumentRow; content: Readable }> {
  const [doc] = await db
    .select()
    .from(debtCollectionCaseDocuments)
    .where(and(eq(debtCollectionCaseDocuments.caseId, caseId), eq(debtCollectionCaseDocuments.id, documentId)));
  const content = doc ? await documents.get(doc.storageKey) : null;
  if (!doc || !content) throw notFound('document');
  return { doc, content };
}
