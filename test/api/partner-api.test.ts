import { eventually } from '../support/eventually';
import { invoiceBody, OPS_KEY, startStack, type Stack } from '../support/stack';

/** The partner API's success and error paths over real HTTP: companies, imports, invoices and their lines. */
let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const companyBody = {
  name: 'HC Groen-Wit',
  country: 'NL',
  currency: 'EUR',
  locale: 'nl',
  timezone: 'Europe/Amsterdam',
  contact: { email: 'penningmeester@groenwit.nl', phone: '+31201234567' },
  bank_account: { iban: 'NL91ABNA0417164300', bic: 'ABNANL2A', holder: 'HC Groen-Wit' },
  external_id: 'club-42',
};

/** A partner created the way ops do it, with its key. */
async function newPartnerKey(name: string): Promise<string> {
  const partner = await stack.request('POST', '/api/v2/partners', { key: OPS_KEY, body: { name } });
  return (await stack.request('POST', `/api/v2/partners/${partner.body.id}/api_keys`, { key: OPS_KEY, body: { role: 'partner' } })).body.secret;
}

const paths = (res: { body: { error: { details: Array<{ path: string }> } } }) => res.body.error.details.map((d) => d.path);

describe('companies', () => {
  test('a company is created pending verification, answered whole, and read back', async () => {
    const key = await newPartnerKey('Create');
    const created = await stack.request('POST', '/api/v2/companies', { key, body: companyBody });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...companyBody, id: expect.stringMatching(/^cmp_/), status: 'pending_verification' });
    const read = await stack.request('GET', `/api/v2/companies/${created.body.id}`, { key });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['a malformed IBAN', { ...companyBody, bank_account: { iban: 'NL91 ABNA 0417 1643 00', holder: 'x' } }, 'bank_account.iban'],
    ['a missing account holder', { ...companyBody, bank_account: { iban: 'NL91ABNA0417164300' } }, 'bank_account.holder'],
    ['a three-letter country', { ...companyBody, country: 'NLD' }, 'country'],
    ['an unknown timezone', { ...companyBody, timezone: 'Europe/Atlantis' }, 'timezone'],
    ['a bad contact email', { ...companyBody, contact: { email: 'nope' } }, 'contact.email'],
    ['no name', { country: 'NL' }, 'name'],
  ])('%s is a 400 naming the field', async (_name, body, path) => {
    const key = await newPartnerKey('Invalid');
    const res = await stack.request('POST', '/api/v2/companies', { key, body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(paths(res)).toContain(path);
    expect((await stack.request('GET', '/api/v2/companies', { key })).body.data).toEqual([]);
  });

  test('malformed JSON is a 400, not a 500', async () => {
    const key = await newPartnerKey('Malformed');
    const res = await stack.request('POST', '/api/v2/companies', { key, body: '{"name": ', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('malformed_json');
  });

  test('the list holds only the partner own companies, in pages of `limit` with next_cursor', async () => {
    const key = await newPartnerKey('Lister');
    await stack.newPartner('Someone else');
    const ids: string[] = [];
    for (const name of ['A', 'B', 'C']) ids.push((await stack.request('POST', '/api/v2/companies', { key, body: { ...companyBody, name } })).body.id);
    const first = await stack.request('GET', '/api/v2/companies?limit=2', { key });
    expect(first.status).toBe(200);
    expect(first.body.data.map((c: { id: string }) => c.id)).toEqual(ids.slice(0, 2));
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await stack.request('GET', `/api/v2/companies?limit=2&cursor=${first.body.next_cursor}`, { key });
    expect(second.body.data.map((c: { id: string }) => c.id)).toEqual(ids.slice(2));
    expect(second.body.next_cursor).toBeNull();
    expect((await stack.request('GET', '/api/v2/companies?limit=0', { key })).status).toBe(400);
    expect(paths(await stack.request('GET', '/api/v2/companies?limit=501', { key }))).toEqual(['limit']);
  });

  test('a PATCH changes only the fields it names', async () => {
    const key = await newPartnerKey('Patcher');
    const created = await stack.request('POST', '/api/v2/companies', { key, body: { ...companyBody, currency: 'USD', locale: 'de', timezone: 'America/New_York' } });
    const patched = await stack.request('PATCH', `/api/v2/companies/${created.body.id}`, { key, body: { name: 'HC Groen-Wit 1923' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ...created.body, name: 'HC Groen-Wit 1923', updated_at: expect.any(String) });
    const bad = await stack.request('PATCH', `/api/v2/companies/${created.body.id}`, { key, body: { bank_account: { iban: 'x', holder: 'y' } } });
    expect(bad.status).toBe(400);
    expect(paths(bad)).toEqual(['bank_account.iban']);
    expect((await stack.request('GET', `/api/v2/companies/${created.body.id}`, { key })).body.name).toBe('HC Groen-Wit 1923');
  });

  test('verification is for ops only: approve verifies, reject rejects with the reason', async () => {
    const key = await newPartnerKey('Verifier');
    const a = await stack.request('POST', '/api/v2/companies', { key, body: companyBody });
    const b = await stack.request('POST', '/api/v2/companies', { key, body: companyBody });
    const self = await stack.request('POST', `/api/v2/companies/${a.body.id}/verification`, { key, body: { decision: 'approve' } });
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe('forbidden');
    expect((await stack.request('GET', `/api/v2/companies/${a.body.id}`, { key })).body.status).toBe('pending_verification');
    expect(paths(await stack.request('POST', `/api/v2/companies/${a.body.id}/verification`, { key: OPS_KEY, body: { decision: 'maybe' } }))).toEqual(['decision']);
    const approved = await stack.request('POST', `/api/v2/companies/${a.body.id}/verification`, { key: OPS_KEY, body: { decision: 'approve', reason: 'KvK checked' } });
    expect(approved.body).toMatchObject({ status: 'verified', verification_reason: 'KvK checked' });
    const rejected = await stack.request('POST', `/api/v2/companies/${b.body.id}/verification`, { key: OPS_KEY, body: { decision: 'reject', reason: 'IBAN holder differs' } });
    expect(rejected.body).toMatchObject({ status: 'rejected', verification_reason: 'IBAN holder differs' });
    expect((await stack.request('POST', '/api/v2/companies/cmp_unknown/verification', { key: OPS_KEY, body: { decision: 'approve' } })).status).toBe(404);
  });
});

describe('imports', () => {
  test('an import starts draft and counts its invoices per status', async () => {
    const { key, companyId } = await stack.newPartner('Counting');
    const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId, title: 'Contributie 2027', settings: { channel: 'email' } } });
    expect(imp.status).toBe(201);
    expect(imp.body).toMatchObject({ company_id: companyId, title: 'Contributie 2027', settings: { channel: 'email' }, status: 'draft', counts: { total: 0 } });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id) })).body.id);
    await stack.request('POST', `/api/v2/invoices/${ids[0]}/retract`, { key, body: { reason: 'duplicate' } });
    const read = await stack.request('GET', `/api/v2/imports/${imp.body.id}`, { key });
    expect(read.body.counts).toEqual({ total: 3, draft: 2, retracted: 1 });

    expect((await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key })).status).toBe(202);
    const transmitted = await eventually(async () => {
      const r = await stack.request('GET', `/api/v2/imports/${imp.body.id}`, { key });
      expect(r.body).toMatchObject({ status: 'transmitted', counts: { total: 3, open: 2, retracted: 1 } });
      return r;
    });
    expect(transmitted.body.transmitted_at).toEqual(expect.any(String));
    const again = await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('import_already_transmitted');
    const late = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id) });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('import_not_draft');
  });

  test('transmitting an import without draft invoices is 422, and one of an unverified company 409', async () => {
    const { key, companyId } = await stack.newPartner('Empty');
    const empty = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
    const res = await stack.request('POST', `/api/v2/imports/${empty.body.id}/transmit`, { key });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('import_empty');

    const company = await stack.request('POST', '/api/v2/companies', { key, body: companyBody });
    const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: company.body.id } });
    await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id) });
    const refused = await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('company_not_verified');
    expect((await stack.request('GET', `/api/v2/imports/${imp.body.id}`, { key })).body.status).toBe('draft');

    const allRetracted = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
    const gone = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(allRetracted.body.id) });
    await stack.request('POST', `/api/v2/invoices/${gone.body.id}/retract`, { key, body: {} });
    const nothingLeft = await stack.request('POST', `/api/v2/imports/${allRetracted.body.id}/transmit`, { key });
    expect(nothingLeft.status).toBe(422);
    expect(nothingLeft.body.error.code).toBe('import_empty');
  });

  test('imports list by company, in pages; creating one for an unknown company is 404', async () => {
    const { key, companyId } = await stack.newPartner('Import lister');
    const other = await stack.request('POST', '/api/v2/companies', { key, body: companyBody });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } })).body.id);
    await stack.request('POST', '/api/v2/imports', { key, body: { company_id: other.body.id } });
    const first = await stack.request('GET', `/api/v2/imports?company_id=${companyId}&limit=2`, { key });
    expect(first.body.data.map((i: { id: string }) => i.id)).toEqual(ids.slice(0, 2));
    const second = await stack.request('GET', `/api/v2/imports?company_id=${companyId}&limit=2&cursor=${first.body.next_cursor}`, { key });
    expect(second.body).toMatchObject({ data: [{ id: ids[2], counts: { total: 0 } }], next_cursor: null });
    expect((await stack.request('GET', '/api/v2/imports', { key })).body.data).toHaveLength(4);
    expect((await stack.request('POST', '/api/v2/imports', { key, body: { company_id: 'cmp_nope' } })).status).toBe(404);
    expect(paths(await stack.request('POST', '/api/v2/imports', { key, body: {} }))).toEqual(['company_id']);
  });
});

