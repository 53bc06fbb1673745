import { eq } from 'drizzle-orm';
import { messages } from '../../db/schema';
import { pageQuerySchema } from '../../domain/schemas';
import { issuePortalLink } from '../../services/portal-links';
import { principalOf } from '../auth';
import { conflict } from '../../domain/errors';
import { listPage } from '../pagination';
import { defineRoute } from '../route-definition';
import { visibleInvoice } from '../scope';
import { invoiceMessageResource } from './resources';

/**
 * What Recoup sent about an invoice (partners: their own invoices; ops: all), and a fresh portal
 * link for ops to send by hand. Neither the list nor any log or event carries a message's body or
 * a portal link: whoever holds a link can see and pay the invoice.
 */
export const invoiceMessageRoutes = [
  defineRoute({
    operationId: 'listInvoiceMessages',
    method: 'get',
    path: '/invoices/{id}/messages',
    tag: 'Invoices',
    summary: 'What was sent about the invoice',
    description:
      'Every message about the invoice (email, SMS, letter), oldest first: channel, kind, purpose, status and delivery status, recipient, when it was sent and delivered, attempts. Never its body or the portal link in it.',
    roles: ['partner', 'ops'],
    query: pageQuerySchema,
    response: { status: 200, description: 'A page of messages', schema: 'InvoiceMessagePage' },
    handler: async ({ req, res, deps: { db }, query, param }) => {
      const inv = await visibleInvoice(db, principalOf(req), param('id'));
      const p = await listPage(db, messages, query(), [eq(messages.invoiceId, inv.id)]);
      res.json({ data: p.data.map(invoiceMessageResource), next_cursor: p.next_cursor });
    },
  }),
  defineRoute({
    operationId: 'createPortalLink',
    method: 'post',
    path: '/invoices/{id}/portal_link',
    tag: 'Invoices',
    summary: 'A fresh portal link to send the debtor by hand (ops only)',
    description:
      "Valid for the `portal_link_days` of the invoice's policy version. The timeline records `invoice.portal_link_issued` (who, until when), never the link; the answer is not cached.",
    roles: ['ops'],
    response: { status: 201, description: 'The link and when it stops working', schema: 'PortalLink' },
    errors: [{ status: 409, description: 'The invoice has not been transmitted yet' }],
    handler: async ({ req, res, deps: { db, config, clock }, param }) => {
      const inv = await visibleInvoice(db, principalOf(req), param('id'));
      // A draft has no policy version and no debtor-facing life yet.
      if (inv.status === 'draft') throw conflict('invoice_not_transmitted', 'The invoice has not been transmitted yet');
      const link = await issuePortalLink(db, config, inv, principalOf(req), clock());
      res.set('Cache-Control', 'no-store').status(201).json({ url: link.url, expires_at: link.expiresAt.toISOString() });
    },
  }),
];
