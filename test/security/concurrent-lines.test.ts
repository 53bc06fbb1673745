import { invoiceBody, startStack, type Stack } from '../support/stack';

/**
 * Lines added to a draft invoice at the same moment: each request reads and raises the invoice's
 * total, so without a lock on the invoice row two requests add to the same old total and one
 * line's amount is lost from `amount_total_cents` while the line itself is kept. The race shows on
 * PostgreSQL (run with RECOUP_TEST_DATABASE_URL); embedded PGlite runs one query at a time, where
 * the test guards the same invariant.
 */
let stack: Stack;
let key: string;
let companyId: string;

beforeAll(async () => {
  stack = await startStack();
  ({ key, companyId } = await stack.newPartner('Concurrent lines'));
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

test('twenty lines added in parallel to a draft invoice all count in its total', async () => {
  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const created = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id) });
  expect(created.status).toBe(201);
  const id = created.body.id as string;

  const amounts = Array.from({ length: 20 }, (_, i) => 100 * (i + 1));
  const answers = await Promise.all(
    amounts.map((amount_cents, i) => stack.request('POST', `/api/v2/invoices/${id}/invoice_lines`, { key, body: { description: `Extra ${i}`, amount_cents, quantity: 1 } })),
  );
  expect(answers.map((a) => a.status)).toEqual(amounts.map(() => 201));

  const invoice = await stack.request('GET', `/api/v2/invoices/${id}`, { key });
  const lines = invoice.body.invoice_lines as Array<{ amount_cents: number; quantity: number }>;
  expect(lines).toHaveLength(21);
  const sumOfLines = lines.reduce((sum, l) => sum + l.amount_cents * l.quantity, 0);
  expect(sumOfLines).toBe(12_000 + amounts.reduce((a, b) => a + b, 0));
  expect(invoice.body.amount_total_cents).toBe(sumOfLines);
  expect(invoice.body.amount_due_cents).toBe(sumOfLines);
}, 60_000);
