import type { Response } from 'express';
import type { Db } from '../../db/client';
import type { companies } from '../../db/schema';
import { writeCamt053 } from '../../domain/statements/camt053-writer';
import { writeMt940 } from '../../domain/statements/mt940-writer';
import type { StatementQuery } from '../../domain/statements/schemas';
import type { CollectionAccount } from '../../domain/statements/statement';
import { collectionStatements } from '../../services/collection-statements';
import type { ApiDeps } from '../deps';

export type StatementFormat = 'mt940' | 'camt053';
export const statementFormats: readonly StatementFormat[] = ['mt940', 'camt053'];

/** Recoup's collection account (RECOUP_COLLECTION_IBAN / _BIC / _ACCOUNT_NAME). */
export function collectionAccount(config: ApiDeps['config']): CollectionAccount {
  return { iban: config.RECOUP_COLLECTION_IBAN, bic: config.RECOUP_COLLECTION_BIC, name: config.RECOUP_COLLECTION_ACCOUNT_NAME };
}

/**
 * Sends a company's statement of collected payments for a period as an attachment, MT940 or
 * camt.053: the one writer of these files for the partner API and the company's dashboard, so
 * both hand out the same file for the same period. Tenancy is the caller's business.
 */
export async function sendStatementFile(
  res: Response,
  { db, config }: { db: Db; config: ApiDeps['config'] },
  company: typeof companies.$inferSelect,
  period: StatementQuery,
  format: StatementFormat,
): Promise<void> {
  const statements = await collectionStatements(db, { company, from: period.from, to: period.to, account: collectionAccount(config) });
  if (format === 'mt940') {
    res
      .status(200)
      // attachment() sets a type from the file name: the type comes after it.
      .attachment(`${company.id}-${period.from}-${period.to}.mt940`)
      .type('text/plain; charset=utf-8')
      .send(writeMt940(statements));
    return;
  }
  const messageId = `${company.id.slice(-16)}-${period.from.replace(/-/g, '')}-${period.to.replace(/-/g, '')}`;
  res
    .status(200)
    .attachment(`${company.id}-${period.from}-${period.to}.camt053.xml`)
    .type('application/xml; charset=utf-8')
    .send(writeCamt053(statements, messageId, statements[0]!.createdAt));
}
