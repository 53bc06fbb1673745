import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../../api/app';
import { eq } from 'drizzle-orm';
import { companyDocuments } from '../../db/schema';
import { MAX_DOCUMENT_BYTES } from '../../domain/company-documents';
import { defaultDunningPolicy } from '../../domain/dunning-policy';
import { diskDocumentStore } from '../../storage/document-store';
import { eventually } from '../support/eventually';
import { silentLogger } from '../support/logger';
import { invoiceBody, OPS_KEY, startStack, type HttpResponse, type Stack } from '../support/stack';

/** Company settings over real HTTP: verification documents, the dunning policy, debt collector configurations. */
let stack: Stack;
let key: string;
let companyId: string;

beforeAll(async () => {
  stack = await startStack();
  ({ key, companyId } = await stack.newPartner('Settings'));
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2_000, 0x20), Buffer.from('\n%%EOF\n')]);
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(500, 1)]);
const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(500, 2)]);

interface Part {
  type?: string;
  file?: { bytes: Buffer; filename?: string; contentType?: string };
}

async function upload(parts: Part, o: { company?: string; apiKey?: string; baseUrl?: string } = {}) {
  const form = new FormData();
  if (parts.type !== undefined) form.append('type', parts.type);
  if (parts.file) form.append('file', new Blob([parts.file.bytes], { type: parts.file.contentType ?? '' }), parts.file.filename ?? 'upload.bin');
  const res = await fetch(`${o.baseUrl ?? stack.baseUrl}/api/v2/companies/${o.company ?? companyId}/documents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${o.apiKey ?? key}` },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as HttpResponse['body'] };
}

async function storedDocuments(): Promise<number> {
  return (await stack.database.db.select().from(companyDocuments).where(eq(companyDocuments.companyId, companyId))).length;
}

