import { companies } from '../../db/schema';
import { createApiKey } from '../../services/api-keys';
import { OPS_KEY, startStack, type HttpResponse, type Stack } from '../support/stack';
import { caseBody, configure, createCase, seedCaseBody, timelineTypes } from './support';

/** The case API over real HTTP: create and its idempotency, errors, tenancy, roles, documents, listing. */
let stack: Stack;
let key: string;
let companyId: string;
let partnerId: string;
let reviewerKey: string;
let other: { key: string; companyId: string; reviewerKey: string };

beforeAll(async () => {
  stack = await startStack();
  ({ key, companyId, partnerId } = await stack.newPartner('Club Software'));
  reviewerKey = (await createApiKey(stack.database.db, { partnerId, role: 'reviewer' })).secret;
  const b = await stack.newPartner('Other Software');
  other = { ...b, reviewerKey: (await createApiKey(stack.database.db, { partnerId: b.partnerId, role: 'reviewer' })).secret };
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const post = (path: string, body: unknown, k = key) => stack.request('POST', `/api/v2${path}`, { key: k, body });
const get = (path: string, k = key) => stack.request('GET', `/api/v2${path}`, { key: k });
const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(1_000, 0x20), Buffer.from('\n%%EOF\n')]);

async function upload(caseId: string, parts: { type?: string; name?: string; file?: { bytes: Buffer; filename: string; contentType: string } }, k = key) {
  const form = new FormData();
  if (parts.type !== undefined) form.append('type', parts.type);
  if (parts.name !== undefined) form.append('name', parts.name);
  if (parts.file) form.append('file', new Blob([parts.file.bytes], { type: parts.file.contentType }), parts.file.filename);
  const res = await fetch(`${stack.baseUrl}/api/v2/debt_collection_cases/${caseId}/documents`, { method: 'POST', headers: { authorization: `Bearer ${k}` }, body: form });
  return { status: res.status, body: (await res.json()) as HttpResponse['body'] };
}

describe('creating a case', () => {
  test('the debt collection document’s example body, in snake_case, creates a case in preparing; sending it again answers the same case', async () => {
    const body = seedCaseBody(companyId);
    const first = await post('/debt_collection_cases', body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      id: expect.stringMatching(/^dcc_/),
      company_id: companyId,
      invoice_id: null,
      external_id: '11224454',
      source: 'manual',
      environment: 'production',
      state: 'preparing',
      currency: 'CHF',
      amount_cents: 120,
      collected_amount_cents: 0,
      outstanding_amount_cents: 120,
      close_reason: null,
      collector: null,
      review: null,
      reference: 'test-case',
      contract_date: '2017-12-12',
      due_date: '2018-01-01',
      language: 'de_DE',
      billing_address: { family_name: 'Hans', given_name: 'Tester', gender: 'male', organization_name: 'customweb GmbH', post_code: '8400', country: 'CH' },
      line_items: [{ amount_including_tax_cents: 120, name: 'test', quantity: 1, sku: 'test', type: 'product', unique_id: '1', shipping_required: true }],
      documents: [],
      collected_amounts: [],
    });
    expect(timelineTypes(first.body)).toEqual(['debt_case.created']);
    expect(first.body.timeline[0]).toMatchObject({ company_id: companyId, data: { company_id: companyId, invoice_id: null, debt_collection_case_id: first.body.id } });

    const again = await post('/debt_collection_cases', body);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    // Even with other details: the external id is the case's identity within the company.
    const changed = await post('/debt_collection_cases', { ...body, reference: 'changed' });
    expect(changed).toMatchObject({ status: 200, body: { id: first.body.id, reference: 'test-case' } });
    const list = await get(`/debt_collection_cases?company_id=${companyId}`);
    expect(list.body.data.filter((c: { external_id: string }) => c.external_id === '11224454')).toHaveLength(1);
    expect(timelineTypes((await get(`/debt_collection_cases/${first.body.id}`)).body)).toEqual(['debt_case.created']);
  });

  test('the same external id in another company is another case', async () => {
    const [second] = await stack.database.db.insert(companies).values({ id: `cmp_second${Date.now()}`, partnerId, name: 'Second Club', country: 'CH', currency: 'CHF', locale: 'de', timezone: 'Europe/Zurich', status: 'verified' }).returning();
    const a = await post('/debt_collection_cases', seedCaseBody(companyId, { external_id: 'shared-1' }));
    const b = await post('/debt_collection_cases', seedCaseBody(second!.id, { external_id: 'shared-1' }));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
  });

  test.each([
    ['a malformed body', 400, 'validation_failed', { company_id: 'x' }],
    ['an unknown company', 404, 'not_found', seedCaseBody('cmp_unknown')],
    ['line items adding up to nothing', 422, 'case_amount_not_positive', seedCaseBody('$company', { external_id: 'zero', line_items: [{ amount_including_tax_cents: 0, name: 'n', quantity: 1, sku: 's', type: 'product', unique_id: '1' }] })],
  ])('%s is %i %s', async (_name, status, code, body) => {
    const res = await post('/debt_collection_cases', JSON.parse(JSON.stringify(body).replace('$company', companyId)));
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    if (status === 400) expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'billing_address' })]));
  });

  test('a production case of an unverified company is 409; a test case may be created to try the integration', async () => {
    const [unverified] = await stack.database.db.insert(companies).values({ id: `cmp_unverified${Date.now()}`, partnerId, name: 'New Club', country: 'NL', currency: 'EUR', locale: 'nl', timezone: 'Europe/Amsterdam' }).returning();
    const refused = await post('/debt_collection_cases', caseBody(unverified!.id));
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('company_not_verified');
    expect((await post('/debt_collection_cases', caseBody(unverified!.id, { environment: 'test' }))).status).toBe(201);
  });

  test('a reviewer may not create cases', async () => {
    expect((await post('/debt_collection_cases', caseBody(companyId), reviewerKey)).status).toBe(403);
  });
});

