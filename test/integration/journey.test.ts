import { invoiceWorkflowId } from '../../workflows/invoice.messages';
import { CompanyId, InvoiceStatus } from '../../temporal/search-attributes';
import { eventually } from '../support/eventually';
import { invoiceBody, OPS_KEY, startStack, type Stack } from '../support/stack';
import { daytimeTimezone } from '../support/daytime';

/**
 * One invoice's whole journey on the real dev server, the real database, a real SMTP server and
 * real HTTP: from the ops setup of a partner to a paid invoice.
 */
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ temporal: 'dev-server' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

test('a partner set up by ops transmits an invoice, the debtor is emailed a portal link, and payments close it as paid', async () => {
  const { request, smtp } = stack;
  // Ops: a partner and its key.
  const partner = await request('POST', '/api/v2/partners', { key: OPS_KEY, body: { name: 'Club Software BV' } });
  expect(partner.status).toBe(201);
  const apiKey = await request('POST', `/api/v2/partners/${partner.body.id}/api_keys`, { key: OPS_KEY, body: { role: 'partner' } });
  expect(apiKey.status).toBe(201);
  const key: string = apiKey.body.secret;

  // Partner: company, which ops verify.
  const company = await request('POST', '/api/v2/companies', {
    key,
    body: { name: 'HC Groen-Wit', country: 'NL', currency: 'EUR', locale: 'nl', timezone: 'Europe/Amsterdam' },
  });
  expect(company.status).toBe(201);
  expect(company.body.status).toBe('pending_verification');
  const imp = await request('POST', '/api/v2/imports', { key, body: { company_id: company.body.id, title: 'Contributie 2027' } });
  expect(imp.status).toBe(201);
  const invoice = await request('POST', '/api/v2/invoices', {
    key,
    body: invoiceBody(imp.body.id, {
      // The dev server keeps real time: a debtor for whom it is daytime now gets the notice at once.
      debtor: { ...invoiceBody(imp.body.id).debtor, timezone: daytimeTimezone() },
      invoice_lines: [
        { description: 'Contributie senioren', amount_cents: 15_000, quantity: 1, vat_rate: 0 },
        { description: 'Bardienst afkoop', amount_cents: 2_500, quantity: 2, vat_rate: 21 },
      ],
    }),
  });
  expect(invoice.status).toBe(201);
  expect(invoice.body).toMatchObject({ status: 'draft', amount_total_cents: 20_000, amount_due_cents: 20_000 });

  const refused = await request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key });
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('company_not_verified');
  const verified = await request('POST', `/api/v2/companies/${company.body.id}/verification`, { key: OPS_KEY, body: { decision: 'approve', reason: 'documents checked' } });
  expect(verified.body.status).toBe('verified');

  const transmit = await request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key });
  expect(transmit.status).toBe(202);

  // The debtor receives the invoice notice by email, in Dutch, with a portal link.
  const [mail] = await smtp.waitFor(1);
  expect(mail!.to).toMatchObject({ value: [{ address: 'anna@example.nl' }] });
  expect(mail!.subject).toBe(`Factuur ${invoice.body.invoice_number} van HC Groen-Wit`);
  const link = /(http:\/\/127\.0\.0\.1:\d+\/pay\/[A-Za-z0-9._-]+)/.exec(mail!.text ?? '')?.[1];
  expect(link).toBeDefined();
  expect(mail!.html).toContain(link);
  // One-click unsubscribe (RFC 8058): the debtor's own signed link, not the portal's.
  expect(mail!.headerLines.find((h) => h.key === 'list-unsubscribe')?.line.replace(/\s+/g, ' ')).toMatch(/^List-Unsubscribe: <http:\/\/127\.0\.0\.1:\d+\/unsubscribe\/dbt_[0-9A-Za-z]+\.email\.[A-Za-z0-9_-]{32}>$/);
  expect(mail!.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  const portal = await fetch(link!);
  expect(portal.status).toBe(200);
  expect(await portal.text()).toMatch(/€\s200,00/);

  const id: string = invoice.body.id;
  await eventually(async () => expect((await request('GET', `/api/v2/invoices/${id}`, { key })).body.status).toBe('open'));
  const imported = await eventually(async () => {
    const r = await request('GET', `/api/v2/imports/${imp.body.id}`, { key });
    expect(r.body.status).toBe('transmitted');
    return r;
  });
  expect(imported.body.counts).toMatchObject({ total: 1, open: 1 });

  // A partial payment lowers what is due; the rest closes the invoice.
  const part = await request('POST', `/api/v2/invoices/${id}/payments`, { key, body: { amount_cents: 5_000, external_id: 'bank-1' } });
  expect(part.status).toBe(201);
  expect(part.body.invoice).toMatchObject({ status: 'open', amount_paid_cents: 5_000, amount_due_cents: 15_000 });
  const overCredit = await request('POST', `/api/v2/invoices/${id}/credit`, { key, body: { amount_cents: 15_001 } });
  expect(overCredit.status).toBe(422);
  expect(overCredit.body.error.code).toBe('credit_exceeds_amount_due');
  const rest = await request('POST', `/api/v2/invoices/${id}/payments`, { key, body: { amount_cents: 15_000, external_id: 'bank-2' } });
  expect(rest.body.invoice).toMatchObject({ status: 'paid', amount_due_cents: 0 });

  const closed = await request('POST', `/api/v2/invoices/${id}/credit`, { key, body: { amount_cents: 100 } });
  expect(closed.status).toBe(409);

  const events = await request('GET', `/api/v2/invoices/${id}/events`, { key });
  expect(events.body.data.map((e: { type: string }) => e.type)).toEqual([
    'invoice.transmitted',
    'message.sent',
    'invoice.payment_received',
    'invoice.payment_received',
    'invoice.paid',
  ]);

  // The workflow is visible to operators, completed (in a task after the payment's), with its search attributes.
  const handle = stack.env.client.workflow.getHandle(invoiceWorkflowId(id));
  await expect(handle.result()).resolves.toMatchObject({ status: 'paid' });
  const description = await handle.describe();
  expect(description.status.name).toBe('COMPLETED');
  expect(description.typedSearchAttributes.get(InvoiceStatus)).toBe('paid');
  expect(description.typedSearchAttributes.get(CompanyId)).toBe(company.body.id);
}, 120_000);