describe('verification documents', () => {
  test('a PDF is stored and answered with its metadata, listed, and downloadable byte for byte', async () => {
    const res = await upload({ type: 'chamber_of_commerce', file: { bytes: pdf, filename: 'kvk-uittreksel.pdf', contentType: 'application/pdf' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^doc_/),
      company_id: companyId,
      type: 'chamber_of_commerce',
      filename: 'kvk-uittreksel.pdf',
      content_type: 'application/pdf',
      size_bytes: pdf.length,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const list = await stack.request('GET', `/api/v2/companies/${companyId}/documents`, { key });
    expect(list.status).toBe(200);
    expect(list.body.data).toContainEqual(res.body);
    expect(list.body.next_cursor).toBeNull();
    const one = await stack.request('GET', `/api/v2/companies/${companyId}/documents/${res.body.id}`, { key });
    expect(one.body).toEqual(res.body);

    const content = await fetch(`${stack.baseUrl}/api/v2/companies/${companyId}/documents/${res.body.id}/content`, { headers: { authorization: `Bearer ${OPS_KEY}` } });
    expect(content.status).toBe(200);
    expect(content.headers.get('content-type')).toBe('application/pdf');
    expect(content.headers.get('content-disposition')).toContain('kvk-uittreksel.pdf');
    expect(Buffer.from(await content.arrayBuffer()).equals(pdf)).toBe(true);
  });

  test.each([
    ['a PNG declared as octet-stream', png, 'application/octet-stream', 'image/png'],
    ['a JPEG declared as image/jpg', jpeg, 'image/jpg', 'image/jpeg'],
    ['a PDF without a declared type', pdf, '', 'application/pdf'],
  ])('%s is recorded with the type its bytes prove', async (_name, bytes, declared, expected) => {
    const res = await upload({ type: 'id_document', file: { bytes, contentType: declared } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ content_type: expected, size_bytes: bytes.length, type: 'id_document' });
  });

  test.each([
    ['an HTML page named .pdf and declared as PDF', Buffer.from('<!doctype html><script>alert(1)</script>'), 'application/pdf'],
    ['a PNG declared as PDF', png, 'application/pdf'],
    ['a PDF declared as text', pdf, 'text/plain'],
    ['a Word file (ZIP)', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0, 0]), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ])('%s is refused with 415 and nothing is stored', async (_name, bytes, declared) => {
    const before = await storedDocuments();
    const res = await upload({ type: 'bank_statement', file: { bytes, filename: 'statement.pdf', contentType: declared } });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_file_type');
    expect(res.body.error.details[0].path).toBe('file');
    expect(await storedDocuments()).toBe(before);
  });

  test('a file of exactly 10 MB is accepted; one byte more is 413 payload_too_large and nothing is stored', async () => {
    const exact = Buffer.alloc(MAX_DOCUMENT_BYTES, 0x20);
    pdf.copy(exact, 0, 0, 9);
    const ok = await upload({ type: 'sepa_mandate', file: { bytes: exact, contentType: 'application/pdf' } });
    expect(ok.status).toBe(201);
    expect(ok.body.size_bytes).toBe(MAX_DOCUMENT_BYTES);

    const before = await storedDocuments();
    const over = await upload({ type: 'sepa_mandate', file: { bytes: Buffer.concat([exact, Buffer.from(' ')]), contentType: 'application/pdf' } });
    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe('payload_too_large');
    expect(await storedDocuments()).toBe(before);
  }, 60_000);

  test('a request announcing more than the limit is refused before its body is read', async () => {
    const url = new URL(`${stack.baseUrl}/api/v2/companies/${companyId}/documents`);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(50 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode!, body });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.flushHeaders(); // headers only: the server must answer without waiting for 50 MB
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe('payload_too_large');
  });

  test.each<[string, Part, string[]]>([
    ['no type', { file: { bytes: pdf } }, ['type']],
    ['an unknown type', { type: 'passport_photo', file: { bytes: pdf } }, ['type']],
    ['no file', { type: 'id_document' }, ['file']],
    ['neither', {}, ['type', 'file']],
    ['an empty file', { type: 'id_document', file: { bytes: Buffer.alloc(0) } }, ['file']],
  ])('%s is a 400 naming the field', async (_name, parts, paths) => {
    const before = await storedDocuments();
    const res = await upload(parts);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(paths);
    expect(await storedDocuments()).toBe(before);
  });

  test.each<[string, Record<string, string>, string]>([
    ['a JSON body', { 'content-type': 'application/json' }, JSON.stringify({ type: 'id_document' })],
    ['multipart without a boundary', { 'content-type': 'multipart/form-data' }, 'whatever'],
    ['a multipart body cut off in the middle of the file', { 'content-type': 'multipart/form-data; boundary=XyZ' }, '--XyZ\r\nContent-Disposition: form-data; name="type"\r\n\r\nid_document\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 and then nothing'],
    ['a second file', { 'content-type': 'multipart/form-data; boundary=XyZ' }, '--XyZ\r\nContent-Disposition: form-data; name="type"\r\n\r\nid_document\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="b.pdf"\r\n\r\n%PDF-1.4\r\n--XyZ--\r\n'],
  ])('%s is a 400, not a 500', async (_name, headers, body) => {
    const before = await storedDocuments();
    const res = await stack.request('POST', `/api/v2/companies/${companyId}/documents`, { key, headers, body });
    expect(res.status).toBe(400);
    expect(res.body.error.details.length).toBeGreaterThan(0);
    expect(await storedDocuments()).toBe(before);
  });

  test('documents list in pages', async () => {
    const other = await stack.newPartner('Paging docs');
    for (let i = 0; i < 3; i++) expect((await upload({ type: 'id_document', file: { bytes: png } }, { company: other.companyId, apiKey: other.key })).status).toBe(201);
    const first = await stack.request('GET', `/api/v2/companies/${other.companyId}/documents?limit=2`, { key: other.key });
    expect(first.body.data).toHaveLength(2);
    const second = await stack.request('GET', `/api/v2/companies/${other.companyId}/documents?limit=2&cursor=${first.body.next_cursor}`, { key: other.key });
    expect(second.body.data).toHaveLength(1);
    expect(second.body.next_cursor).toBeNull();
  });
});

