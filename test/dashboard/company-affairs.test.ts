import { eq } from 'drizzle-orm';
import { companies, companyDocuments } from '../../db/schema';
import { startStack, type Stack } from '../support/stack';
import { transmittedInvoices } from '../statements/support';
import { caseBody, configure, createCase } from '../debt-collection/support';
import { addCompanyUser, csrfOf, DashboardClient, signedInAs } from './dashboard-client';
// The independent reader: a published MT940 parser.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Parser: Mt940Parser } = require('mt940js') as { Parser: new () => { parse(text: string): Array<{ openingBalance: number; closingBalance: number; transactions: Array<{ amount: number }> }> } };

/**
 * The company's affairs in its dashboard, over real HTTP against the whole product: verification
 * status and documents (uploaded through the partner API's own code), the bank account, the
 * statements of what was collected, and the company's debt cases with their review when the
 * partner allows it. Every read and action is of the signed-in user's company only.
 */
let stack: Stack;
const a = { key: '', companyId: '', partnerId: '' };
const b = { key: '', companyId: '', partnerId: '' };
let admin: DashboardClient;
let viewer: DashboardClient;
let betaAdmin: DashboardClient;

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

beforeAll(async () => {
  stack = await startStack();
  Object.assign(a, await stack.newPartner('Alpha'));
  Object.assign(b, await stack.newPartner('Beta'));
  await stack.database.db
    .update(companies)
    .set({ status: 'pending_verification', bankAccount: { iban: 'NL91 ABNA 0417 1643 00', bic: 'ABNANL2A', holder: 'Stichting Alpha' } })
    .where(eq(companies.id, a.companyId));
  admin = await signedInAs(stack, (await addCompanyUser(stack, a.key, a.companyId, 'treasurer@alpha.example', 'admin')).id);
  viewer = await signedInAs(stack, (await addCompanyUser(stack, a.key, a.companyId, 'board@alpha.example', 'viewer')).id);
  betaAdmin = await signedInAs(stack, (await addCompanyUser(stack, b.key, b.companyId, 'treasurer@beta.example', 'admin')).id);
}, 180_000);
afterAll(() => stack?.close());

/** A request of the signed-in browser with a body of its own (a multipart form) or to read headers. */
async function send(client: DashboardClient, path: string, init: RequestInit = {}): Promise<Response> {
  const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return fetch(`${stack.baseUrl}${path}`, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie } });
}

