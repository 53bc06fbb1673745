import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

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