describe('tenancy and roles', () => {
  let caseId: string;
  let documentId: string;
  beforeAll(async () => {
    caseId = (await createCase(stack, key, caseBody(companyId))).id;
    documentId = (await upload(caseId, { type: 'contract', file: { bytes: pdf, filename: 'contract.pdf', contentType: 'application/pdf' } })).body.id;
  });

  test('another partner gets 404 on every case route, with its partner key and its reviewer key', async () => {
    const routes: Array<[string, string, unknown]> = [
      ['GET', `/debt_collection_cases/${caseId}`, undefined],
      ['GET', `/debt_collection_cases/${caseId}/documents/${documentId}/content`, undefined],
      ['POST', `/debt_collection_cases/${caseId}/mark_prepared`, undefined],
      ['POST', `/debt_collection_cases/${caseId}/review`, { decision: 'approve', reason: 'fine' }],
      ['POST', `/debt_collection_cases/${caseId}/collected_amounts`, { amount_cents: 100 }],
      ['POST', `/debt_collection_cases/${caseId}/close`, { reason: 'withdrawn' }],
      ['GET', `/debt_collection_cases?company_id=${companyId}`, undefined],
      ['POST', '/debt_collection_cases', caseBody(companyId)],
    ];
    for (const k of [other.key, other.reviewerKey]) {
      for (const [method, path, body] of routes) {
        const res = await stack.request(method, `/api/v2${path}`, { key: k, body });
        expect({ method, path, status: res.status }).toEqual({ method, path, status: k === other.reviewerKey && path === '/debt_collection_cases' ? 403 : 404 });
      }
      expect((await upload(caseId, { type: 'other', file: { bytes: pdf, filename: 'x.pdf', contentType: 'application/pdf' } }, k)).status).toBe(404);
      const theirs = await get('/debt_collection_cases', k);
      expect(theirs.body.data.map((c: { id: string }) => c.id)).not.toContain(caseId);
    }
    // Nothing happened to the case.
    expect((await get(`/debt_collection_cases/${caseId}`)).body).toMatchObject({ state: 'preparing', documents: [expect.objectContaining({ id: documentId })] });
  });

  test('only a reviewer (or ops) reviews: the partner’s own key is 403; the reason is mandatory', async () => {
    const id = (await createCase(stack, key, caseBody(companyId))).id;
    expect((await post(`/debt_collection_cases/${id}/mark_prepared`, undefined)).body.state).toBe('reviewing');
    const partnerTries = await post(`/debt_collection_cases/${id}/review`, { decision: 'approve', reason: 'looks right' });
    expect(partnerTries.status).toBe(403);
    expect(partnerTries.body.error.code).toBe('forbidden');
    const noReason = await post(`/debt_collection_cases/${id}/review`, { decision: 'approve' }, reviewerKey);
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details).toEqual([expect.objectContaining({ path: 'reason' })]);
    const ops = await post(`/debt_collection_cases/${id}/review`, { decision: 'approve', reason: 'checked by ops' }, OPS_KEY);
    expect(ops.body).toMatchObject({ state: 'processing', review: { reviewed_by: 'bootstrap', reason: 'checked by ops' } });
    // Reviewers read cases but do not work them.
    expect((await get(`/debt_collection_cases/${id}`, reviewerKey)).status).toBe(200);
    expect((await post(`/debt_collection_cases/${id}/collected_amounts`, { amount_cents: 1 }, reviewerKey)).status).toBe(403);
    expect((await post(`/debt_collection_cases/${id}/close`, { reason: 'withdrawn' }, reviewerKey)).status).toBe(403);
  });
});

