import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { createActivities } from '../../activities';
import { invoices } from '../../db/schema';
import { createSmsSender } from '../../messaging/sms';
import { createMailer } from '../../messaging/mailer';
import { silentLogger } from '../support/logger';
import { seedCompany, seedInvoice } from '../support/seed';
import { invoiceBody, startStack, type Stack } from '../support/stack';
import { transmittedInvoices } from '../statements/support';

/**
 * Amounts beyond what the database holds (amount columns are PostgreSQL integer: at most
 * 2,147,483,647 cents) are refused over real HTTP with a 400 naming the field, and nothing is
 * created; an activity handed such data fails once, not retrying forever.
 */
const INT4_MAX = 2_147_483_647;
let stack: Stack;
let key: string;
let companyId: string;
let importId: string;

beforeAll(async () => {
  stack = await startStack();
  ({ key, companyId } = await stack.newPartner('Large amounts'));
  importId = (await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } })).body.id;
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const line = (amount_cents: number, quantity = 1) => ({ description: 'Membership', amount_cents, quantity, vat_rate: 0 });
const invoicesOfImport = async () => (await stack.request('GET', `/api/v2/invoices?import_id=${importId}`, { key })).body.data as unknown[];

test.each<[string, unknown[], string]>([
  ['a line of 2^31 cents', [line(2 ** 31)], 'invoice_lines.0.amount_cents'],
  ['a line of 10^15 cents', [line(1e15)], 'invoice_lines.0.amount_cents'],
  ['a discount line below -2^31 cents', [line(10_000), line(-(2 ** 31))], 'invoice_lines.1.amount_cents'],
  ['a quantity that takes the line over the range', [line(100_000_000, 1_000)], 'invoice_lines.0.quantity'],
  ['lines that each fit but add up beyond it', [line(2_000_000_000), line(2_000_000_000)], 'invoice_lines'],
])('an invoice with %s is a 400 naming the field, and nothing is created', async (_name, invoice_lines, path) => {
  const res = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(importId, { invoice_lines }) });
  expect(res.status).toBe(400);
  expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  expect(await invoicesOfImport()).toEqual([]);
});

describe('on an invoice', () => {
  let draftId: string;
  beforeAll(async () => {
    const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
    draftId = (await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id) })).body.id;
  });

  test.each<[string, string, Record<string, unknown>, string]>([
    ['a line of 2^31 cents', 'invoice_lines', line(2 ** 31), 'amount_cents'],
    ['a line that takes the total over the range', 'invoice_lines', line(INT4_MAX - 100), 'amount_cents'],
    ['a credit of 10^15 cents', 'credit', { amount_cents: 1e15 }, 'amount_cents'],
    ['a payment of 2^31 cents', 'payments', { amount_cents: 2 ** 31, external_id: 'huge-1' }, 'amount_cents'],
  ])('%s is a 400 naming the field, and the invoice is unchanged', async (_name, action, body, path) => {
    const res = await stack.request('POST', `/api/v2/invoices/${draftId}/${action}`, { key, body });
    expect([res.status, res.body.error.details]).toEqual([400, expect.arrayContaining([expect.objectContaining({ path })])]);
    const invoice = (await stack.request('GET', `/api/v2/invoices/${draftId}`, { key })).body;
    expect(invoice).toMatchObject({ amount_total_cents: 12_000, amount_paid_cents: 0, amount_credited_cents: 0 });
    expect(invoice.invoice_lines).toHaveLength(1);
  });

  test('payments that would add up beyond the range are refused (422) before they reach the workflow history', async () => {
    const [big] = await transmittedInvoices(stack, key, companyId, [{ amount_cents: 2_000_000_000 }]);
    const first = await stack.request('POST', `/api/v2/invoices/${big!.id}/payments`, { key, body: { amount_cents: 1_000_000_000, external_id: 'part-1' } });
    expect(first.status).toBe(201);
    const second = await stack.request('POST', `/api/v2/invoices/${big!.id}/payments`, { key, body: { amount_cents: 2_000_000_000, external_id: 'part-2' } });
    expect([second.status, second.body.error.code]).toEqual([422, 'amount_out_of_range']);
    expect((await stack.request('GET', `/api/v2/invoices/${big!.id}`, { key })).body).toMatchObject({ status: 'open', amount_paid_cents: 1_000_000_000, amount_due_cents: 1_000_000_000 });
    // The workflow still answers: a payment that fits is taken.
    const third = await stack.request('POST', `/api/v2/invoices/${big!.id}/payments`, { key, body: { amount_cents: 1_000_000_000, external_id: 'part-3' } });
    expect([third.status, third.body.invoice.status]).toEqual([201, 'paid']);
  }, 60_000);
});

test('an activity handed an amount the database cannot hold fails at once, as a non-retryable failure', async () => {
  const db = stack.database.db;
  const seed = await seedCompany(db);
  const input = await seedInvoice(db, seed, { dueDate: '2027-01-01' });
  const activities = createActivities({
    db,
    mailer: createMailer({ from: 'Recoup <noreply@recoup.test>', logger: silentLogger }),
    sms: createSmsSender({ logger: silentLogger }),
    temporal: stack.env.client,
    config: stack.config,
    logger: silentLogger,
  });
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  const failure = await env
    .run(activities.persistInvoiceChange, {
      invoiceId: input.invoiceId,
      partnerId: input.partnerId,
      companyId: input.companyId,
      revision: 1,
      changeKey: '1:payment:too-much',
      snapshot: { status: 'paid' as const, amountTotalCents: 10_000, amountPaidCents: 3_000_000_000, amountCreditedCents: 0, feesCents: 0, amountDueCents: 0, overpaidCents: 2_999_990_000, dunningLevel: 0, nextActionAt: null },
      ledgerEntry: { kind: 'payment' as const, amountCents: 3_000_000_000, externalId: 'too-much' },
      events: [{ type: 'invoice.payment_received' as const, data: {} }],
    })
    .then(
      () => null,
      (err: unknown) => err,
    );
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({ type: 'invalid_data', nonRetryable: true, message: expect.stringContaining('22003') });
  const [row] = await db.select().from(invoices).where(eq(invoices.id, input.invoiceId));
  expect(row).toMatchObject({ amountPaidCents: 0, status: 'draft' });
});
