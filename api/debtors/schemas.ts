import { z } from 'zod';
import { pageQuerySchema } from '../../domain/schemas';

/** `GET /debtors`: a page, optionally of one company, or the debtor with an email or an external id. */
export const debtorListQuerySchema = pageQuerySchema.extend({
  company_id: z.string().max(64).optional(),
  email: z.string().max(320).optional(),
  external_id: z.string().max(100).optional(),
});
