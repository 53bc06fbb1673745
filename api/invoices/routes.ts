import { and, eq, gte } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { companies, invoiceLines, invoices, ledgerEntries } from '../../db/schema';
import { invoiceListQuerySchema } from '../../domain/schemas';
import { tellInvoiceWorkflows } from '../../services/debtors';
import { appendEvents } from '../../services/events';
import { newId } from '../../services/ids';
import { invoiceLineOrder } from '../../services/invoice-lines';
import { createDraftInvoices, DraftInvoiceRefused, type DraftInvoiceProblem } from '../../services/invoices';
import { withFreshPaymentReference } from '../../services/payment-references';
import { principalOf } from '../auth';
import { debtorPhoneE164 } from '../debtor-phone';
import { addDraftInvoiceLine, creditAndRetractInvoice, creditInvoice, holdInvoice, requireTransmitted, resumeInvoice, retractInvoice, updateInvoiceWorkflow } from '../../services/invoice-updates';
import { conflict, DomainError, invalidField, unprocessable } from '../../domain/errors';
import { listPage } from '../pagination';
import { defineRoute, type RouteDefinition } from '../route-definition';
import { ownedByPartner, visibleCompany, visibleImport, visibleImportWithCompany, visibleInvoice, visibleInvoiceWithLines } from '../scope';
import { invoiceLineResource, invoiceResource, ledgerEntryResource } from '../../resources/serializers';

type InvoiceRow = typeof invoices.$inferSelect;

async function linesOf(db: Db, invoiceId: string) {
  return db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, invoiceId)).orderBy(...invoiceLineOrder);
}

async function reload(db: Db, id: string): Promise<InvoiceRow> {
  const [row] = await db.select().from(invoices).where(eq(invoices.id, id));
  return row!;
}

/** The answer to a refused invoice, as the API gave it before the check moved to the service. */
function draftInvoiceError(problem: DraftInvoiceProblem): DomainError {
  switch (problem.code) {
    case 'invoice_total_not_positive':
      return unprocessable('invoice_total_not_positive', 'The invoice lines must add up to more than zero');
    case 'due_date_before_issue_date':
      return unprocessable('due_date_before_issue_date', 'due_date is before issue_date');
    case 'invalid_phone':
      return invalidField(problem.path, problem.message);
  }
}

const tag = 'Invoices';
const roles = ['partner', 'ops'] as const;
const arrangementRefused = [
  { status: 409, description: 'Not transmitted, closed, or `arrangement_in_place`' },
  { status: 422, description: '`not_allowed_by_policy`: beyond the policy’s limits' },
] as const;

/** An invoice's lines, under `/invoices/{id}` and under the contract's alias `/invoice/{id}`. */
function invoiceLineRoutes(base: 'invoices' | 'invoice'): RouteDefinition[] {
  const alias = base === 'invoice' ? ' (alias)' : '';
  const suffix = base === 'invoice' ? 'Alias' : '';
  const aliasNote = base === 'invoice' ? 'The same as under `/invoices/{id}/invoice_lines`. ' : '';
  return [
    defineRoute({
      operationId: `listInvoiceLines${suffix}`,
      method: 'get',
      path: `/${base}/{id}/invoice_lines`,
      tag,
      summary: `List an invoice's lines${alias}`,
      description: `${aliasNote}All lines in one page.`,
      roles,
      response: { status: 200, description: 'All lines', schema: 'InvoiceLinePage' },
      handler: async ({ req, res, deps: { db }, param }) => {
        const inv = await visibleInvoice(db, principalOf(req), param('id'));
        res.json({ data: (await linesOf(db, inv.id)).map(invoiceLineResource), next_cursor: null });
      },
    }),
    defineRoute({
      operationId: `addInvoiceLine${suffix}`,
      method: 'post',
      path: `/${base}/{id}/invoice_lines`,
      tag,
      summary: `Add a line to a draft invoice${alias}`,
      description: `${aliasNote}Draft invoices only.`,
      roles,
      body: 'InvoiceLine',
      response: { status: 201, description: 'The line', schema: 'InvoiceLineResource' },
      errors: [{ status: 409, description: 'The invoice is not a draft' }],
      handler: async ({ req, res, deps: { db }, body: parsedBody, param }) => {
        const inv = await visibleInvoice(db, principalOf(req), param('id'));
        const line = await addDraftInvoiceLine({ db }, inv, parsedBody());
        res.status(201).json(invoiceLineResource(line));
      },
    }),
  ];
}

