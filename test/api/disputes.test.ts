import { and, asc, eq } from 'drizzle-orm';
import { disputes, events } from '../../db/schema';
import { eventually } from '../support/eventually';
import { invoiceBody, startStack, type HttpResponse, type Stack } from '../support/stack';

/** Disputes over real HTTP: bad bodies, one open dispute per invoice, tenancy, and a partial credit. */
let stack: Stack;
let owner: { partnerId: string; key: string; companyId: string };
let intruder: { partnerId: string; key: string; companyId: string };
let invoiceId: string;

const paths = (res: HttpResponse) => (res.body.error.details as Array<{ path: string }>).map((d) => d.path);

beforeAll(async () => {
  stack = await startStack();
  owner = await stack.newPartner('Disputes owner');
  intruder = await stack.newPartner('Disputes intruder');
  const imp = await stack.request('POST', '/api/v2/imports', { key: owner.key, body: { company_id: owner.companyId } });
  const inv = await stack.request('POST', '/api/v2/invoices', {
    key: owner.key,
    body: invoiceBody(imp.body.id, { debtor: { first_name: 'Dora', last_name: 'Disput', email: 'dora@example.nl', external_id: 'dora', locale: 'nl', timezone: 'Europe/Amsterdam' } }),
  });
  invoiceId = inv.body.id;
  expect((await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key: owner.key })).status).toBe(202);
  await eventually(async () => expect((await stack.request('GET', `/api/v2/invoices/${invoiceId}`, { key: owner.key })).body.status).toBe('open'), 60_000);
}, 240_000);

afterAll(async () => {
  await stack?.close();
});

test('a dispute: bad bodies name the field, another partner gets 404, a second open dispute 409, and a partial upheld credit lowers the invoice and resumes it', async () => {
  const open = (key: string, body: unknown) => stack.request('POST', `/api/v2/invoices/${invoiceId}/disputes`, { key, body });

  const noReason = await open(owner.key, { details: 'no reason given' });
  expect(noReason.status).toBe(400);
  expect(paths(noReason)).toContain('reason');
  const badDetails = await open(owner.key, { reason: 'Wrong amount', details: 42 });
  expect(badDetails.status).toBe(400);
  expect(paths(badDetails)).toContain('details');

  // Another partner's invoice does not exist for them.
  expect((await open(intruder.key, { reason: 'not mine' })).status).toBe(404);

  const opened = await open(owner.key, { reason: 'Wrong amount', details: 'I ordered one, not two' });
  expect(opened.status).toBe(201);
  expect(opened.body).toMatchObject({ invoice_id: invoiceId, reason: 'Wrong amount', details: 'I ordered one, not two', via: 'api', status: 'open', invoice: { status: 'disputed' } });
  const disputeId = opened.body.id as string;

  const second = await open(owner.key, { reason: 'Again' });
  expect(second.status).toBe(409);
  expect(second.body.error.code).toBe('dispute_open');

  const [event] = await stack.database.db.select().from(events).where(and(eq(events.invoiceId, invoiceId), eq(events.type, 'invoice.disputed')));
  expect(event!.data).toMatchObject({ invoice_id: invoiceId, dispute_id: disputeId, reason: 'Wrong amount', details: 'I ordered one, not two', via: 'api' });

  const resolve = (key: string, body: unknown, id = disputeId) => stack.request('POST', `/api/v2/invoices/${invoiceId}/disputes/${id}/resolve`, { key, body });
  expect((await resolve(intruder.key, { outcome: 'upheld', reason: 'x' })).status).toBe(404);
  expect((await resolve(owner.key, { outcome: 'upheld', reason: 'x' }, 'dsp_unknown')).status).toBe(404);
  const badOutcome = await resolve(owner.key, { outcome: 'maybe', reason: 'x' });
  expect(badOutcome.status).toBe(400);
  expect(paths(badOutcome)).toContain('outcome');
  const tooMuch = await resolve(owner.key, { outcome: 'upheld', reason: 'x', credit_cents: 12_001 });
  expect(tooMuch.status).toBe(422);
  expect(tooMuch.body.error.code).toBe('credit_exceeds_amount_due');

  const upheld = await resolve(owner.key, { outcome: 'upheld', reason: 'One item was never delivered', credit_cents: 6_000 });
  expect(upheld.status).toBe(200);
  expect(upheld.body).toMatchObject({ status: 'upheld', credit_cents: 6_000, resolution_reason: 'One item was never delivered', invoice: { status: 'open', amount_due_cents: 6_000 } });
  const [row] = await stack.database.db.select().from(disputes).where(eq(disputes.id, disputeId));
  expect(row!.resolvedBy).toMatch(/^partner:/);
  const [resolvedEvent] = await stack.database.db.select().from(events).where(and(eq(events.invoiceId, invoiceId), eq(events.type, 'invoice.dispute_resolved')));
  expect(resolvedEvent!.data).toMatchObject({ invoice_id: invoiceId, dispute_id: disputeId, outcome: 'upheld', reason: 'One item was never delivered', credit_cents: 6_000 });

  const again = await resolve(owner.key, { outcome: 'rejected', reason: 'changed my mind' });
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('dispute_not_open');

  // A process that died between storing a dispute and telling the workflow left it open while the
  // invoice goes on: the next dispute request delivers that one (409: it is open) instead of being
  // refused for good, and it resolves as any other.
  await stack.database.db.insert(disputes).values({ id: 'dsp_left_by_a_dead_process', invoiceId, partnerId: row!.partnerId, companyId: owner.companyId, reason: 'Never delivered', via: 'api' });
  expect((await stack.request('GET', `/api/v2/invoices/${invoiceId}`, { key: owner.key })).body.status).toBe('open');
  const blocked = await open(owner.key, { reason: 'Still never delivered' });
  expect([blocked.status, blocked.body.error.code]).toEqual([409, 'dispute_open']);
  expect((await stack.request('GET', `/api/v2/invoices/${invoiceId}`, { key: owner.key })).body.status).toBe('disputed');
  const disputedEvents = await stack.database.db.select().from(events).where(and(eq(events.invoiceId, invoiceId), eq(events.type, 'invoice.disputed'))).orderBy(asc(events.seq));
  expect(disputedEvents.map((e) => e.data.dispute_id)).toEqual([disputeId, 'dsp_left_by_a_dead_process']);
  const rejected = await resolve(owner.key, { outcome: 'rejected', reason: 'It was delivered' }, 'dsp_left_by_a_dead_process');
  expect(rejected.body).toMatchObject({ status: 'rejected', invoice: { status: 'open' } });
}, 120_000);