describe('verification documents on disk', () => {
  let dir: string;
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'recoup-documents-'));
    const app = createApp({ db: stack.database.db, temporal: stack.env.client, config: stack.config, logger: silentLogger, documents: diskDocumentStore(dir) });
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });
  const filesOnDisk = () => readdirSync(path.join(dir, companyId)).filter((f) => !f.startsWith('.'));

  test('only accepted documents stay on disk: refused, incomplete and oversized uploads leave no file behind', async () => {
    const ok = await upload({ type: 'bank_statement', file: { bytes: pdf, contentType: 'application/pdf' } }, { baseUrl });
    expect(ok.status).toBe(201);
    expect(readFileSync(path.join(dir, companyId, ok.body.id)).equals(pdf)).toBe(true);

    expect((await upload({ type: 'bank_statement', file: { bytes: Buffer.from('MZ executable'), contentType: 'application/pdf' } }, { baseUrl })).status).toBe(415);
    expect((await upload({ file: { bytes: pdf } }, { baseUrl })).status).toBe(400);
    expect((await upload({ type: 'id_document', file: { bytes: Buffer.concat([pdf, Buffer.alloc(MAX_DOCUMENT_BYTES)]) } }, { baseUrl })).status).toBe(413);
    expect(filesOnDisk()).toEqual([ok.body.id]);
  }, 60_000);

  test('a chunked upload without a length is cut off with 413 once it passes the limit, leaving nothing on disk', async () => {
    const before = filesOnDisk();
    const head = '--B\r\nContent-Disposition: form-data; name="type"\r\n\r\nid_document\r\n--B\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n';
    const answer = await new Promise<{ status: number; sentBytes: number }>((resolve, reject) => {
      let sentBytes = 0;
      let answered = false;
      const req = httpRequest(new URL(`${baseUrl}/api/v2/companies/${companyId}/documents`), {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'multipart/form-data; boundary=B', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        answered = true;
        res.resume();
        resolve({ status: res.statusCode!, sentBytes });
        req.destroy();
      });
      req.on('error', (err) => (answered ? undefined : reject(err)));
      req.write(head);
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const pump = () => {
        while (!answered && sentBytes < 40 * 1024 * 1024) {
          sentBytes += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
      };
      pump();
    });
    expect(answer.status).toBe(413);
    expect(answer.sentBytes).toBeLessThan(40 * 1024 * 1024);
    await eventually(async () => expect(filesOnDisk()).toEqual(before));
  }, 60_000);
});

describe('dunning policy', () => {
  const policy = {
    steps: [
      { offset_days: 0, action: 'reminder', channels: ['email'] },
      { offset_days: 10, action: 'dunning_level', level: 1, channels: ['email', 'sms'], fee: { type: 'wik' } },
      { offset_days: 40, action: 'debt_collection', channels: [] },
    ],
  };

  test('a company without its own policy answers the built-in default as version 0', async () => {
    const { key: k, companyId: c } = await stack.newPartner('Default policy');
    const res = await stack.request('GET', `/api/v2/companies/${c}/dunning_policy`, { key: k });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ company_id: c, version: 0, policy: defaultDunningPolicy, created_at: null });
  });

  test('each PUT stores a new version; an invoice transmitted keeps the version it started with', async () => {
    const { key: k, companyId: c } = await stack.newPartner('Versioned policy');
    const v1 = await stack.request('PUT', `/api/v2/companies/${c}/dunning_policy`, { key: k, body: { policy } });
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ company_id: c, version: 1, policy: { steps: [{ offset_days: 0 }, { level: 1, fee: { type: 'wik' } }, { action: 'debt_collection' }], send_hour: 10 } });
    expect(v1.body.policy.guardrails).toEqual({ quiet_hours_start: '21:00', quiet_hours_end: '08:00', max_contacts_per_7_days: 7 });
    // The bare policy is accepted too (and what GET answers can be PUT back).
    const v2 = await stack.request('PUT', `/api/v2/companies/${c}/dunning_policy`, { key: k, body: { ...policy, send_hour: 9 } });
    expect(v2.body).toMatchObject({ version: 2, policy: { send_hour: 9 } });
    const current = await stack.request('GET', `/api/v2/companies/${c}/dunning_policy`, { key: k });
    expect(current.body).toEqual(v2.body);
    expect((await stack.request('PUT', `/api/v2/companies/${c}/dunning_policy`, { key: k, body: current.body })).body.version).toBe(3);

    const imp = await stack.request('POST', '/api/v2/imports', { key: k, body: { company_id: c } });
    const inv = await stack.request('POST', '/api/v2/invoices', { key: k, body: invoiceBody(imp.body.id) });
    expect((await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key: k })).status).toBe(202);
    await eventually(async () => expect((await stack.request('GET', `/api/v2/invoices/${inv.body.id}`, { key: k })).body.policy_version).toBe(3));
    expect((await stack.request('PUT', `/api/v2/companies/${c}/dunning_policy`, { key: k, body: { policy } })).body.version).toBe(4);
    expect((await stack.request('GET', `/api/v2/invoices/${inv.body.id}`, { key: k })).body.policy_version).toBe(3);
  });

  test.each<[string, unknown, string]>([
    ['a dunning level without a level', { policy: { steps: [{ offset_days: 1, action: 'dunning_level' }] } }, 'policy.steps.0.level'],
    ['steps out of order', { steps: [{ offset_days: 5, action: 'reminder' }, { offset_days: 1, action: 'reminder' }] }, 'steps'],
    ['an unknown fee type', { steps: [{ offset_days: 5, action: 'reminder', fee: { type: 'fine' } }] }, 'steps.0.fee.type'],
    ['no steps', { policy: { steps: [] } }, 'policy.steps'],
    ['no body', undefined, 'body'],
  ])('%s is a 400 naming the field, and no version is added', async (_name, body, path) => {
    const res = await stack.request('PUT', `/api/v2/companies/${companyId}/dunning_policy`, { key, body });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect((await stack.request('GET', `/api/v2/companies/${companyId}/dunning_policy`, { key })).body.version).toBe(0);
  });
});