describe('case operations refused in the wrong state', () => {
  test('409 for the wrong state, 422 for the impossible, and nothing enters the workflow’s history', async () => {
    await configure(stack, key, companyId, []);
    const id = (await createCase(stack, key, caseBody(companyId, { amountCents: 10_000 }))).id;
    const expectError = async (res: Promise<{ status: number; body: { error: { code: string } } }>, status: number, code: string) => {
      const r = await res;
      expect({ status: r.status, code: r.body.error?.code }).toEqual({ status, code });
    };
    await expectError(post(`/debt_collection_cases/${id}/collected_amounts`, { amount_cents: 100 }), 409, 'debt_case_not_processing');
    await expectError(post(`/debt_collection_cases/${id}/review`, { decision: 'approve', reason: 'x' }, reviewerKey), 409, 'debt_case_not_reviewing');
    await expectError(post(`/debt_collection_cases/${id}/close`, { reason: 'collected' }), 409, 'debt_case_not_processing');
    await post(`/debt_collection_cases/${id}/mark_prepared`, undefined);
    await expectError(post(`/debt_collection_cases/${id}/mark_prepared`, undefined), 409, 'debt_case_not_preparing');
    await post(`/debt_collection_cases/${id}/review`, { decision: 'approve', reason: 'ok' }, reviewerKey);
    await expectError(post(`/debt_collection_cases/${id}/close`, { reason: 'rejected' }), 409, 'debt_case_handed_off');
    await expectError(post(`/debt_collection_cases/${id}/collected_amounts`, { amount_cents: 10_001 }), 422, 'collected_amount_exceeds_outstanding');
    await expectError(post(`/debt_collection_cases/${id}/close`, { reason: 'partially_collected' }), 422, 'close_reason_mismatch');
    await expectError(post(`/debt_collection_cases/${id}/close`, { reason: 'lost' }), 400, 'validation_failed');
    await expectError(post(`/debt_collection_cases/${id}/collected_amounts`, { amount_cents: 0 }), 400, 'validation_failed');
    const history = await stack.env.client.workflow.getHandle(`debt-case-${id}`).fetchHistory();
    const accepted = history.events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
    expect(accepted).toBe(2); // mark_prepared and the review, nothing refused
    const withdrawn = await post(`/debt_collection_cases/${id}/close`, { reason: 'withdrawn', note: 'settled out of court' });
    expect(withdrawn.body).toMatchObject({ state: 'closed', close_reason: 'withdrawn', close_note: 'settled out of court' });
    await expectError(post(`/debt_collection_cases/${id}/mark_prepared`, undefined), 409, 'debt_case_closed');
    await expectError(post(`/debt_collection_cases/${id}/collected_amounts`, { amount_cents: 1 }), 409, 'debt_case_closed');
  });

  test('an unknown case is 404 on every route', async () => {
    expect((await get('/debt_collection_cases/dcc_unknown')).status).toBe(404);
    expect((await post('/debt_collection_cases/dcc_unknown/mark_prepared', undefined)).status).toBe(404);
  });
});

