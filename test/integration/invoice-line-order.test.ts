import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { submitBatchFile } from '../../files/intake';
import { ensurePartnerFolders, partnerFolder } from '../../files/layout';
import type { batchFileWorkflow } from '../../workflows/batch-file.workflow';
import { getPage, portalLink } from '../portal/portal-client';
import { startPartnerEndpoint, type PartnerEndpoint } from '../pull/partner-endpoint';
import { eventually } from '../support/eventually';
import { dateFrom } from '../support/seed';
import { invoiceBody, startStack, type Stack } from '../support/stack';

/**
 * Invoice lines come back in the order the partner sent them, whichever way they came in (API,
 * batch file, pull source) and wherever they are read (API, portal). Twelve lines stored in the
 * same millisecond get ids that differ only in their random part, so any order but the sent one
 * shows up here; the descriptions are not in alphabetical order either.
 */
const SENT = [
  'Membership fee',
  'Locker rental',
  'Court booking',
  'Racket restringing',
  'Junior training',
  'Bar tab',
  'Annual dinner',
  'Towel service',
  'Guest pass',
  'Parking permit',
  'Insurance',
  'Energy surcharge',
];
const sentLines = (descriptions: string[]) => descriptions.map((description, i) => ({ description, amount_cents: 1_000 + i, quantity: 1, vat_rate: 0 }));
const descriptionsOf = (lines: Array<{ description: string }>) => lines.map((l) => l.description);

const TOKEN = 'line-order-feed-token-0123456789';
let stack: Stack;
let partner: PartnerEndpoint;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'recoup-line-order-'));
  [stack, partner] = await Promise.all([startStack({ temporal: 'dev-server', config: { RECOUP_FILES_DIR: root } }), startPartnerEndpoint(TOKEN)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([stack?.close(), partner?.close()]);
  await rm(root, { recursive: true, force: true });
});

async function linesOverTheApi(key: string, invoiceId: string) {
  const [invoice, lines, alias] = await Promise.all([
    stack.request('GET', `/api/v2/invoices/${invoiceId}`, { key }),
    stack.request('GET', `/api/v2/invoices/${invoiceId}/invoice_lines`, { key }),
    stack.request('GET', `/api/v2/invoice/${invoiceId}/invoice_lines`, { key }),
  ]);
  expect([invoice.status, lines.status, alias.status]).toEqual([200, 200, 200]);
  return { invoice: descriptionsOf(invoice.body.invoice_lines), lines: descriptionsOf(lines.body.data), alias: descriptionsOf(alias.body.data) };
}

async function invoiceByExternalId(key: string, companyId: string, externalId: string): Promise<{ id: string; status: string }> {
  const res = await stack.request('GET', `/api/v2/invoices?company_id=${companyId}&limit=500`, { key });
  const found = (res.body.data as Array<{ id: string; status: string; external_id: string }>).find((i) => i.external_id === externalId);
  if (!found) throw new Error(`no invoice ${externalId}`);
  return found;
}

/** The line descriptions of the portal page, top to bottom. */
function portalLineDescriptions(html: string): string[] {
  const table = /<table>([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  return [...table.matchAll(/<tr><td>([^<]*)/g)].map((m) => m[1]!);
}

test('lines sent with POST /invoices keep their order in every answer, lines added later come after them, and the portal lists them so', async () => {
  const { key, companyId } = await stack.newPartner('Line order API');
  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const created = await stack.request('POST', '/api/v2/invoices', {
    key,
    body: invoiceBody(imp.body.id, { issue_date: dateFrom(Date.now(), 0), due_date: dateFrom(Date.now(), 30), invoice_lines: sentLines(SENT) }),
  });
  expect(created.status).toBe(201);
  expect(descriptionsOf(created.body.invoice_lines)).toEqual(SENT);
  expect(await linesOverTheApi(key, created.body.id)).toEqual({ invoice: SENT, lines: SENT, alias: SENT });

  // Added to the draft one by one: each goes to the end.
  for (const [i, description] of ['Late booking fee', 'Admin fee'].entries()) {
    const added = await stack.request('POST', `/api/v2/${i === 0 ? 'invoices' : 'invoice'}/${created.body.id}/invoice_lines`, { key, body: { description, amount_cents: 500 } });
    expect(added.status).toBe(201);
  }
  const all = [...SENT, 'Late booking fee', 'Admin fee'];
  expect(await linesOverTheApi(key, created.body.id)).toEqual({ invoice: all, lines: all, alias: all });

  const transmitted = await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key });
  expect(transmitted.status).toBe(202);
  await eventually(async () => expect((await stack.request('GET', `/api/v2/invoices/${created.body.id}`, { key })).body.status).toBe('open'), 30_000);
  const page = await getPage(portalLink(stack, created.body.id).url);
  expect(page.status).toBe(200);
  expect(portalLineDescriptions(page.html)).toEqual(all);
}, 60_000);

