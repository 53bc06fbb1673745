import { asc, eq, inArray } from 'drizzle-orm';
import {
  companies,
  companyDocuments,
  debtCollectorConfigurations,
  dunningPolicies,
  events,
  imports,
  invoiceLines,
  invoices,
  ledgerEntries,
} from '../../db/schema';
import { createApiKey, createPartner } from '../../services/api-keys';
import { invoiceWorkflowId } from '../../workflows/invoice.messages';
import { eventually } from '../support/eventually';
import { invoiceBody, OPS_KEY, startStack, type HttpResponse, type Stack } from '../support/stack';

/**
 * Tenancy and auth over real HTTP: another partner probing every partner route with the first
 * partner's ids learns nothing and changes nothing; reviewers may not mutate; keys are checked.
 */
let stack: Stack;
let owner: { partnerId: string; key: string; companyId: string };
let intruder: { partnerId: string; key: string; companyId: string };
let initialState: Awaited<ReturnType<typeof ownerState>>;
let ids: { transmittedImport: string; draftImport: string; openInvoice: string; draftInvoice: string; document: string };

const pdf = Buffer.from('%PDF-1.4\nverification\n%%EOF\n');

async function uploadDocument(headers: Record<string, string>, companyId: string): Promise<HttpResponse> {
  const form = new FormData();
  form.append('type', 'id_document');
  form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'id.pdf');
  const res = await fetch(`${stack.baseUrl}/api/v2/companies/${companyId}/documents`, {
    method: 'POST',
    headers,
    body: form,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as HttpResponse['body']) : null, headers: res.headers };
}

/** Everything stored for the owner, to prove that the probes changed nothing. */
async function ownerState() {
  const db = stack.database.db;
  const invoiceRows = await db.select().from(invoices).where(eq(invoices.partnerId, owner.partnerId)).orderBy(asc(invoices.id));
  const invoiceIds = invoiceRows.map((i) => i.id);
  return {
    companies: await db.select().from(companies).where(eq(companies.partnerId, owner.partnerId)).orderBy(asc(companies.id)),
    imports: await db.select().from(imports).where(eq(imports.partnerId, owner.partnerId)).orderBy(asc(imports.id)),
    invoices: invoiceRows,
    lines: await db.select().from(invoiceLines).where(inArray(invoiceLines.invoiceId, invoiceIds)).orderBy(asc(invoiceLines.id)),
    ledger: await db.select().from(ledgerEntries).where(inArray(ledgerEntries.invoiceId, invoiceIds)).orderBy(asc(ledgerEntries.id)),
    documents: await db.select().from(companyDocuments).where(eq(companyDocuments.companyId, owner.companyId)).orderBy(asc(companyDocuments.id)),
    policies: await db.select().from(dunningPolicies).where(eq(dunningPolicies.companyId, owner.companyId)),
    collectors: await db.select().from(debtCollectorConfigurations).where(eq(debtCollectorConfigurations.companyId, owner.companyId)),
    events: await db.select().from(events).where(eq(events.partnerId, owner.partnerId)).orderBy(asc(events.seq)),
  };
}