describe('debt collector configurations', () => {
  const configurations = [
    { name: 'small claims', collector: 'in_house', review_required: false, conditions: { max_amount_cents: 10_000, currencies: ['EUR'] } },
    { name: 'agency', collector: 'http', review_required: true, conditions: { countries: ['NL', 'BE'] }, settings: { url: 'https://agency.example/cases', api_version: '2' } },
  ];

  test('none set answers an empty list as version 0; each PUT replaces the ordered list as a new version', async () => {
    const { key: k, companyId: c } = await stack.newPartner('Collectors');
    expect((await stack.request('GET', `/api/v2/companies/${c}/debt_collector_configurations`, { key: k })).body).toEqual({ company_id: c, version: 0, configurations: [], created_at: null });
    const v1 = await stack.request('PUT', `/api/v2/companies/${c}/debt_collector_configurations`, { key: k, body: { configurations } });
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ company_id: c, version: 1, configurations });
    const v2 = await stack.request('PUT', `/api/v2/companies/${c}/debt_collector_configurations`, { key: k, body: [...configurations].reverse() });
    expect(v2.body.version).toBe(2);
    expect(v2.body.configurations.map((x: { name: string }) => x.name)).toEqual(['agency', 'small claims']);
    expect((await stack.request('GET', `/api/v2/companies/${c}/debt_collector_configurations`, { key: OPS_KEY })).body).toEqual(v2.body);
    expect((await stack.request('PUT', `/api/v2/companies/${c}/debt_collector_configurations`, { key: k, body: { configurations: [] } })).body).toMatchObject({ version: 3, configurations: [] });
  });

  test.each<[string, unknown, string]>([
    ['an http collector without a url', { configurations: [{ ...configurations[1], settings: {} }] }, 'configurations.0.settings.url'],
    ['an unknown collector', [{ ...configurations[0], collector: 'bailiff' }], '0.collector'],
    ['a bad currency in the conditions', { configurations: [configurations[1], { ...configurations[0], conditions: { currencies: ['eur'] } }] }, 'configurations.1.conditions.currencies.0'],
    ['no list at all', { foo: 1 }, 'configurations'],
  ])('%s is a 400 naming the field', async (_name, body, path) => {
    const res = await stack.request('PUT', `/api/v2/companies/${companyId}/debt_collector_configurations`, { key, body });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect((await stack.request('GET', `/api/v2/companies/${companyId}/debt_collector_configurations`, { key })).body.version).toBe(0);
  });
});
