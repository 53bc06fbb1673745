import { z } from 'zod';
import { invoiceTotal } from './amounts';
import { pullLimits } from './pull-run';
import { invoiceCreateSchema } from './schemas';

/**
 * Pull integration, on the wire: the pull source a company registers, and the JSON its partner
 * endpoint answers. Pulled invoices are the invoices of POST /invoices without `import_id`
 * (Recoup chooses the import) and with a required `external_id` (the key that makes a repeated
 * pull update instead of duplicate).
 */

export const pullSourcePutSchema = z.object({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
    .max(2000),
  /** Optional when replacing a saved source: omitted means "keep the stored token". */
  bearer_token: z
    .string()
    .min(1)
    .max(4096)
    .regex(/^[\x21-\x7E]+$/, 'must be printable ASCII without spaces')
    .optional(),
  interval_minutes: z.number().int('must be a whole number of minutes').min(5).max(1440).default(60),
  auto_transmit: z.boolean().default(false),
});
export type PullSourcePut = z.infer<typeof pullSourcePutSchema>;

export const pulledInvoiceSchema = invoiceCreateSchema
  .omit({ import_id: true })
  .extend({ external_id: z.string().trim().min(1).max(100) })
  .superRefine((inv, ctx) => {
    // The same rules POST /invoices answers 422 for.
    const total = invoiceTotal(inv.invoice_lines.map((l) => ({ amountCents: l.amount_cents, quantity: l.quantity })));
    if (total <= 0) ctx.addIssue({ code: 'custom', path: ['invoice_lines'], message: 'the invoice lines must add up to more than zero' });
    if (inv.due_date < inv.issue_date) ctx.addIssue({ code: 'custom', path: ['due_date'], message: 'due_date is before issue_date' });
  });
export type PulledInvoice = z.infer<typeof pulledInvoiceSchema>;

/**
 * The envelope of one page. Records are checked one by one afterwards, so one bad invoice is
 * skipped and reported while the rest of the page is imported.
 */
export const pullPageSchema = z.object({
  invoices: z.array(z.unknown()).max(pullLimits.maxInvoicesPerPage),
  next_cursor: z.string().min(1).max(2000).nullish(),
});
