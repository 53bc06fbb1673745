import { z } from 'zod';
import { pageQuerySchema } from '../../domain/schemas';

export const importListQuerySchema = pageQuerySchema.extend({ company_id: z.string().max(64).optional() });