test('credit and retract on transmitted invoices, and a draft invoice retracted before transmission', async () => {
  const { request } = stack;
  const { key, companyId } = await stack.newPartner('Retracting');
  const imp = await request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const a = await request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id) });
  const b = await request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id) });
  const c = await request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id) });
  const draftRetract = await request('POST', `/api/v2/invoices/${c.body.id}/retract`, { key, body: { reason: 'duplicate' } });
  expect(draftRetract.body.status).toBe('retracted');
  expect((await request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key })).status).toBe(202);
  await eventually(async () => expect((await request('GET', `/api/v2/invoices/${a.body.id}`, { key })).body.status).toBe('open'));
  await eventually(async () => expect((await request('GET', `/api/v2/invoices/${b.body.id}`, { key })).body.status).toBe('open'));

  const credit = await request('POST', `/api/v2/invoices/${a.body.id}/credit`, { key, body: { amount_cents: 12_000, reason: 'member left' } });
  expect(credit.status).toBe(201);
  expect(credit.body.invoice).toMatchObject({ status: 'credited', amount_credited_cents: 12_000, amount_due_cents: 0 });
  const retract = await request('POST', `/api/v2/invoices/${b.body.id}/retract`, { key, body: { reason: 'sent in error' } });
  expect(retract.status).toBe(200);
  expect(retract.body.status).toBe('retracted');
  expect((await request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key })).status).toBe(409);
}, 120_000);
