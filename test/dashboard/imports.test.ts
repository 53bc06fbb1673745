import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { imports, invoices } from '../../db/schema';
import { openSpreadsheet } from '../../files/spreadsheet/read';
import { eventually } from '../support/eventually';
import { startStack, type Stack } from '../support/stack';
import { zipOf } from '../support/zip';
import { addCompanyUser, csrfOf, DashboardClient, signedInAs } from './dashboard-client';

/**
 * The dashboard's spreadsheet import over real HTTP against the whole product (Temporal, database):
 * a treasurer uploads a file, sees each wrong cell by row and column with nothing created, fixes
 * it, reviews the draft import and sends it. Viewers only look; another company's import is a 404;
 * every form needs the session's token.
 */
let stack: Stack;
let dir: string;
const a = { key: '', companyId: '', partnerId: '' };
const b = { key: '', companyId: '', partnerId: '' };
let adminA: DashboardClient;
let viewerA: DashboardClient;
let adminB: DashboardClient;

beforeAll(async () => {
  stack = await startStack();
  dir = mkdtempSync(path.join(tmpdir(), 'recoup-dashboard-import-'));
  Object.assign(a, await stack.newPartner('Alpha'));
  Object.assign(b, await stack.newPartner('Beta'));
  adminA = await signedInAs(stack, (await addCompanyUser(stack, a.key, a.companyId, 'treasurer@alpha.example', 'admin')).id);
  viewerA = await signedInAs(stack, (await addCompanyUser(stack, a.key, a.companyId, 'board@alpha.example', 'viewer')).id);
  adminB = await signedInAs(stack, (await addCompanyUser(stack, b.key, b.companyId, 'treasurer@beta.example', 'admin')).id);
}, 180_000);
afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const header = 'Factuurnummer;Factuurdatum;Vervaldatum;Bedrag;Omschrijving;Voornaam;Achternaam;E-mail';
const good = ['2027-001;01-01-2027;31-01-2030;120,00;Contributie 2027;Anna;de Vries;anna@example.nl', '2027-002;01-01-2027;31-01-2030;85,50;Contributie jeugd;Piet;Jansen;piet@example.nl'];
const bad = '2027-003;01-01-2027;31-01-2030;veel;Contributie;Kees;;kees@example.nl';

