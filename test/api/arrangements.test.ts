import { eventually } from '../support/eventually';
import { invoiceBody, startStack, type Stack } from '../support/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

async function transmittedInvoice(key: string, companyId: string): Promise<string> {
  const { request } = stack;
  const imp = await request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const now = new Date(await stack.env.currentTimeMs());
  const due = new Date(now.getTime() + 20 * 86_400_000).toISOString().slice(0, 10);
  const inv = await request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id, { issue_date: now.toISOString().slice(0, 10), due_date: due }) });
  await request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key });
  await eventually(async () => expect((await request('GET', `/api/v2/invoices/${inv.body.id}`, { key })).body.status).toBe('open'));
  return inv.body.id;
}

const inDays = async (n: number) => new Date((await stack.env.currentTimeMs()) + n * 86_400_000).toISOString().slice(0, 10);

test('a partner records a promise to pay; a second arrangement is a conflict; a date past the policy limit is refused', async () => {
  const { key, companyId } = await stack.newPartner('Promises');
  const id = await transmittedInvoice(key, companyId);
  const tooFar = await stack.request('POST', `/api/v2/invoices/${id}/promise_to_pay`, { key, body: { date: await inDays(90) } });
  expect(tooFar.status).toBe(422);
  expect(tooFar.body.error.code).toBe('not_allowed_by_policy');
  const bad = await stack.request('POST', `/api/v2/invoices/${id}/promise_to_pay`, { key, body: { date: '2026-02-30' } });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details[0].path).toBe('date');
  const ok = await stack.request('POST', `/api/v2/invoices/${id}/promise_to_pay`, { key, body: { date: await inDays(10) } });
  expect(ok.status).toBe(200);
  expect(ok.body.status).toBe('promise_to_pay');
  const plan = await stack.request('POST', `/api/v2/invoices/${id}/payment_plan`, { key, body: { installment_count: 3, first_due_date: await inDays(5) } });
  expect(plan.status).toBe(409);
  expect(plan.body.error.code).toBe('arrangement_in_place');
  const events = await stack.request('GET', `/api/v2/invoices/${id}/events`, { key });
  expect(events.body.data.map((e: { type: string }) => e.type)).toContain('invoice.promise_to_pay_made');
});

test('a partner sets up a payment plan within the policy’s limits', async () => {
  const { key, companyId } = await stack.newPartner('Plans');
  const id = await transmittedInvoice(key, companyId);
  const tooMany = await stack.request('POST', `/api/v2/invoices/${id}/payment_plan`, { key, body: { installment_count: 13, first_due_date: await inDays(5) } });
  expect(tooMany.status).toBe(422);
  const ok = await stack.request('POST', `/api/v2/invoices/${id}/payment_plan`, { key, body: { installment_count: 3, first_due_date: await inDays(5) } });
  expect(ok.status).toBe(200);
  expect(ok.body.status).toBe('payment_plan');
  const events = await stack.request('GET', `/api/v2/invoices/${id}/events?limit=50`, { key });
  const created = events.body.data.find((e: { type: string }) => e.type === 'invoice.payment_plan_created');
  expect(created.data.installments).toHaveLength(3);
  expect(created.data.installments.reduce((s: number, i: { amount_cents: number }) => s + i.amount_cents, 0)).toBe(12_000);
});