beforeAll(async () => {
  stack = await startStack();
  owner = await stack.newPartner('Owner');
  intruder = await stack.newPartner('Intruder');
  const { request } = stack;
  const key = owner.key;
  const document = await uploadDocument({ authorization: `Bearer ${key}` }, owner.companyId);
  expect(document.status).toBe(201);
  expect((await request('PUT', `/api/v2/companies/${owner.companyId}/dunning_policy`, { key, body: { steps: [{ offset_days: 1, action: 'reminder' }] } })).status).toBe(200);
  expect(
    (await request('PUT', `/api/v2/companies/${owner.companyId}/debt_collector_configurations`, {
      key,
      body: [{ name: 'in house', collector: 'in_house', review_required: true, conditions: {} }],
    })).status,
  ).toBe(200);
  const transmitted = await request('POST', '/api/v2/imports', { key, body: { company_id: owner.companyId } });
  const open = await request('POST', '/api/v2/invoices', { key, body: invoiceBody(transmitted.body.id) });
  expect((await request('POST', `/api/v2/imports/${transmitted.body.id}/transmit`, { key })).status).toBe(202);
  const draft = await request('POST', '/api/v2/imports', { key, body: { company_id: owner.companyId } });
  const draftInvoice = await request('POST', '/api/v2/invoices', { key, body: invoiceBody(draft.body.id) });
  ids = { transmittedImport: transmitted.body.id, draftImport: draft.body.id, openInvoice: open.body.id, draftInvoice: draftInvoice.body.id, document: document.body.id };
  await eventually(async () => expect((await request('GET', `/api/v2/imports/${ids.transmittedImport}`, { key })).body.status).toBe('transmitted'));
  // The invoice workflow writes its first steps (the invoice notice) asynchronously: wait until it
  // waits on a timer, with nothing running, and the stored state is still.
  const workflow = stack.env.client.workflow.getHandle(invoiceWorkflowId(ids.openInvoice));
  await eventually(async () => {
    const before = await ownerState();
    // Its next step is stored once the workflow has decided it: until then more writes are coming.
    expect(before.invoices.find((i) => i.id === ids.openInvoice)?.nextAction ?? null).not.toBeNull();
    const { raw } = await workflow.describe();
    expect(raw.pendingActivities ?? []).toEqual([]);
    expect(raw.pendingWorkflowTask ?? null).toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    expect(await ownerState()).toEqual(before);
    initialState = before;
  }, 60_000);
}, 240_000);

afterAll(async () => {
  await stack?.close();
});

type Probe = [label: string, method: string, path: () => string, body?: () => unknown];

/** Every partner route, aimed at the owner's resources. */
const probes: Probe[] = [
  ['read the company', 'GET', () => `/api/v2/companies/${owner.companyId}`],
  ['patch the company', 'PATCH', () => `/api/v2/companies/${owner.companyId}`, () => ({ name: 'taken over' })],
  ['upload a document', 'MULTIPART', () => owner.companyId],
  ['list the documents', 'GET', () => `/api/v2/companies/${owner.companyId}/documents`],
  ['read a document', 'GET', () => `/api/v2/companies/${owner.companyId}/documents/${ids.document}`],
  ['download a document', 'GET', () => `/api/v2/companies/${owner.companyId}/documents/${ids.document}/content`],
  ['read the dunning policy', 'GET', () => `/api/v2/companies/${owner.companyId}/dunning_policy`],
  ['replace the dunning policy', 'PUT', () => `/api/v2/companies/${owner.companyId}/dunning_policy`, () => ({ steps: [{ offset_days: 0, action: 'debt_collection' }] })],
  ['read the collector configurations', 'GET', () => `/api/v2/companies/${owner.companyId}/debt_collector_configurations`],
  ['replace the collector configurations', 'PUT', () => `/api/v2/companies/${owner.companyId}/debt_collector_configurations`, () => ({ configurations: [] })],
  ['create an import for the company', 'POST', () => '/api/v2/imports', () => ({ company_id: owner.companyId })],
  ['read an import', 'GET', () => `/api/v2/imports/${ids.transmittedImport}`],
  ['list imports of the company', 'GET', () => `/api/v2/imports?company_id=${owner.companyId}`],
  ['transmit a draft import', 'POST', () => `/api/v2/imports/${ids.draftImport}/transmit`],
  ['add an invoice to a draft import', 'POST', () => '/api/v2/invoices', () => invoiceBody(ids.draftImport)],
  ['read an invoice', 'GET', () => `/api/v2/invoices/${ids.openInvoice}`],
  ['list invoices of the company', 'GET', () => `/api/v2/invoices?company_id=${owner.companyId}`],
  ['list invoices of an import', 'GET', () => `/api/v2/invoices?import_id=${ids.transmittedImport}`],
  ['list lines at /invoices', 'GET', () => `/api/v2/invoices/${ids.draftInvoice}/invoice_lines`],
  ['list lines at /invoice', 'GET', () => `/api/v2/invoice/${ids.draftInvoice}/invoice_lines`],
  ['add a line at /invoices', 'POST', () => `/api/v2/invoices/${ids.draftInvoice}/invoice_lines`, () => ({ description: 'x', amount_cents: 1 })],
  ['add a line at /invoice', 'POST', () => `/api/v2/invoice/${ids.draftInvoice}/invoice_lines`, () => ({ description: 'x', amount_cents: 1 })],
  ['credit an invoice', 'POST', () => `/api/v2/invoices/${ids.openInvoice}/credit`, () => ({ amount_cents: 100 })],
  ['retract an open invoice', 'POST', () => `/api/v2/invoices/${ids.openInvoice}/retract`, () => ({ reason: 'x' })],
  ['retract a draft invoice', 'POST', () => `/api/v2/invoices/${ids.draftInvoice}/retract`, () => ({ reason: 'x' })],
  ['credit and retract an invoice', 'POST', () => `/api/v2/invoices/${ids.openInvoice}/credit_and_retract`, () => ({ reason: 'x' })],
  ['register a payment', 'POST', () => `/api/v2/invoices/${ids.openInvoice}/payments`, () => ({ amount_cents: 100, external_id: 'probe' })],
  ['dispute an invoice', 'POST', () => `/api/v2/invoices/${ids.openInvoice}/disputes`, () => ({ reason: 'probe' })],
  ['resolve a dispute', 'POST', () => `/api/v2/invoices/${ids.openInvoice}/disputes/dsp_probe/resolve`, () => ({ outcome: 'upheld', reason: 'probe' })],
  ['patch the debtor', 'PATCH', () => `/api/v2/invoices/${ids.openInvoice}/debtor`, () => ({ email: 'intruder@example.com' })],
  ['hold an invoice', 'POST', () => `/api/v2/invoices/${ids.openInvoice}/hold`, () => ({ reason: 'x' })],
  ['resume an invoice', 'POST', () => `/api/v2/invoices/${ids.openInvoice}/resume`],
  ['read the invoice events', 'GET', () => `/api/v2/invoices/${ids.openInvoice}/events`],
  ['list events of the company', 'GET', () => `/api/v2/events?company_id=${owner.companyId}`],
];
const mutations = probes.filter(([, method]) => method !== 'GET');

