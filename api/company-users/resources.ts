import { z } from 'zod';
import type { CompanyUser } from '../../services/company-users';

export const companyUserSchema = z.object({
  id: z.string(),
  company_id: z.string(),
  email: z.string(),
  role: z.enum(['admin', 'viewer']),
  last_sign_in_at: z.iso.datetime().nullable(),
  created_at: z.iso.datetime(),
});

export function companyUserResource(u: CompanyUser): z.infer<typeof companyUserSchema> {
  return {
    id: u.id,
    company_id: u.companyId,
    email: u.email,
    role: u.role,
    last_sign_in_at: u.lastSignInAt?.toISOString() ?? null,
    created_at: u.createdAt.toISOString(),
  };
}
