import { z } from 'zod';
import { isoDate } from '../schemas';

/** `?from=&to=` of the statement exports: both dates, inclusive, from not after to. */
export const statementQuerySchema = z
  .object({ from: isoDate, to: isoDate })
  .refine((q) => q.from <= q.to, { message: 'must not be after to', path: ['from'] });
export type StatementQuery = z.infer<typeof statementQuerySchema>;

export const bankTransactionStatuses = ['unmatched', 'matched', 'resolved', 'dismissed'] as const;
export type BankTransactionStatus = (typeof bankTransactionStatuses)[number];

export const bankTransactionListQuerySchema = z.object({
  status: z.enum(bankTransactionStatuses).optional(),
  statement_id: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(200).optional(),
});

/** `POST /bank_transactions/{id}/resolve`: the invoice a waiting line pays, by id or number. */
export const bankTransactionResolveSchema = z.object({
  invoice: z.string().trim().min(1).max(200).describe('The invoice id, or its number when only one invoice has it'),
  reason: z.string().trim().max(1000).optional().describe('Why, for the audit trail'),
});

/** `POST /bank_transactions/{id}/dismiss`: setting a waiting line aside needs a reason. */
export const bankTransactionDismissSchema = z.object({
  reason: z.string().trim().min(1).max(1000).describe('Why the line pays no invoice (a payment for something else, a duplicate)'),
});