function send(headers: Record<string, string>, [, method, path, body]: Probe): Promise<HttpResponse> {
  if (method === 'MULTIPART') return uploadDocument(headers, path());
  return stack.request(method, path(), { headers, body: body?.() });
}
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('another partner probing the owner’s ids', () => {
  test.each(probes)('cannot %s: 404, no data', async (...probe) => {
    const res = await send(bearer(intruder.key), probe);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: expect.any(String), details: [] } });
  });

  test('after all the probes the owner’s data is exactly as it was, and the intruder gained nothing', async () => {
    expect(await ownerState()).toEqual(initialState);
    const db = stack.database.db;
    expect(await db.select().from(imports).where(eq(imports.partnerId, intruder.partnerId))).toEqual([]);
    expect(await db.select().from(invoices).where(eq(invoices.partnerId, intruder.partnerId))).toEqual([]);
    expect(await db.select().from(companyDocuments).where(eq(companyDocuments.companyId, intruder.companyId))).toEqual([]);
  });

  test('its own listings hold none of the owner’s resources', async () => {
    const key = intruder.key;
    expect((await stack.request('GET', '/api/v2/companies', { key })).body.data.map((c: { id: string }) => c.id)).toEqual([intruder.companyId]);
    expect((await stack.request('GET', '/api/v2/imports', { key })).body.data).toEqual([]);
    expect((await stack.request('GET', '/api/v2/invoices', { key })).body.data).toEqual([]);
    expect((await stack.request('GET', '/api/v2/events', { key })).body.data).toEqual([]);
    expect((await stack.request('GET', `/api/v2/invoices?status=open`, { key })).body.data).toEqual([]);
  });

  test('the owner and ops still see it all', async () => {
    for (const key of [owner.key, OPS_KEY]) {
      expect((await stack.request('GET', `/api/v2/invoices/${ids.openInvoice}`, { key })).status).toBe(200);
      expect((await stack.request('GET', `/api/v2/companies/${owner.companyId}/documents`, { key })).body.data).toHaveLength(1);
    }
  });
});