/** A multipart upload as the form sends it: the token in the query string, cookies of the client. */
async function upload(client: DashboardClient, bytes: Buffer | string, options: { csrf?: string | null; title?: string; filename?: string } = {}) {
  const csrf = options.csrf === undefined ? csrfOf(await client.get('/dashboard/imports')) : options.csrf;
  const form = new FormData();
  if (options.title) form.append('title', options.title);
  form.append('file', new Blob([typeof bytes === 'string' ? Buffer.from(bytes) : bytes]), options.filename ?? 'leden.csv');
  const res = await fetch(`${stack.baseUrl}/dashboard/imports${csrf === null ? '' : `?_csrf=${encodeURIComponent(csrf)}`}`, {
    method: 'POST',
    headers: { cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    body: form,
    redirect: 'manual',
  });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

const importsOf = (companyId: string) => stack.database.db.select().from(imports).where(eq(imports.companyId, companyId));

test('the treasurer uploads a file with one bad row, sees it by row and column with nothing created, fixes it, reviews and sends it', async () => {
  const page = await adminA.get('/dashboard/imports');
  expect(page.status).toBe(200);
  expect(page.html).toContain('data-testid="upload-form"');

  const refused = await upload(adminA, [header, ...good, bad].join('\n'));
  expect(refused.status).toBe(422);
  const table = /<table class="stack" data-testid="row-error-table">([\s\S]*?)<\/table>/.exec(refused.html)?.[1] ?? '';
  const cells = [...table.matchAll(/<tr><td[^>]*>(\d+)<\/td><td[^>]*>([^<]+)<\/td><td[^>]*>([^<]+)<\/td><\/tr>/g)].map((m) => [m[1], m[2], m[3]]);
  expect(cells).toEqual([
    ['4', 'Bedrag', expect.stringMatching(/^must be an amount/)],
    ['4', 'Achternaam', expect.stringMatching(/^is empty/)],
  ]);
  expect(refused.html).toContain('2 problemen in het bestand: er is niets aangemaakt');
  expect(await importsOf(a.companyId)).toEqual([]);

  const created = await upload(adminA, [header, ...good, bad.replace('veel', '42,00').replace(';;', ';Bakker;')].join('\n'), { title: 'Contributie 2027' });
  expect(created.status).toBe(303);
  const id = /^\/dashboard\/imports\/(imp_[A-Za-z0-9_-]+)$/.exec(created.location ?? '')?.[1];
  expect(id).toBeDefined();

  const review = await adminA.get(`/dashboard/imports/${id}`);
  expect(review.status).toBe(200);
  expect(review.html).toContain('Contributie 2027');
  expect(review.html).toMatch(/€\s?247,50/);
  expect(review.html).toContain('2027-003');
  expect(review.html).toContain('Kees Bakker');
  expect(review.html).toContain('Alle 3 facturen versturen');

  const sent = await adminA.post(`/dashboard/imports/${id}/transmit`, { _csrf: csrfOf(review) });
  expect(sent.status).toBe(303);
  await eventually(async () => {
    const rows = await stack.database.db.select().from(invoices).where(eq(invoices.importId, id!));
    expect(rows.map((r) => r.status)).toEqual(['open', 'open', 'open']);
    const [imp] = await stack.database.db.select().from(imports).where(eq(imports.id, id!));
    expect(imp!.status).toBe('transmitted');
  }, 60_000);
  const after = await adminA.get(`/dashboard/imports/${id}`);
  expect(after.html).not.toContain('data-testid="transmit-form"');
  // Sending twice is refused with the domain's message, not a 500.
  const twice = await adminA.post(`/dashboard/imports/${id}/transmit`, { _csrf: csrfOf(after) });
  expect(twice.status).toBe(409);
  expect(twice.html).toContain('already been transmitted');
}, 120_000);

test.each([
  ['Windows-1252 text', Buffer.from(`${header}\n2027-001;01-01-2027;31-01-2030;12,50;Contributie;Hélène;Müller;h@example.nl\n`, 'latin1'), /not UTF-8 .*Windows-1252/],
  ['50 MB of junk', randomBytes(50 * 1024 * 1024), /larger than 20 MB/],
  ['a zip bomb', zipOf([{ name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') }, { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(30 * 1024 * 1024) }]), /more than 200 times its packed size/],
  ['no file at all', Buffer.alloc(0), /empty/],
])('%s is refused with a clear message and creates nothing', async (_name, bytes, message) => {
  const before = (await importsOf(a.companyId)).length;
  const res = await upload(adminA, bytes, { filename: 'upload.xlsx' });
  expect(res.status).toBe(400);
  expect(/data-testid="file-refused"><h2>[^<]*<\/h2><p>([^<]*)<\/p>/.exec(res.html)?.[1] ?? res.html.slice(0, 300)).toMatch(message);
  expect((await importsOf(a.companyId)).length).toBe(before);
}, 60_000);

test('the templates download in the four languages, each a spreadsheet the upload reads', async () => {
  const page = await adminA.get('/dashboard/imports');
  for (const language of ['nl', 'en', 'de', 'fr']) {
    for (const format of ['csv', 'xlsx']) {
      expect(page.html).toContain(`href="/dashboard/imports/template/${language}.${format}"`);
      const res = await fetch(`${stack.baseUrl}/dashboard/imports/template/${language}.${format}`, { headers: { cookie: [...adminA.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="recoup-import-${language}.${format}"`);
      const file = path.join(dir, `template-${language}.${format}`);
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const rows = [];
      for await (const row of (await openSpreadsheet(file)).rows) rows.push(row);
      expect(rows).toHaveLength(2);
      expect(rows[0]!.cells[0]).toBe({ nl: 'Factuurnummer', en: 'Invoice number', de: 'Rechnungsnummer', fr: 'Numéro de facture' }[language]);
    }
  }
  expect((await adminA.get('/dashboard/imports/template/xx.csv')).status).toBe(404);
});

test('a viewer sees the imports but no upload or send form, and a POST of theirs is a 403 that changes nothing', async () => {
  const [imp] = await importsOf(a.companyId);
  const draft = await upload(adminA, [header, good[0]!.replace('2027-001', '2027-101')].join('\n'));
  const draftId = draft.location!.split('/').pop()!;
  const page = await viewerA.get('/dashboard/imports');
  expect(page.status).toBe(200);
  expect(page.html).not.toContain('data-testid="upload-form"');
  expect(page.html).toContain('data-testid="viewer-note"');
  expect(page.html).toContain(imp!.id);
  const review = await viewerA.get(`/dashboard/imports/${draftId}`);
  expect(review.status).toBe(200);
  expect(review.html).not.toContain('data-testid="transmit-form"');

  const before = (await importsOf(a.companyId)).length;
  expect((await upload(viewerA, [header, ...good].join('\n'))).status).toBe(403);
  expect((await importsOf(a.companyId)).length).toBe(before);
  expect((await viewerA.post(`/dashboard/imports/${draftId}/transmit`, { _csrf: csrfOf(page) })).status).toBe(403);
  const [still] = await stack.database.db.select().from(imports).where(eq(imports.id, draftId));
  expect(still!.status).toBe('draft');
}, 60_000);

test('another company\'s import is a 404 by URL, to look at and to send; its list shows only its own', async () => {
  const draft = await upload(adminA, [header, good[0]!.replace('2027-001', '2027-201')].join('\n'));
  const draftId = draft.location!.split('/').pop()!;
  const page = await adminB.get('/dashboard/imports');
  expect(page.html).not.toContain(draftId);
  expect((await adminB.get(`/dashboard/imports/${draftId}`)).status).toBe(404);
  expect((await adminB.post(`/dashboard/imports/${draftId}/transmit`, { _csrf: csrfOf(page) })).status).toBe(404);
  const [still] = await stack.database.db.select().from(imports).where(eq(imports.id, draftId));
  expect(still!.status).toBe('draft');
}, 60_000);

test('a form without the session\'s token is refused: upload and send', async () => {
  const before = (await importsOf(a.companyId)).length;
  expect((await upload(adminA, [header, good[0]!.replace('2027-001', '2027-301')].join('\n'), { csrf: null })).status).toBe(403);
  expect((await upload(adminA, [header, good[0]!.replace('2027-001', '2027-302')].join('\n'), { csrf: 'forged' })).status).toBe(403);
  expect((await importsOf(a.companyId)).length).toBe(before);
  const draft = await upload(adminA, [header, good[0]!.replace('2027-001', '2027-303')].join('\n'));
  const draftId = draft.location!.split('/').pop()!;
  expect((await adminA.post(`/dashboard/imports/${draftId}/transmit`, {})).status).toBe(403);
  const [still] = await stack.database.db.select().from(imports).where(eq(imports.id, draftId));
  expect(still!.status).toBe('draft');
}, 60_000);