async function uploadAs(client: DashboardClient, parts: { type?: string; file?: { bytes: Buffer; name: string; contentType: string } }, csrf?: string | null) {
  const form = new FormData();
  if (parts.type !== undefined) form.append('type', parts.type);
  if (parts.file) form.append('file', new Blob([new Uint8Array(parts.file.bytes)], { type: parts.file.contentType }), parts.file.name);
  const token = csrf === undefined ? csrfOf(await client.get('/dashboard/company')) : csrf;
  const res = await send(client, `/dashboard/company/documents${token === null ? '' : `?_csrf=${encodeURIComponent(token)}`}`, { method: 'POST', body: form });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

const documentsOf = (companyId: string) => stack.database.db.select().from(companyDocuments).where(eq(companyDocuments.companyId, companyId));
const problemOf = (html: string) => /data-testid="problem"[^>]*>([^<]*)</.exec(html)?.[1];

describe('the company page', () => {
  test('shows the verification status (with the reason of a rejection), the documents and the bank account masked to its last four digits', async () => {
    const pending = await admin.get('/dashboard/company');
    expect(pending.status).toBe(200);
    expect(pending.html).toMatch(/data-testid="verification-status">Wacht op verificatie</);
    // Masked: the last four digits, never the whole IBAN; BIC and holder as they are; read-only.
    expect(pending.html).toContain('4300');
    expect(pending.html.replace(/\s/g, '')).not.toContain('NL91ABNA0417164300');
    expect(pending.html).not.toContain('0417');
    expect(pending.html).toContain('ABNANL2A');
    expect(pending.html).toContain('Stichting Alpha');
    expect(pending.html).not.toMatch(/name="iban"/);

    await stack.database.db.update(companies).set({ status: 'rejected', verificationReason: 'The bank statement is unreadable' }).where(eq(companies.id, a.companyId));
    const rejected = await admin.get('/dashboard/company');
    expect(rejected.html).toMatch(/data-testid="verification-status">Afgewezen</);
    expect(rejected.html).toContain('Reden: The bank statement is unreadable');
    await stack.database.db.update(companies).set({ status: 'pending_verification', verificationReason: null }).where(eq(companies.id, a.companyId));

    // A document the partner uploaded: listed with its kind, name and time, and downloadable as uploaded.
    const form = new FormData();
    form.append('type', 'chamber_of_commerce');
    form.append('file', new Blob([new Uint8Array(PDF)], { type: 'application/pdf' }), 'kvk-uittreksel.pdf');
    const up = await fetch(`${stack.baseUrl}/api/v2/companies/${a.companyId}/documents`, { method: 'POST', headers: { authorization: `Bearer ${a.key}` }, body: form });
    expect(up.status).toBe(201);
    const doc = (await up.json()) as { id: string };
    const page = await viewer.get('/dashboard/company');
    const row = /<tr data-testid="document">(.*?)<\/tr>/.exec(page.html)?.[1] ?? '';
    expect(row).toContain('KvK-uittreksel');
    expect(row).toContain('kvk-uittreksel.pdf');
    expect(row).toMatch(/<time datetime="\d{4}-/);
    const download = await send(viewer, `/dashboard/company/documents/${doc.id}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toContain('kvk-uittreksel.pdf');
    expect(Buffer.from(await download.arrayBuffer()).equals(PDF)).toBe(true);
  });

  test('an admin uploads a document through the page: stored as the partner API stores it, and listed', async () => {
    const before = (await documentsOf(a.companyId)).length;
    const res = await uploadAs(admin, { type: 'bank_statement', file: { bytes: PDF, name: 'afschrift.pdf', contentType: 'application/pdf' } });
    expect(res.status).toBe(303);
    expect(res.location).toMatch(/^\/dashboard\/company\?uploaded=doc_/);
    const after = await admin.get(res.location!);
    expect(after.html).toMatch(/data-testid="notice">Het document afschrift\.pdf is geüpload\./);
    expect(await documentsOf(a.companyId)).toHaveLength(before + 1);
    const listed = await stack.request('GET', `/api/v2/companies/${a.companyId}/documents`, { key: a.key });
    expect(listed.body.data).toContainEqual(expect.objectContaining({ type: 'bank_statement', filename: 'afschrift.pdf', content_type: 'application/pdf', size_bytes: PDF.length }));
  });

  test.each([
    ['a text file', { type: 'id_document', file: { bytes: Buffer.from('hello, not a PDF'), name: 'notes.pdf', contentType: 'application/pdf' } }, 415, 'Alleen PDF-, PNG- en JPEG-bestanden'],
    ['an unknown kind', { type: 'passport', file: { bytes: PDF, name: 'p.pdf', contentType: 'application/pdf' } }, 400, 'Kies de soort document'],
    ['no file', { type: 'id_document' }, 400, 'Kies een bestand'],
    ['a file over 10 MB', { type: 'id_document', file: { bytes: Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024)]), name: 'big.pdf', contentType: 'application/pdf' } }, 413, 'te groot'],
  ])('a refused upload (%s) shows why on the page, is a 4xx and stores nothing', async (_what, parts, status, message) => {
    const before = (await documentsOf(a.companyId)).length;
    const res = await uploadAs(admin, parts);
    expect(res.status).toBe(status);
    expect(problemOf(res.html)).toContain(message);
    expect(res.html).toContain('data-testid="upload-form"');
    expect(await documentsOf(a.companyId)).toHaveLength(before);
  });

  test('a viewer sees no upload form and their upload is a 403; a form without or with a foreign token is refused', async () => {
    const page = await viewer.get('/dashboard/company');
    expect(page.html).not.toContain('data-testid="upload-form"');
    expect(page.html).not.toContain('enctype="multipart/form-data"');
    const before = (await documentsOf(a.companyId)).length;
    const file = { bytes: PDF, name: 'x.pdf', contentType: 'application/pdf' };
    expect((await uploadAs(viewer, { type: 'id_document', file })).status).toBe(403);
    // CSRF: no token, and the token of another session (Beta's admin), are both refused.
    expect((await uploadAs(admin, { type: 'id_document', file }, null)).status).toBe(403);
    const foreign = csrfOf(await betaAdmin.get('/dashboard/company'));
    expect((await uploadAs(admin, { type: 'id_document', file }, foreign)).status).toBe(403);
    expect(await documentsOf(a.companyId)).toHaveLength(before);
  });
});

describe('statements', () => {
  const day = (n: number) => `2024-10-${String(n).padStart(2, '0')}`;
  beforeAll(async () => {
    // Only a verified company's invoices are transmitted.
    await stack.database.db.update(companies).set({ status: 'verified' }).where(eq(companies.id, a.companyId));
    const invoices = await transmittedInvoices(stack, a.key, a.companyId, [
      { reference: 'RF-ALPHA-1', amount_cents: 12_000 },
      { reference: 'RF-ALPHA-2', amount_cents: 4_500 },
    ]);
    const pay = async (id: string, amount_cents: number, paid_at: string, external_id: string) =>
      expect((await stack.request('POST', `/api/v2/invoices/${id}/payments`, { key: a.key, body: { amount_cents, paid_at, external_id } })).status).toBe(201);
    await pay(invoices[0]!.id, 12_000, '2024-09-20T10:00:00Z', 'alpha-sept');
    await pay(invoices[1]!.id, 4_500, '2024-10-08T10:00:00Z', 'alpha-oct');
  }, 120_000);

  test('the period form offers both files; the MT940 reads with mt940js and the camt.053 is the partner API\'s file', async () => {
    const page = await viewer.get('/dashboard/company');
    expect(page.html).toContain('action="/dashboard/company/statements/mt940"');
    expect(page.html).toContain('formaction="/dashboard/company/statements/camt053"');

    const mt940 = await send(viewer, `/dashboard/company/statements/mt940?from=${day(1)}&to=${day(31)}`);
    expect(mt940.status).toBe(200);
    expect(mt940.headers.get('content-disposition')).toContain(`${a.companyId}-2024-10-01-2024-10-31.mt940`);
    const [statement] = new Mt940Parser().parse(await mt940.text());
    expect(statement).toMatchObject({ openingBalance: 120, closingBalance: 165 });
    expect(statement!.transactions.map((t) => t.amount)).toEqual([45]);

    // The same file as the partner's for the period, but for the moment it was written.
    const created = (xml: string) => xml.replace(/<CreDtTm>[^<]*<\/CreDtTm>/g, '<CreDtTm/>');
    const mine = await send(viewer, `/dashboard/company/statements/camt053?from=${day(1)}&to=${day(31)}`);
    expect(mine.status).toBe(200);
    expect(mine.headers.get('content-type')).toMatch(/^application\/xml/);
    const partners = await stack.request('GET', `/api/v2/companies/${a.companyId}/statements/camt053?from=${day(1)}&to=${day(31)}`, { key: a.key });
    const xml = await mine.text();
    expect(xml).toContain('RF-ALPHA-2');
    expect(created(xml)).toBe(created(partners.body as string));
  });

  test.each([
    ['a date that is not one', 'from=2024-13-01&to=2024-10-31', ['from'], 'Van: vul een datum in'],
    ['a missing end', 'from=2024-10-01', ['to'], 'Tot en met: vul een datum in'],
    ['a start after the end', 'from=2024-11-01&to=2024-10-01', ['from'], 'Van: het begin mag niet na het einde liggen'],
  ])('%s is a 400 page naming the field', async (_what, query, fields, message) => {
    const res = await viewer.get(`/dashboard/company/statements/mt940?${query}`);
    expect(res.status).toBe(400);
    expect(problemOf(res.html)).toContain(message);
    for (const f of fields) expect(res.html).toMatch(new RegExp(`id="statement-${f}"[^>]*aria-invalid="true"`));
  });
});

describe('debt cases', () => {
  const cases = { mine: '', big: '', toReject: '' };
  beforeAll(async () => {
    // The partner lets the company review cases up to 500 euros; larger ones it reviews itself.
    await configure(stack, a.key, a.companyId, [
      { name: 'club reviews', collector: 'in_house', review_required: true, company_may_review: true, conditions: { max_amount_cents: 50_000 } },
      { name: 'partner reviews', collector: 'in_house', review_required: true, conditions: {} },
    ]);
    for (const [name, amountCents] of [['mine', 12_000], ['big', 90_000], ['toReject', 8_000]] as const) {
      const c = await createCase(stack, a.key, caseBody(a.companyId, { amountCents, environment: 'test' }));
      const prepared = await stack.request('POST', `/api/v2/debt_collection_cases/${c.id}/mark_prepared`, { key: a.key });
      expect(prepared.body.state).toBe('reviewing');
      cases[name] = c.id;
    }
  }, 120_000);

  const caseOf = async (id: string) => (await stack.request('GET', `/api/v2/debt_collection_cases/${id}`, { key: a.key })).body;
  const review = async (client: DashboardClient, id: string, form: Record<string, string>) => {
    const page = await client.get(`/dashboard/debt-cases/${id}`);
    return client.post(`/dashboard/debt-cases/${id}/review`, { _csrf: csrfOf(page), ...form });
  };

  test('a company configuration that lets the company review needs review_required (400 naming the field)', async () => {
    const res = await stack.request('PUT', `/api/v2/companies/${a.companyId}/debt_collector_configurations`, {
      key: a.key,
      body: { configurations: [{ name: 'x', collector: 'in_house', review_required: false, company_may_review: true, conditions: {} }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['configurations.0.company_may_review']);
  });

  test('the list shows each case with its status, amounts and collector; the case page its facts and history', async () => {
    const list = await viewer.get('/dashboard/debt-cases');
    expect(list.status).toBe(200);
    const rows = list.html.match(/<tr data-testid="case">.*?<\/tr>/g) ?? [];
    expect(rows).toHaveLength(3);
    const mine = rows.find((r) => r.includes(cases.mine))!;
    expect(mine).toContain('Wacht op beoordeling');
    expect(mine).toMatch(/120,00/);
    expect(mine).toContain('club reviews');
    expect(rows.find((r) => r.includes(cases.big))).toContain('partner reviews');
    expect((await viewer.get('/dashboard/debt-cases?state=closed')).html).not.toContain('data-testid="case"');

    const page = await viewer.get(`/dashboard/debt-cases/${cases.mine}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Membership 2027');
    expect(page.html).toContain('debt_case.review_required');
    // A viewer may look, not decide.
    expect(page.html).not.toContain('data-testid="review-form"');
    const refused = await review(viewer, cases.mine, { decision: 'approve', reason: 'looks right' });
    expect(refused.status).toBe(403);
    expect((await caseOf(cases.mine)).state).toBe('reviewing');
  });

  test('where the partner reviews, the company sees no form and its decision is a 403; nothing changes', async () => {
    const page = await admin.get(`/dashboard/debt-cases/${cases.big}`);
    expect(page.html).not.toContain('data-testid="review-form"');
    expect(page.html).toContain('data-testid="review-by-partner"');
    const res = await review(admin, cases.big, { decision: 'approve', reason: 'we want the money' });
    expect(res.status).toBe(403);
    expect((await caseOf(cases.big))).toMatchObject({ state: 'reviewing', review: null });
  });

  test('an admin approves a case the partner lets the company review: it goes to the collector, audited with their email', async () => {
    const page = await admin.get(`/dashboard/debt-cases/${cases.mine}`);
    expect(page.html).toContain('data-testid="review-form"');
    const noReason = await review(admin, cases.mine, { decision: 'approve', reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(problemOf(noReason.html)).toContain('Geef een reden');
    expect((await caseOf(cases.mine)).state).toBe('reviewing');

    const res = await review(admin, cases.mine, { decision: 'approve', reason: 'The member was reminded three times' });
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/dashboard/debt-cases/${cases.mine}?decided=approve`);
    const kase = await caseOf(cases.mine);
    expect(kase).toMatchObject({ state: 'processing', review: { decision: 'approve', reason: 'The member was reminded three times', reviewed_by: 'treasurer@alpha.example' } });
    expect(kase.timeline.map((ev: { type: string }) => ev.type)).toContain('debt_case.approved');
    const after = await admin.get(res.location!);
    expect(after.html).toContain('Goedgekeurd: de zaak gaat naar de incassant.');
    expect(after.html).toContain('treasurer@alpha.example');
    expect(after.html).not.toContain('data-testid="review-form"');
    // Deciding again: the case no longer waits for review.
    expect((await review(admin, cases.mine, { decision: 'reject', reason: 'changed my mind' })).status).toBe(409);
  });

  test('an admin rejects a case with a reason: it closes as rejected', async () => {
    const res = await review(admin, cases.toReject, { decision: 'reject', reason: 'The member paid in cash' });
    expect(res.status).toBe(303);
    expect(await caseOf(cases.toReject)).toMatchObject({ state: 'closed', close_reason: 'rejected', review: { decision: 'reject', reviewed_by: 'treasurer@alpha.example' } });
  });
});

describe('tenancy', () => {
  test("another company's document, case and statements are not there for a company user (404, or none of its payments)", async () => {
    const [doc] = await documentsOf(a.companyId);
    const [kase] = (await stack.request('GET', `/api/v2/debt_collection_cases?company_id=${a.companyId}`, { key: a.key })).body.data;
    expect(doc && kase).toBeTruthy();
    expect((await send(betaAdmin, `/dashboard/company/documents/${doc!.id}`)).status).toBe(404);
    expect((await betaAdmin.get(`/dashboard/debt-cases/${kase.id}`)).status).toBe(404);
    const csrf = csrfOf(await betaAdmin.get('/dashboard/company'));
    expect((await betaAdmin.post(`/dashboard/debt-cases/${kase.id}/review`, { _csrf: csrf, decision: 'reject', reason: 'not mine' })).status).toBe(404);
    const list = await betaAdmin.get('/dashboard/debt-cases');
    expect(list.html).not.toContain(kase.id);
    const page = await betaAdmin.get('/dashboard/company');
    expect(page.html).not.toContain(doc!.filename);
    expect(page.html).not.toContain('Stichting Alpha');
    // Beta's statement of the period that has Alpha's payments: none of them.
    const [statement] = new Mt940Parser().parse(await (await send(betaAdmin, '/dashboard/company/statements/mt940?from=2024-09-01&to=2024-10-31')).text());
    expect(statement).toMatchObject({ openingBalance: 0, closingBalance: 0, transactions: [] });
  });
});