/** Draft invoices added to an import, and the operations on a transmitted one (each an update to its workflow). */
export const invoiceRoutes = [
  defineRoute({
    operationId: 'createInvoice',
    method: 'post',
    path: '/invoices',
    tag,
    summary: 'Add an invoice to a draft import',
    roles,
    body: 'InvoiceCreate',
    response: { status: 201, description: 'The invoice, with its lines', schema: 'Invoice' },
    errors: [
      { status: 409, description: 'The import is not a draft' },
      { status: 422, description: 'Lines add up to nothing, or due before issued' },
    ],
    handler: async ({ req, res, deps: { db }, body: parsedBody }) => {
      const body = parsedBody();
      const { imp, company } = await visibleImportWithCompany(db, principalOf(req), body.import_id);
      if (imp.status !== 'draft') throw conflict('import_not_draft', 'Invoices can only be added to a draft import');
      const created = await withFreshPaymentReference(() => db.transaction((tx) => createDraftInvoices(tx, company, imp.id, [body]))).catch((err: unknown) => {
        throw err instanceof DraftInvoiceRefused ? draftInvoiceError(err.problems[0]!) : err;
      });
      const row = { inv: created[0]!.invoice, lines: created[0]!.lines };
      // The inserted rows, lines ordered as a read would order them: no second round trip.
      res.status(201).json(invoiceResource(row.inv, row.lines));
    },
  }),
  defineRoute({
    operationId: 'listInvoices',
    method: 'get',
    path: '/invoices',
    tag,
    summary: 'List invoices',
    roles,
    query: invoiceListQuerySchema,
    response: { status: 200, description: 'A page of invoices', schema: 'InvoicePage' },
    handler: async ({ req, res, deps: { db }, query }) => {
      const q = query();
      // Filtering by another tenant's (or an unknown) id is a 404, as reading it would be.
      if (q.company_id) await visibleCompany(db, principalOf(req), q.company_id);
      if (q.import_id) await visibleImport(db, principalOf(req), q.import_id);
      const p = await listPage(db, invoices, q, [
        ownedByPartner(invoices.partnerId, principalOf(req)),
        q.company_id ? eq(invoices.companyId, q.company_id) : undefined,
        q.import_id ? eq(invoices.importId, q.import_id) : undefined,
        q.status ? eq(invoices.status, q.status) : undefined,
        q.updated_since ? gte(invoices.updatedAt, new Date(q.updated_since)) : undefined,
      ]);
      res.json({ data: p.data.map((i) => invoiceResource(i)), next_cursor: p.next_cursor });
    },
  }),
  defineRoute({
    operationId: 'getInvoice',
    method: 'get',
    path: '/invoices/{id}',
    tag,
    summary: 'Get an invoice',
    roles,
    response: { status: 200, description: 'The invoice, with its lines', schema: 'Invoice' },
    handler: async ({ req, res, deps: { db }, param }) => {
      const { invoice, lines, lastNotice } = await visibleInvoiceWithLines(db, principalOf(req), param('id'));
      res.json(invoiceResource(invoice, lines, lastNotice));
    },
  }),
  ...invoiceLineRoutes('invoices'),
  ...invoiceLineRoutes('invoice'),
  defineRoute({
    operationId: 'creditInvoice',
    method: 'post',
    path: '/invoices/{id}/credit',
    tag,
    summary: 'Credit an invoice',
    description: 'A credit note; a full credit closes the invoice as `credited`.',
    roles,
    body: 'Credit',
    response: { status: 201, description: 'The credit note and the invoice after it', schema: 'CreditNote' },
    errors: [
      { status: 409, description: 'Not transmitted, or closed' },
      { status: 422, description: '`credit_exceeds_amount_due`' },
    ],
    handler: async ({ req, res, deps: { db, temporal }, body: parsedBody, param }) => {
      const inv = await visibleInvoice(db, principalOf(req), param('id'));
      const body = parsedBody();
      const { creditId, invoice: fresh } = await creditInvoice({ db, temporal }, inv, { amountCents: body.amount_cents, reason: body.reason });
      res.status(201).json({ id: creditId, invoice_id: inv.id, amount_cents: body.amount_cents, reason: body.reason ?? null, invoice: invoiceResource(fresh) });
    },
  }),
  defineRoute({
    operationId: 'retractInvoice',
    method: 'post',
    path: '/invoices/{id}/retract',
    tag,
    summary: 'Retract an invoice',
    description: 'Stops collection at once: `retracted`.',
    roles,
    body: 'Reason',
    bodyOptional: true,
    response: { status: 200, description: 'The invoice', schema: 'Invoice' },
    errors: [{ status: 409, description: 'The invoice is closed' }],
    handler: async ({ req, res, deps: { db, temporal }, body: parsedBody, param }) => {
      const inv = await visibleInvoice(db, principalOf(req), param('id'));
      const fresh = await retractInvoice({ db, temporal }, inv, parsedBody().reason);
      res.json(invoiceResource(fresh));
    },
  }),
  defineRoute({
    operationId: 'creditAndRetractInvoice',
    method: 'post',
    path: '/invoices/{id}/credit_and_retract',
    tag,
    summary: 'Credit what is outstanding and retract',
    roles,
    body: 'Reason',
    bodyOptional: true,
    response: { status: 200, description: 'The invoice', schema: 'Invoice' },
    errors: [{ status: 409, description: 'Not transmitted, or closed' }],
    handler: async ({ req, res, deps: { db, temporal }, body: parsedBody, param }) => {
      const inv = await visibleInvoice(db, principalOf(req), param('id'));
      const fresh = await creditAndRetractInvoice({ db, temporal }, inv, parsedBody().reason);
      res.json(invoiceResource(fresh));
    },
  }),
  defineRoute({
    operationId: 'registerPayment',
    method: 'post',
    path: '/invoices/{id}/payments',
    tag,
    summary: 'Register a payment the partner received',
    description: 'Partial payments lower `amount_due_cents`. `external_id` makes a repeated registration count once.',
    roles,
    body: 'Payment',
    response: { status: 201, description: 'The payment and the invoice after it', schema: 'PaymentReceived' },
    errors: [{ status: 409, description: 'Not transmitted, or closed' }],
    handler: async ({ req, res, deps: { db, temporal }, body: parsedBody, param }) => {
      const inv = await visibleInvoice(db, principalOf(req), param('id'));
      const body = parsedBody();
      requireTransmitted(inv);
      await updateInvoiceWorkflow({ temporal }, inv, (c) =>
        c.registerPayment({ amountCents: body.amount_cents, externalId: body.external_id, paidAt: body.paid_at, source: 'partner' }, `payment-${body.external_id}`),
      );
      const [entry] = await db
        .select()
        .from(ledgerEntries)
        .where(and(eq(ledgerEntries.invoiceId, inv.id), eq(ledgerEntries.kind, 'payment'), eq(ledgerEntries.externalId, body.external_id)));
      const fresh = await reload(db, inv.id);
      res.status(201).json({ ...(entry ? ledgerEntryResource(entry) : { invoice_id: inv.id, amount_cents: body.amount_cents, external_id: body.external_id }), invoice: invoiceResource(fresh) });
    },
  }),
  defineRoute({
    operationId: 'updateInvoiceDebtor',
    method: 'patch',
    path: '/invoices/{id}/debtor',
    tag,
    summary: "Change the debtor's contact details",
    description: 'Later messages use them; event `invoice.contact_updated`.',
    roles,
    body: 'DebtorPatch',
    response: { status: 200, description: 'The invoice', schema: 'Invoice' },
    handler: async ({ req, res, deps: { db, temporal }, body: parsedBody, param }) => {
      const inv = await visibleInvoice(db, principalOf(req), param('id'));
      const body = parsedBody();
      const debtor = { ...inv.debtor, ...body };
      if (body.phone !== undefined) {
        const [company] = debtor.address ? [] : await db.select({ country: companies.country }).from(companies).where(eq(companies.id, inv.companyId));
        debtor.phone = debtorPhoneE164(body.phone, debtor.address?.country ?? company?.country, 'phone');
      }
      await db.transaction(async (tx) => {
        await tx.update(invoices).set({ debtor, updatedAt: new Date() }).where(eq(invoices.id, inv.id));
        await appendEvents(tx, [
          { type: 'invoice.contact_updated', partnerId: inv.partnerId, companyId: inv.companyId, invoiceId: inv.id, data: { invoice_id: inv.id, changed: Object.keys(body) } },
        ]);
      });
      // The running workflow reads later times in the new zone (a closed one is skipped).
      if (body.timezone && inv.status !== 'draft') await tellInvoiceWorkflows(temporal, [inv.id], { timezone: body.timezone }, newId('dch'));
      res.json(invoiceResource(await reload(db, inv.id)));
    },
  }),
  // Arrangements a partner agreed with the debtor (the debtor can make them in the portal too).
  defineRoute({
    operationId: 'makePromiseToPay',
    method: 'post',
    path: '/invoices/{id}/promise_to_pay',
    tag,
    summary: 'Record a promise to pay by a date',
    description: 'Reminders pause until the date (within the policy’s limits); a broken promise resumes dunning.',
    roles,
    body: 'PromiseToPay',
    response: { status: 200, description: 'The invoice, `promise_to_pay`', schema: 'Invoice' },
    errors: arrangementRefused,
    handler: async ({ req, res, deps: { db, temporal }, body: parsedBody, param }) => {
      const inv = await visibleInvoice(db, principalOf(req), param('id'));
      const body = parsedBody();
      requireTransmitted(inv);
      await updateInvoiceWorkflow({ temporal }, inv, (c) => c.promiseToPay({ date: body.date, source: 'partner' }));
      res.json(invoiceResource(await reload(db, inv.id)));
    },
  }),
  defineRoute({
    operationId: 'createPaymentPlan',
    method: 'post',
    path: '/invoices/{id}/payment_plan',
    tag,
    summary: 'Agree a payment plan',
    description: 'The amount due in installments (within the policy’s limits on their number and size).',
    roles,
    body: 'PaymentPlan',
    response: { status: 200, description: 'The invoice, `payment_plan`', schema: 'Invoice' },
    errors: arrangementRefused,
    handler: async ({ req, res, deps: { db, temporal }, body: parsedBody, param }) => {
      const inv = await visibleInvoice(db, principalOf(req), param('id'));
      const body = parsedBody();
      requireTransmitted(inv);
      await updateInvoiceWorkflow({ temporal }, inv, (c) =>
        c.createPaymentPlan({ installmentCount: body.installment_count, firstDueDate: body.first_due_date, intervalDays: body.interval_days, source: 'partner' }),
      );
      res.json(invoiceResource(await reload(db, inv.id)));
    },
  }),
  defineRoute({
    operationId: 'holdInvoice',
    method: 'post',
    path: '/invoices/{id}/hold',
    tag,
    summary: 'Put an invoice on hold (dispute)',
    description: 'Pauses every reminder, fee and escalation.',
    roles,
    body: 'Reason',
    bodyOptional: true,
    response: { status: 200, description: 'The invoice, `on_hold`', schema: 'Invoice' },
    errors: [{ status: 409, description: 'Not transmitted, closed, or on hold already' }],
    handler: async ({ req, res, deps: { db, temporal }, body: parsedBody, param }) => {
      const inv = await visibleInvoice(db, principalOf(req), param('id'));
      res.json(invoiceResource(await holdInvoice({ db, temporal }, inv, parsedBody().reason)));
    },
  }),
  defineRoute({
    operationId: 'resumeInvoice',
    method: 'post',
    path: '/invoices/{id}/resume',
    tag,
    summary: 'Resume an invoice on hold',
    roles,
    response: { status: 200, description: 'The invoice', schema: 'Invoice' },
    errors: [{ status: 409, description: 'Not on hold' }],
    handler: async ({ req, res, deps: { db, temporal }, param }) => {
      const inv = await visibleInvoice(db, principalOf(req), param('id'));
      res.json(invoiceResource(await resumeInvoice({ db, temporal }, inv)));
    },
  }),
];
