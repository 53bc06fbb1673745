import { z } from 'zod';

/** The debtor resource the /debtors routes answer, for the OpenAPI document (resources/debtor.ts builds it). */
export const debtorAccountSchema = z.object({
  id: z.string(),
  company_id: z.string(),
  external_id: z.string().nullable().describe("The partner's own id of the debtor, when its invoices gave one"),
  name: z.string().nullable().describe('The organisation name, else first and last name, of the latest invoice'),
  email: z.string().nullable().describe('Normalised: trimmed, lower-cased'),
  phone: z.string().nullable().describe('E.164'),
  locale: z.string(),
  timezone: z.string().describe('IANA timezone: quiet hours and send hours are local to it'),
  opt_outs: z.array(z.enum(['email', 'sms'])).describe('Channels the debtor opted out of'),
  open_invoice_count: z.number().int().describe('Transmitted invoices that are not closed'),
  amount_due_cents: z.number().int().describe('What those open invoices still owe, fees included'),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});
