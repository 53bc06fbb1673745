import { eventually } from '../support/eventually';
import { invoiceBody, OPS_KEY, startStack, type Stack } from '../support/stack';

/**
 * Debtor accounts over real HTTP: invoices of one person join one debtor (by the partner's id,
 * else normalised email), the account shows what its open invoices owe, and no other partner can
 * find it, list it or learn it exists.
 */
let stack: Stack;
let owner: { key: string; companyId: string; partnerId: string };
let other: { key: string; companyId: string };
type Body = Record<string, unknown> & { data: Array<Record<string, unknown>>; next_cursor: string | null };

const anna = { first_name: 'Anna', last_name: 'de Vries', email: 'anna@example.nl', locale: 'nl', timezone: 'Europe/Amsterdam' };
const bob = { external_id: 'M-7', first_name: 'Bob', last_name: 'Jansen', email: 'anna@example.nl', locale: 'en', timezone: 'Europe/London' };

beforeAll(async () => {
  stack = await startStack();
  owner = await stack.newPartner('Club');
  other = await stack.newPartner('Other club');
  const imp = await stack.request('POST', '/api/v2/imports', { key: owner.key, body: { company_id: owner.companyId } });
  const importId = imp.body.id as string;
  const lines = (cents: number) => [{ description: 'Membership 2027', amount_cents: cents, quantity: 1, vat_rate: 0 }];
  for (const body of [
    invoiceBody(importId, { debtor: anna, invoice_lines: lines(12_000) }),
    // The same person, her email written differently: the same debtor.
    invoiceBody(importId, { debtor: { ...anna, email: 'Anna@Example.NL' }, invoice_lines: lines(3_500) }),
    // A partner's own debtor id names a debtor of its own, even with an email someone else uses.
    invoiceBody(importId, { debtor: bob, invoice_lines: lines(8_000) }),
  ]) {
    expect((await stack.request('POST', '/api/v2/invoices', { key: owner.key, body })).status).toBe(201);
  }
  expect((await stack.request('POST', `/api/v2/imports/${importId}/transmit`, { key: owner.key })).status).toBe(202);
  await eventually(async () => {
    const list = await stack.request('GET', `/api/v2/invoices?company_id=${owner.companyId}&status=open`, { key: owner.key });
    expect((list.body as Body).data).toHaveLength(3);
  });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

async function debtorsOf(query: string, key = owner.key): Promise<Body> {
  const res = await stack.request('GET', `/api/v2/debtors?${query}`, { key });
  expect(res.status).toBe(200);
  return res.body as Body;
}

test('invoices of one person join one debtor, whose account shows its open invoices and what they owe', async () => {
  const { data } = await debtorsOf(`company_id=${owner.companyId}`);
  expect(data).toHaveLength(2);
  const annaAccount = data.find((d) => d.external_id === null)!;
  expect(annaAccount).toMatchObject({ company_id: owner.companyId, name: 'Anna de Vries', email: 'anna@example.nl', open_invoice_count: 2, amount_due_cents: 15_500, opt_outs: [] });
  const bobAccount = data.find((d) => d.external_id === 'M-7')!;
  expect(bobAccount).toMatchObject({ name: 'Bob Jansen', timezone: 'Europe/London', open_invoice_count: 1, amount_due_cents: 8_000 });

  const one = await stack.request('GET', `/api/v2/debtors/${annaAccount.id as string}`, { key: owner.key });
  expect(one.status).toBe(200);
  expect(one.body).toEqual(annaAccount);

  const invoices = await stack.request('GET', `/api/v2/debtors/${annaAccount.id as string}/invoices`, { key: owner.key });
  expect(invoices.status).toBe(200);
  const rows = (invoices.body as Body).data;
  expect(rows.map((i) => i.amount_due_cents).sort()).toEqual([12_000, 3_500].sort());
  expect(rows.every((i) => i.debtor_id === annaAccount.id)).toBe(true);
});

test('a debtor is found by its normalised email or by the partner\'s own id, a page at a time', async () => {
  // Bob's invoice gave Anna's address too: both debtors have it.
  const byEmail = await debtorsOf('email=ANNA@example.nl');
  expect(byEmail.data.map((d) => d.name).sort()).toEqual(['Anna de Vries', 'Bob Jansen']);
  expect((await debtorsOf('email=nobody@example.nl')).data).toEqual([]);
  const byExternalId = await debtorsOf('external_id=M-7');
  expect(byExternalId.data.map((d) => d.name)).toEqual(['Bob Jansen']);

  const first = await debtorsOf(`company_id=${owner.companyId}&limit=1`);
  expect(first.data).toHaveLength(1);
  expect(first.next_cursor).toEqual(expect.any(String));
  const second = await debtorsOf(`company_id=${owner.companyId}&limit=1&cursor=${first.next_cursor!}`);
  expect(second.data).toHaveLength(1);
  expect(second.data[0]!.id).not.toBe(first.data[0]!.id);
  expect(second.next_cursor).toBeNull();
});

test('another partner cannot read, list or filter by a debtor or company not its own; ops can read it', async () => {
  const { data } = await debtorsOf(`company_id=${owner.companyId}`);
  const id = data[0]!.id as string;
  for (const path of [`/api/v2/debtors/${id}`, `/api/v2/debtors/${id}/invoices`, `/api/v2/debtors?company_id=${owner.companyId}`]) {
    const res = await stack.request('GET', path, { key: other.key });
    expect({ path, status: res.status, code: (res.body as { error?: { code: string } }).error?.code }).toEqual({ path, status: 404, code: 'not_found' });
  }
  expect((await debtorsOf('email=anna@example.nl', other.key)).data).toEqual([]);
  expect((await debtorsOf('', other.key)).data).toEqual([]);
  const asOps = await stack.request('GET', `/api/v2/debtors/${id}`, { key: OPS_KEY });
  expect(asOps.status).toBe(200);
  expect((asOps.body as { id: string }).id).toBe(id);
});

test('a bad query is a 400 naming the field', async () => {
  const res = await stack.request('GET', `/api/v2/debtors?limit=0`, { key: owner.key });
  expect(res.status).toBe(400);
  expect((res.body as { error: { details: Array<{ path: string }> } }).error.details.map((d) => d.path)).toEqual(['limit']);
});

test('PATCH /debtors/{id} changes every open invoice of the debtor at once, with one debtor.updated event', async () => {
  const account = (await debtorsOf('external_id=M-7')).data[0]!;
  const id = account.id as string;
  const res = await stack.request('PATCH', `/api/v2/debtors/${id}`, { key: owner.key, body: { email: 'bob@example.nl', phone: '+31612345678', timezone: 'America/New_York' } });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ id, email: 'bob@example.nl', phone: '+31612345678', timezone: 'America/New_York', open_invoice_count: 1 });
  const invoices = (await stack.request('GET', `/api/v2/debtors/${id}/invoices`, { key: owner.key })).body as Body;
  for (const invoice of invoices.data) {
    expect(invoice.debtor).toMatchObject({ email: 'bob@example.nl', phone: '+31612345678', timezone: 'America/New_York' });
  }
  const events = (await stack.request('GET', '/api/v2/events?type=debtor.updated', { key: owner.key })).body as Body;
  expect(events.data.map((e) => (e.data as { id: string }).id)).toEqual([id]);
});

test('a PATCH with an invalid phone or timezone is a 400 naming the field and changes nothing; another partner gets 404', async () => {
  const account = (await debtorsOf('external_id=M-7')).data[0]!;
  const id = account.id as string;
  for (const [body, path] of [
    [{ phone: '06 12' }, 'phone'],
    [{ timezone: 'Mars/Olympus' }, 'timezone'],
  ] as const) {
    const res = await stack.request('PATCH', `/api/v2/debtors/${id}`, { key: owner.key, body });
    expect(res.status).toBe(400);
    expect((res.body as { error: { details: Array<{ path: string }> } }).error.details.map((d) => d.path)).toEqual([path]);
  }
  const foreign = await stack.request('PATCH', `/api/v2/debtors/${id}`, { key: other.key, body: { email: 'taken@example.org' } });
  expect(foreign.status).toBe(404);
  // Not found before its body is looked at: a bad body tells another partner nothing either.
  expect((await stack.request('PATCH', `/api/v2/debtors/${id}`, { key: other.key, body: { timezone: 'Mars/Olympus' } })).status).toBe(404);
  expect((await stack.request('GET', `/api/v2/debtors/${id}`, { key: owner.key })).body).toEqual(account);
});
