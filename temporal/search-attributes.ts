import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Connection } from '@temporalio/client';

/** Custom search attributes the Temporal Web UI filters invoices by. */
export const CompanyId = defineSearchAttributeKey('CompanyId', SearchAttributeType.KEYWORD);
export const PartnerId = defineSearchAttributeKey('PartnerId', SearchAttributeType.KEYWORD);
export const InvoiceStatus = defineSearchAttributeKey('InvoiceStatus', SearchAttributeType.KEYWORD);
export const DunningLevel = defineSearchAttributeKey('DunningLevel', SearchAttributeType.INT);
export const AmountDueCents = defineSearchAttributeKey('AmountDueCents', SearchAttributeType.INT);
export const NextActionAt = defineSearchAttributeKey('NextActionAt', SearchAttributeType.DATETIME);

/** Name → type, as `temporal server start-dev --search-attribute` and the operator API want them. */
export const searchAttributeDefinitions: Record<string, 'Keyword' | 'Int' | 'Datetime'> = {
  CompanyId: 'Keyword',
  PartnerId: 'Keyword',
  InvoiceStatus: 'Keyword',
  DunningLevel: 'Int',
  AmountDueCents: 'Int',
  NextActionAt: 'Datetime',
};

/** Registers the attributes on a server that lacks them (an external server, the time-skipping test server). */
export async function registerSearchAttributes(connection: Pick<Connection, 'operatorService'>, namespace: string): Promise<void> {
  // The time-skipping test server cannot list, only add.
  const customAttributes = await connection.operatorService
    .listSearchAttributes({ namespace })
    .then((r) => r.customAttributes ?? {})
    .catch(() => ({}));
  const missing = Object.entries(searchAttributeDefinitions).filter(([name]) => !(name in customAttributes));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, indexedValueType[type]])),
  });
}

// temporal.api.enums.v1.IndexedValueType
const indexedValueType = { Keyword: 2, Int: 3, Datetime: 6 } as const;