describe('invoices', () => {
  test('the list filters by status, company, import and updated_since, in pages', async () => {
    const { key, companyId } = await stack.newPartner('Filters');
    const second = await stack.request('POST', '/api/v2/companies', { key, body: companyBody });
    const impA = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
    const impB = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: second.body.id } });
    const a: string[] = [];
    for (let i = 0; i < 3; i++) a.push((await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(impA.body.id) })).body.id);
    await new Promise((r) => setTimeout(r, 20));
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const b = (await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(impB.body.id) })).body.id;
    await stack.request('POST', `/api/v2/invoices/${a[0]}/retract`, { key, body: {} });

    const ids = async (query: string) => {
      const r = await stack.request('GET', `/api/v2/invoices?${query}`, { key });
      expect(r.status).toBe(200);
      return r.body.data.map((i: { id: string }) => i.id);
    };
    expect(await ids('')).toEqual([...a, b]);
    expect(await ids('status=retracted')).toEqual([a[0]]);
    expect(await ids('status=draft')).toEqual([a[1], a[2], b]);
    expect(await ids(`company_id=${second.body.id}`)).toEqual([b]);
    expect(await ids(`import_id=${impA.body.id}`)).toEqual(a);
    expect(await ids(`import_id=${impA.body.id}&status=draft`)).toEqual([a[1], a[2]]);
    expect(await ids(`updated_since=${encodeURIComponent(since)}`)).toEqual([a[0], b]);

    const page1 = await stack.request('GET', '/api/v2/invoices?limit=3', { key });
    expect(page1.body.data.map((i: { id: string }) => i.id)).toEqual(a);
    const page2 = await stack.request('GET', `/api/v2/invoices?limit=3&cursor=${page1.body.next_cursor}`, { key });
    expect(page2.body).toMatchObject({ data: [{ id: b }], next_cursor: null });

    expect(paths(await stack.request('GET', '/api/v2/invoices?status=lost', { key }))).toEqual(['status']);
    expect(paths(await stack.request('GET', '/api/v2/invoices?updated_since=yesterday', { key }))).toEqual(['updated_since']);
  });

  test.each([['/invoices'], ['/invoice']])('lines at %s/{id}/invoice_lines: listed, added while draft, 409 after transmit', async (base) => {
    const { key, companyId } = await stack.newPartner('Lines');
    const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
    const inv = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id) });
    const linesPath = `/api/v2${base}/${inv.body.id}/invoice_lines`;
    const listed = await stack.request('GET', linesPath, { key });
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ data: [{ description: 'Membership 2027', amount_cents: 12_000, quantity: 1, vat_rate: 0 }], next_cursor: null });

    const added = await stack.request('POST', linesPath, { key, body: { description: 'Kit', amount_cents: 1_500, quantity: 2, vat_rate: 21 } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: expect.any(String), invoice_id: inv.body.id, description: 'Kit', amount_cents: 1_500, quantity: 2, vat_rate: 21 });
    expect((await stack.request('GET', linesPath, { key })).body.data).toHaveLength(2);
    expect((await stack.request('GET', `/api/v2/invoices/${inv.body.id}`, { key })).body).toMatchObject({ amount_total_cents: 15_000, amount_due_cents: 15_000 });
    expect(paths(await stack.request('POST', linesPath, { key, body: { description: 'Half a cent', amount_cents: 0.5 } }))).toEqual(['amount_cents']);
    const negative = await stack.request('POST', linesPath, { key, body: { description: 'Discount', amount_cents: -20_000 } });
    expect(negative.status).toBe(422);

    await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key });
    await eventually(async () => expect((await stack.request('GET', `/api/v2/invoices/${inv.body.id}`, { key })).body.status).toBe('open'));
    const late = await stack.request('POST', linesPath, { key, body: { description: 'Late', amount_cents: 100 } });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('invoice_not_draft');
    expect((await stack.request('GET', `/api/v2/invoices/${inv.body.id}`, { key })).body.amount_total_cents).toBe(15_000);
  });

  test('a debtor PATCH changes the contact details and records invoice.contact_updated; hold and resume pause and restart collection', async () => {
    const { key, companyId } = await stack.newPartner('Debtor');
    const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
    const inv = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id) });
    const id = inv.body.id;
    const draftHold = await stack.request('POST', `/api/v2/invoices/${id}/hold`, { key, body: { reason: 'dispute' } });
    expect(draftHold.status).toBe(409);
    expect(draftHold.body.error.code).toBe('invoice_not_transmitted');

    await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key });
    await eventually(async () => expect((await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body.status).toBe('open'));

    const patched = await stack.request('PATCH', `/api/v2/invoices/${id}/debtor`, {
      key,
      body: { email: 'anna.devries@example.org', phone: '+31612345678', address: { street: 'Dorpsstraat 1', postal_code: '1234 AB', city: 'Ergens', country: 'NL' } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.debtor).toMatchObject({ first_name: 'Anna', last_name: 'de Vries', email: 'anna.devries@example.org', phone: '+31612345678', address: { city: 'Ergens' } });
    expect(paths(await stack.request('PATCH', `/api/v2/invoices/${id}/debtor`, { key, body: { email: 'not-an-email' } }))).toEqual(['email']);
    expect((await stack.request('PATCH', `/api/v2/invoices/${id}/debtor`, { key, body: {} })).status).toBe(400);
    // A new timezone reaches the running workflow: its next step moves to the send hour (10:00) in New York.
    const hourInNewYork = (iso: string) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: 'numeric', hourCycle: 'h23' }).format(new Date(iso)));
    expect(hourInNewYork((await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body.next_action_at)).not.toBe(10);
    expect((await stack.request('PATCH', `/api/v2/invoices/${id}/debtor`, { key, body: { timezone: 'America/New_York' } })).status).toBe(200);
    await eventually(async () => expect(hourInNewYork((await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body.next_action_at)).toBe(10));

    const held = await stack.request('POST', `/api/v2/invoices/${id}/hold`, { key, body: { reason: 'debtor disputes the amount' } });
    expect(held.status).toBe(200);
    expect(held.body.status).toBe('on_hold');
    const twice = await stack.request('POST', `/api/v2/invoices/${id}/hold`, { key, body: {} });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('invoice_on_hold');
    const resumed = await stack.request('POST', `/api/v2/invoices/${id}/resume`, { key });
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe('open');
    const notHeld = await stack.request('POST', `/api/v2/invoices/${id}/resume`, { key });
    expect(notHeld.status).toBe(409);
    expect(notHeld.body.error.code).toBe('invoice_not_on_hold');

    const events = await stack.request('GET', `/api/v2/invoices/${id}/events`, { key });
    const types = events.body.data.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['invoice.transmitted', 'invoice.contact_updated', 'invoice.on_hold', 'invoice.resumed']));
    const contact = events.body.data.find((e: { type: string }) => e.type === 'invoice.contact_updated');
    // Every event about an invoice names its debtor.
    const debtorId = (await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body.debtor_id;
    expect(debtorId).toMatch(/^dbt_/);
    expect(contact.data).toEqual({ invoice_id: id, debtor_id: debtorId, changed: ['email', 'phone', 'address'] });
    expect(types.indexOf('invoice.on_hold')).toBeLessThan(types.indexOf('invoice.resumed'));
  });
});
