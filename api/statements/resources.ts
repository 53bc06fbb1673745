import { z } from 'zod';
import { bankTransactionStatuses } from '../../domain/statements/schemas';
import type { bankTransactionResource } from './routes';

/** What the bank reconciliation routes answer, for the OpenAPI document. */

const nullableText = z.string().nullable();

export const bankTransactionSchema = z.object({
  id: z.string(),
  statement_id: z.string().describe('The import that first brought the line'),
  account: z.string(),
  currency: z.string(),
  booking_date: z.string(),
  value_date: z.string(),
  direction: z.enum(['credit', 'debit']),
  amount_cents: z.number().int(),
  bank_reference: nullableText,
  customer_reference: nullableText,
  counterparty_name: nullableText,
  remittance: z.string().describe('The remittance text the invoice was looked for in'),
  status: z.enum(bankTransactionStatuses).describe('`matched` automatically, `resolved` or `dismissed` by ops, `unmatched` while it waits'),
  invoice_id: nullableText.describe('The invoice paid, or the one found but not payable'),
  matched_by: z.enum(['payment_reference', 'reference', 'amount_and_name', 'ops']).nullable(),
  note: nullableText.describe('Why the line waits, or why it was set aside'),
  resolved_by: nullableText,
  resolved_at: z.iso.datetime().nullable(),
  resolution_reason: nullableText,
});

export const bankStatementSchema = z.object({
  id: z.string(),
  format: z.enum(['mt940', 'mt942', 'camt053']).describe('`mt942`: an interim (intraday) report, with entries and no opening balance'),
  statements: z.array(
    z.object({ reference: z.string(), account: z.string(), currency: z.string(), opening_balance_cents: z.number().int().nullable(), closing_balance_cents: z.number().int().nullable(), transactions: z.number().int() }),
  ),
  transaction_count: z.number().int(),
  new_transaction_count: z.number().int().describe('Lines not seen in an earlier import'),
  counts: z.object({ matched: z.number().int(), unmatched: z.number().int(), resolved: z.number().int(), dismissed: z.number().int() }),
  imported_by: z.string(),
  created_at: z.iso.datetime(),
  transactions: z.array(bankTransactionSchema),
});

/** The statement file itself: MT940/MT942 text or camt.053 XML. */
export const bankStatementFileSchema = z.string().describe('The statement file as the bank sent it: MT940 or MT942 (text/plain), camt.053 .001.02–.001.08 (application/xml); UTF-8, Latin-1 or UTF-16 with a byte-order mark');

type Keys<T> = keyof T;
// Fails `tsc` when the serializer and this schema drift apart.
export const bankTransactionResourceMatches: [Keys<ReturnType<typeof bankTransactionResource>>] extends [Keys<z.output<typeof bankTransactionSchema>>]
  ? [Keys<z.output<typeof bankTransactionSchema>>] extends [Keys<ReturnType<typeof bankTransactionResource>>]
    ? true
    : false
  : false = true;
