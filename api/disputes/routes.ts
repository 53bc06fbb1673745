import { disputeResource } from '../../resources/dispute';
import { invoiceResource } from '../../resources/serializers';
import { openDispute, resolveDispute } from '../../services/disputes';
import { principalOf } from '../auth';
import { defineRoute } from '../route-definition';
import { visibleInvoice } from '../scope';

const tag = 'Invoices';
const roles = ['partner', 'ops'] as const;

/** Disputes of an invoice (contract: Partner API): opening one pauses the invoice; resolving it credits or resumes. */
export const disputeRoutes = [
  defineRoute({
    operationId: 'disputeInvoice',
    method: 'post',
    path: '/invoices/{id}/disputes',
    tag,
    summary: 'The debtor contests the invoice',
    description: 'Status `disputed`: every reminder, fee and escalation of this invoice pauses (the debtor’s other invoices go on); payments still count. Event `invoice.disputed`.',
    roles,
    body: 'DisputeCreate',
    response: { status: 201, description: 'The dispute and the invoice after it', schema: 'DisputeWithInvoice' },
    errors: [{ status: 409, description: 'Not transmitted, closed, on hold, under an arrangement or with a collector, or `dispute_open` (one open dispute per invoice)' }],
    handler: async ({ req, res, deps: { db, temporal }, body: parsedBody, param }) => {
      const inv = await visibleInvoice(db, principalOf(req), param('id'));
      const body = parsedBody();
      const { dispute, invoice } = await openDispute({ db, temporal }, inv, { reason: body.reason, details: body.details ?? null, via: 'api' });
      res.status(201).json({ ...disputeResource(dispute), invoice: invoiceResource(invoice) });
    },
  }),
  defineRoute({
    operationId: 'resolveDispute',
    method: 'post',
    path: '/invoices/{id}/disputes/{dispute_id}/resolve',
    tag,
    summary: 'Resolve a dispute',
    description:
      '`upheld` credits `credit_cents` (default: all that is due) and closes the invoice as `credited`, or lowers it and resumes collection on the rest; `rejected` resumes collection where it paused, every later step moved by the time it was disputed. Event `invoice.dispute_resolved`.',
    roles,
    body: 'DisputeResolve',
    response: { status: 200, description: 'The dispute and the invoice after it', schema: 'DisputeWithInvoice' },
    errors: [
      { status: 409, description: '`dispute_not_open`: resolved already' },
      { status: 422, description: '`credit_exceeds_amount_due`' },
    ],
    handler: async ({ req, res, deps: { db, temporal }, body: parsedBody, param }) => {
      const principal = principalOf(req);
      const inv = await visibleInvoice(db, principal, param('id'));
      const body = parsedBody();
      const { dispute, invoice } = await resolveDispute(
        { db, temporal },
        { disputeId: param('dispute_id'), invoiceId: inv.id, partnerId: principal.partnerId },
        { outcome: body.outcome, reason: body.reason, creditCents: body.credit_cents, by: `${principal.role}:${principal.keyId}` },
      );
      res.json({ ...disputeResource(dispute), invoice: invoiceResource(invoice) });
    },
  }),
];