describe('keys and roles', () => {
  test('a reviewer key of the owner gets 403 on every partner mutation, and nothing changes', async () => {
    const reviewer = await stack.request('POST', `/api/v2/partners/${owner.partnerId}/api_keys`, { key: OPS_KEY, body: { role: 'reviewer' } });
    expect(reviewer.body.role).toBe('reviewer');
    const before = await ownerState();
    for (const probe of [...mutations, ['create a company', 'POST', () => '/api/v2/companies', () => ({ name: 'x', country: 'NL' })] as Probe]) {
      const res = await send(bearer(reviewer.body.secret), probe);
      expect({ probe: probe[0], status: res.status, code: res.body?.error?.code }).toEqual({ probe: probe[0], status: 403, code: 'forbidden' });
    }
    expect(await ownerState()).toEqual(before);
  });

  test('a partner may not verify its own company', async () => {
    const res = await stack.request('POST', `/api/v2/companies/${owner.companyId}/verification`, { key: owner.key, body: { decision: 'reject' } });
    expect(res.status).toBe(403);
  });

  test.each<[string, Record<string, string>]>([
    ['no key', {}],
    ['an unknown key', { authorization: 'Bearer rk_partner_not-a-real-key' }],
    ['a malformed header', { authorization: 'Basic dXNlcjpwYXNz' }],
  ])('%s is 401 on every route', async (_name, headers) => {
    const before = await ownerState();
    for (const probe of probes) {
      const res = await send(headers, probe);
      expect({ probe: probe[0], status: res.status, code: res.body?.error?.code }).toEqual({ probe: probe[0], status: 401, code: 'unauthorized' });
    }
    expect(await ownerState()).toEqual(before);
  });

  test('a revoked key is 401 from the moment it is revoked', async () => {
    const created = await stack.request('POST', `/api/v2/partners/${owner.partnerId}/api_keys`, { key: OPS_KEY, body: { role: 'partner' } });
    expect((await stack.request('GET', `/api/v2/companies/${owner.companyId}`, { key: created.body.secret })).status).toBe(200);
    expect((await stack.request('DELETE', `/api/v2/api_keys/${created.body.id}`, { key: OPS_KEY })).status).toBe(204);
    const res = await stack.request('GET', `/api/v2/companies/${owner.companyId}`, { key: created.body.secret });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
    expect((await stack.request('DELETE', `/api/v2/api_keys/${created.body.id}`, { key: OPS_KEY })).status).toBe(404);
  });

  test.each<[string, string[], number]>([
    ['an allow-list without 127.0.0.1 is 403 ip_not_allowed', ['10.0.0.0/8', '2001:db8::/32'], 403],
    ['an allow-list with 127.0.0.1 lets the request through', ['10.0.0.0/8', '127.0.0.1/32'], 200],
    ['an allow-list naming the single address lets it through', ['127.0.0.1'], 200],
  ])('%s', async (_name, ipAllowList, status) => {
    const partner = await stack.request('POST', '/api/v2/partners', { key: OPS_KEY, body: { name: 'Fenced', ip_allow_list: ipAllowList } });
    expect(partner.body.ip_allow_list).toEqual(ipAllowList);
    const key = (await stack.request('POST', `/api/v2/partners/${partner.body.id}/api_keys`, { key: OPS_KEY, body: { role: 'partner' } })).body.secret;
    const res = await stack.request('GET', '/api/v2/companies', { key });
    expect(res.status).toBe(status);
    if (status === 403) expect(res.body.error.code).toBe('ip_not_allowed');
  });

  test('an allow-list entry that is no address is refused by the ops API, and one stored anyway fails closed', async () => {
    const refused = await stack.request('POST', '/api/v2/partners', { key: OPS_KEY, body: { name: 'Typo', ip_allow_list: ['10.0.0.0/8', '127.0.0.1/33'] } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.map((d: { path: string }) => d.path)).toEqual(['ip_allow_list.1']);
    const stored = await createPartner(stack.database.db, { name: 'Stored by hand', ipAllowList: ['not-an-ip'] });
    const key = await createApiKey(stack.database.db, { partnerId: stored.id, role: 'partner' });
    const res = await stack.request('GET', '/api/v2/companies', { key: key.secret });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ip_not_allowed');
  });

  test('partner and key management is for ops only', async () => {
    expect((await stack.request('POST', '/api/v2/partners', { key: owner.key, body: { name: 'x' } })).status).toBe(403);
    expect((await stack.request('POST', `/api/v2/partners/${owner.partnerId}/api_keys`, { key: owner.key, body: { role: 'ops' } })).status).toBe(403);
  });
});
