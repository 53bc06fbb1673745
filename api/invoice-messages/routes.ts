import { Router } from 'express';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { messages } from '../../db/schema';
import { pageQuerySchema } from '../../domain/schemas';
import { issuePortalLink } from '../../services/portal-links';
import { principalOf, requireRole } from '../auth';
import { parse } from '../errors';
import { conflict } from '../../domain/errors';
import { listPage } from '../pagination';
import { visibleInvoice } from '../scope';
import { invoiceMessageResource } from './resources';

/**
 * What Recoup sent about an invoice (partners: their own invoices; ops: all), and a fresh portal
 * link for ops to send by hand. Neither the list nor any log or event carries a message's body or
 * a portal link: whoever holds a link can see and pay the invoice.
 */
export function invoiceMessageRoutes(db: Db, config: { portalSecret: string; publicBaseUrl: string }, clock: () => Date = () => new Date()): Router {
  const r = Router();

  r.get('/invoices/:id/messages', requireRole('partner', 'ops'), async (req, res) => {
    const inv = await visibleInvoice(db, principalOf(req), String(req.params.id));
    const q = parse(pageQuerySchema, req.query, 'query');
    const p = await listPage(db, messages, q, [eq(messages.invoiceId, inv.id)]);
    res.json({ data: p.data.map(invoiceMessageResource), next_cursor: p.next_cursor });
  });

  r.post('/invoices/:id/portal_link', requireRole('ops'), async (req, res) => {
    const inv = await visibleInvoice(db, principalOf(req), String(req.params.id));
    // A draft has no policy version and no debtor-facing life yet.
    if (inv.status === 'draft') throw conflict('invoice_not_transmitted', 'The invoice has not been transmitted yet');
    const link = await issuePortalLink(db, config, inv, principalOf(req), clock());
    res.set('Cache-Control', 'no-store').status(201).json({ url: link.url, expires_at: link.expiresAt.toISOString() });
  });

  return r;
}
