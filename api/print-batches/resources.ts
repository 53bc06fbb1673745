import { z } from 'zod';
import type { PrintBatchLetter, PrintBatchSummary } from '../../services/print-batches';

/** What the print batch routes answer (ops only), for the OpenAPI document. */

export const printBatchSummarySchema = z.object({
  id: z.string(),
  batch_date: z.string().describe('The UTC day whose letters the batch collects'),
  status: z.enum(['open', 'posted']).describe('`open` while it collects the day\'s letters; `posted` once ops handed it to the post'),
  letter_count: z.number().int(),
  created_at: z.iso.datetime(),
  posted_at: z.iso.datetime().nullable(),
  pdf_url: z.string().describe('Every letter of the batch as one PDF to print, each starting on a new page'),
});

export const printBatchSchema = printBatchSummarySchema.extend({
  letters: z.array(
    z.object({
      message_id: z.string(),
      invoice_id: z.string(),
      company_id: z.string(),
      recipient: z.string().describe('The postal address on one line'),
      kind: z.string(),
      status: z.enum(['queued', 'posted']).describe('`queued` until the batch is posted, then `posted` (`message.sent` with `delivery: posted`)'),
    }),
  ),
});

export function printBatchSummaryResource(b: PrintBatchSummary) {
  return {
    id: b.id,
    batch_date: b.batchDate,
    status: b.status,
    letter_count: b.letterCount,
    created_at: b.createdAt.toISOString(),
    posted_at: b.postedAt?.toISOString() ?? null,
    pdf_url: `/api/v2/print_batches/${b.id}.pdf`,
  };
}

export function printBatchResource(b: PrintBatchSummary & { letters: PrintBatchLetter[] }) {
  return {
    ...printBatchSummaryResource(b),
    letters: b.letters.map((l) => ({ message_id: l.messageId, invoice_id: l.invoiceId, company_id: l.companyId, recipient: l.recipient, kind: l.kind, status: l.status })),
  };
}