test('lines of a placement in a batch file keep the order of the file', async () => {
  const { partnerId, key, companyId } = await stack.newPartner('Line order files');
  await ensurePartnerFolders(root, partnerId);
  const file = path.join(partnerFolder(root, partnerId, 'inbox'), 'placement.jsonl');
  const records = [
    { format: 'recoup.batch', version: 1, type: 'placement', company_id: companyId },
    {
      record_id: 'r1',
      invoice: {
        invoice_number: 'F-ORDER-1',
        external_id: 'ORDER-1',
        issue_date: dateFrom(Date.now(), 0),
        due_date: dateFrom(Date.now(), 30),
        debtor: { first_name: 'Jan', last_name: 'Jansen', email: 'order-1@example.nl', locale: 'nl' },
        invoice_lines: sentLines(SENT),
      },
    },
  ];
  await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const intake = await submitBatchFile({ temporal: stack.env.client, taskQueue: stack.taskQueue, root }, { partnerId, path: file });
  if (intake.status !== 'started') throw new Error(`batch file not started: ${intake.status}`);
  await stack.env.client.workflow.getHandle<typeof batchFileWorkflow>(intake.workflowId).result();
  expect(await readFile(intake.resultPath, 'utf8')).toContain('"accepted"');

  const invoice = await invoiceByExternalId(key, companyId, 'ORDER-1');
  expect(await linesOverTheApi(key, invoice.id)).toEqual({ invoice: SENT, lines: SENT, alias: SENT });
}, 60_000);

test('lines pulled from a partner source keep the order of the feed, and a feed that reorders them reorders the draft', async () => {
  const { key, companyId } = await stack.newPartner('Line order pull');
  const pulled = (descriptions: string[]) => ({
    external_id: 'pull-1',
    invoice_number: 'P-ORDER-1',
    issue_date: dateFrom(Date.now(), 0),
    due_date: dateFrom(Date.now(), 30),
    debtor: { first_name: 'Jan', last_name: 'Jansen', email: 'pull-1@example.nl', locale: 'nl', timezone: 'Europe/Amsterdam' },
    invoice_lines: sentLines(descriptions).map((l) => ({ ...l, amount_cents: 1_000 })),
  });
  partner.set('order', { kind: 'pages', pages: [[pulled(SENT)]] });
  const source = `/api/v2/companies/${companyId}/pull_source`;
  expect((await stack.request('PUT', source, { key, body: { url: partner.url('order'), bearer_token: TOKEN, auto_transmit: false } })).status).toBe(201);
  const runPull = async () => {
    const before = (await stack.request('GET', source, { key })).body.last_run_at;
    expect((await stack.request('POST', `${source}/run`, { key })).status).toBe(202);
    return eventually(async () => {
      const res = await stack.request('GET', source, { key });
      expect(res.body.last_run_at).not.toBe(before);
      return res.body;
    }, 30_000);
  };

  expect((await runPull()).last_result).toMatchObject({ created: 1 });
  const invoice = await invoiceByExternalId(key, companyId, 'pull-1');
  expect(await linesOverTheApi(key, invoice.id)).toEqual({ invoice: SENT, lines: SENT, alias: SENT });

  // The same lines in another order are a change to the invoice, stored in the new order.
  const reordered = [...SENT].reverse();
  partner.set('order', { kind: 'pages', pages: [[pulled(reordered)]] });
  expect((await runPull()).last_result).toMatchObject({ created: 0, updated: 1 });
  expect(await linesOverTheApi(key, invoice.id)).toEqual({ invoice: reordered, lines: reordered, alias: reordered });
}, 60_000);
