import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { submitBatchFile } from '../../files/intake';
import { ensurePartnerFolders, partnerFolder } from '../../files/layout';
import type { batchFileWorkflow } from '../../workflows/batch-file.workflow';
import { startPartnerEndpoint, type PartnerEndpoint } from '../pull/partner-endpoint';
import { eventually } from '../support/eventually';
import { dateFrom } from '../support/seed';
import { startStack, type Stack } from '../support/stack';

/**
 * A draft invoice is the same whichever way it came in: POST /invoices, a placement in a batch
 * file or a pull run store the same debtor (a national phone number read as E.164 in the company's
 * country), the same lines in the order sent, the same amounts and a payment reference of the
 * same form, and join the same debtor account (the same email within one company).
 */
const TOKEN = 'draft-paths-feed-token-0123456789';
let stack: Stack;
let partner: PartnerEndpoint;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'recoup-draft-paths-'));
  [stack, partner] = await Promise.all([startStack({ temporal: 'dev-server', config: { RECOUP_FILES_DIR: root } }), startPartnerEndpoint(TOKEN)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([stack?.close(), partner?.close()]);
  await rm(root, { recursive: true, force: true });
});

const invoiceSent = (externalId: string) => ({
  invoice_number: 'F-2026-001',
  external_id: externalId,
  issue_date: dateFrom(Date.now(), 0),
  due_date: dateFrom(Date.now(), 30),
  currency: 'EUR',
  reference: 'Season 2026',
  debtor: { first_name: 'Jan', last_name: 'Jansen', email: 'jan@example.nl', phone: '06 1234 5678', locale: 'nl', timezone: 'Europe/Amsterdam' },
  invoice_lines: [
    { description: 'Membership fee', amount_cents: 12_500, quantity: 1, vat_rate: 0 },
    { description: 'Locker rental', amount_cents: 1_500, quantity: 2, vat_rate: 21 },
    { description: 'Bar tab', amount_cents: 725, quantity: 1, vat_rate: 9 },
  ],
});

/** What a partner reads back of a draft invoice, leaving out what is unique to each one. */
async function storedInvoice(key: string, companyId: string, externalId: string) {
  const list = await stack.request('GET', `/api/v2/invoices?company_id=${companyId}`, { key });
  const found = (list.body.data as Array<{ id: string; external_id: string }>).find((i) => i.external_id === externalId);
  if (!found) throw new Error(`no invoice ${externalId}`);
  const res = await stack.request('GET', `/api/v2/invoices/${found.id}`, { key });
  expect(res.status).toBe(200);
  const b = res.body;
  return {
    status: b.status,
    invoice_number: b.invoice_number,
    issue_date: b.issue_date,
    due_date: b.due_date,
    currency: b.currency,
    reference: b.reference,
    debtor: b.debtor,
    debtor_id: b.debtor_id,
    amount_total_cents: b.amount_total_cents,
    amount_due_cents: b.amount_due_cents,
    invoice_lines: (b.invoice_lines as Array<Record<string, unknown>>).map(({ description, amount_cents, quantity, vat_rate }) => ({ description, amount_cents, quantity, vat_rate })),
    payment_reference_form: /^RF\d{2}[0-9A-Z]{12}$/.test(b.payment_reference),
  };
}

test('the same invoice sent over the API, in a batch file and by a pull source is stored the same, phone in E.164', async () => {
  const { partnerId, key, companyId } = await stack.newPartner('Draft paths');

  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const created = await stack.request('POST', '/api/v2/invoices', { key, body: { import_id: imp.body.id, ...invoiceSent('via-api') } });
  expect(created.status).toBe(201);

  await ensurePartnerFolders(root, partnerId);
  const file = path.join(partnerFolder(root, partnerId, 'inbox'), 'placement.jsonl');
  const records = [{ format: 'recoup.batch', version: 1, type: 'placement', company_id: companyId, settings: { transmit: false } }, { record_id: 'r1', invoice: invoiceSent('via-file') }];
  await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const intake = await submitBatchFile({ temporal: stack.env.client, taskQueue: stack.taskQueue, root }, { partnerId, path: file });
  if (intake.status !== 'started') throw new Error(`batch file not started: ${intake.status}`);
  await stack.env.client.workflow.getHandle<typeof batchFileWorkflow>(intake.workflowId).result();
  expect(await readFile(intake.resultPath, 'utf8')).toContain('"accepted"');

  partner.set('paths', { kind: 'pages', pages: [[invoiceSent('via-pull')]] });
  const source = `/api/v2/companies/${companyId}/pull_source`;
  expect((await stack.request('PUT', source, { key, body: { url: partner.url('paths'), bearer_token: TOKEN, auto_transmit: false } })).status).toBe(201);
  expect((await stack.request('POST', `${source}/run`, { key })).status).toBe(202);
  const run = await eventually(async () => {
    const res = await stack.request('GET', source, { key });
    expect(res.body.last_run_at).not.toBeNull();
    return res.body;
  }, 30_000);
  expect(run.last_result).toMatchObject({ created: 1 });

  const [api, batch, pull] = await Promise.all(['via-api', 'via-file', 'via-pull'].map((id) => storedInvoice(key, companyId, id)));
  expect(api).toMatchObject({
    status: 'draft',
    debtor: { phone: '+31612345678', email: 'jan@example.nl' },
    amount_total_cents: 16_225,
    invoice_lines: [{ description: 'Membership fee' }, { description: 'Locker rental' }, { description: 'Bar tab' }],
    payment_reference_form: true,
  });
  expect(api!.debtor_id).toMatch(/^dbt_/);
  expect(batch).toEqual(api);
  expect(pull).toEqual(api);

  // A later invoice of the same debtor, its email written differently, joins the same account.
  const later = invoiceSent('via-api-later');
  const second = await stack.request('POST', '/api/v2/invoices', { key, body: { import_id: imp.body.id, ...later, debtor: { ...later.debtor, email: 'JAN@Example.nl' } } });
  expect(second.status).toBe(201);
  expect(second.body.debtor_id).toBe(api!.debtor_id);
}, 90_000);