describe('documents', () => {
  test('a PDF is attached with its type and name, listed on the case and downloadable byte for byte', async () => {
    const id = (await createCase(stack, key, caseBody(companyId))).id;
    const res = await upload(id, { type: 'invoice', name: 'Invoice 2027-001', file: { bytes: pdf, filename: 'inv.pdf', contentType: 'application/pdf' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^dcd_/),
      debt_collection_case_id: id,
      type: 'invoice',
      name: 'Invoice 2027-001',
      content_type: 'application/pdf',
      size_bytes: pdf.length,
      automatic: false,
      created_at: expect.any(String),
    });
    const kase = (await get(`/debt_collection_cases/${id}`)).body;
    expect(kase.documents).toEqual([res.body]);
    const content = await fetch(`${stack.baseUrl}/api/v2/debt_collection_cases/${id}/documents/${res.body.id}/content`, { headers: { authorization: `Bearer ${reviewerKey}` } });
    expect(content.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await content.arrayBuffer()).equals(pdf)).toBe(true);
  });

  test.each([
    ['a text file', 415, 'unsupported_file_type', { type: 'other', file: { bytes: Buffer.from('hello'), filename: 'a.txt', contentType: 'text/plain' } }],
    ['no file', 400, 'validation_failed', { type: 'other' }],
    ['an unknown type', 400, 'validation_failed', { type: 'selfie', file: { bytes: pdf, filename: 'a.pdf', contentType: 'application/pdf' } }],
  ])('%s is %i %s, and nothing is attached', async (_name, status, code, parts) => {
    const id = (await createCase(stack, key, caseBody(companyId))).id;
    const res = await upload(id, parts);
    expect({ status: res.status, code: res.body.error.code }).toEqual({ status, code });
    expect((await get(`/debt_collection_cases/${id}`)).body.documents).toEqual([]);
  });

  test('a closed case takes no more documents (409)', async () => {
    const id = (await createCase(stack, key, caseBody(companyId))).id;
    await post(`/debt_collection_cases/${id}/close`, { reason: 'withdrawn' });
    const res = await upload(id, { type: 'other', file: { bytes: pdf, filename: 'late.pdf', contentType: 'application/pdf' } });
    expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 409, code: 'debt_case_closed' });
  });
});

describe('listing cases', () => {
  test('filtered by company, state and environment, a page at a time', async () => {
    const { key: k, companyId: c } = await stack.newPartner('Lister');
    const a = await createCase(stack, k, caseBody(c));
    const b = await createCase(stack, k, caseBody(c, { environment: 'test' }));
    const d = await createCase(stack, k, caseBody(c));
    await stack.request('POST', `/api/v2/debt_collection_cases/${d.id}/close`, { key: k, body: { reason: 'withdrawn' } });
    const ids = async (query: string) => (await get(`/debt_collection_cases?${query}`, k)).body.data.map((x: { id: string }) => x.id);
    expect(await ids(`company_id=${c}`)).toEqual([a.id, b.id, d.id]);
    expect(await ids('state=preparing')).toEqual([a.id, b.id]);
    expect(await ids('state=closed')).toEqual([d.id]);
    expect(await ids('environment=test')).toEqual([b.id]);
    expect(await ids('environment=PRODUCTION&state=preparing')).toEqual([a.id]);
    const first = await get(`/debt_collection_cases?company_id=${c}&limit=2`, k);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await get(`/debt_collection_cases?company_id=${c}&limit=2&cursor=${first.body.next_cursor}`, k);
    expect(second.body).toMatchObject({ data: [expect.objectContaining({ id: d.id })], next_cursor: null });
    expect((await get('/debt_collection_cases?state=lost', k)).status).toBe(400);
    // Ops see every partner's cases.
    const all = (await get('/debt_collection_cases?limit=500', OPS_KEY)).body.data.map((x: { id: string }) => x.id);
    expect(all).toEqual(expect.arrayContaining([a.id, b.id, d.id]));
  });
});

test('concurrent creates with the same external id make one case', async () => {
  const body = caseBody(companyId);
  const answers = await Promise.all([post('/debt_collection_cases', body), post('/debt_collection_cases', body), post('/debt_collection_cases', body)]);
  expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 201]);
  expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
});
