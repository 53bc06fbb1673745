import { z } from 'zod';

/** `POST /companies/{id}/users`: a person of the company who uses the dashboard. */
export const companyUserCreateSchema = z
  .object({
    email: z.string().trim().toLowerCase().pipe(z.email().max(320)).describe('Where the one-time sign-in links are sent (trimmed, lower-cased)'),
    role: z.enum(['admin', 'viewer']).describe('`admin` may credit, retract, hold, resume and import; `viewer` only looks'),
  })
  .strict();
