import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createApiKey } from '../../services/api-keys';
import { createMailer } from '../../messaging/mailer';
import { createSmsSender } from '../../messaging/sms';
import { silentLogger } from '../support/logger';
import { readPdf } from '../support/pdf';
import { invoiceBody, OPS_KEY, startStack, type Stack } from '../support/stack';

/**
 * Print batches over HTTP: ops list them, download one as a PDF and mark it posted; the posting
 * shows on each invoice's timeline as `message.sent` (delivery `posted`). Partners and reviewers
 * see none of it: letters carry the addresses of every tenant's debtors.
 */
let stack: Stack;
let partner: { partnerId: string; key: string; companyId: string };
let reviewerKey: string;
let queueLetter: (invoiceId: string) => Promise<unknown>;

beforeAll(async () => {
  stack = await startStack();
  partner = await stack.newPartner('Letters');
  reviewerKey = (await createApiKey(stack.database.db, { partnerId: partner.partnerId, role: 'reviewer' })).secret;
  const activities = createActivities({
    db: stack.database.db,
    mailer: createMailer({ from: 'Recoup <noreply@recoup.test>', logger: silentLogger }),
    sms: createSmsSender({ logger: silentLogger }),
    temporal: stack.env.client,
    config: stack.config,
    logger: silentLogger,
  });
  const activity = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000 }, { logger: new DefaultLogger('ERROR') });
  queueLetter = (invoiceId) => activity.run(activities.sendInvoiceMessage, { invoiceId, purpose: 'step1', channel: 'letter' as const, kind: 'reminder' as const });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

async function draftInvoice(debtor: Record<string, unknown>): Promise<string> {
  const imp = await stack.request('POST', '/api/v2/imports', { key: partner.key, body: { company_id: partner.companyId } });
  const inv = await stack.request('POST', '/api/v2/invoices', { key: partner.key, body: invoiceBody(imp.body.id, { debtor }) });
  expect(inv.status).toBe(201);
  return inv.body.id;
}

const download = (path: string, key: string) => fetch(`${stack.baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });

test('ops download the day batch as one PDF with every letter and mark it posted; each letter is then posted on its invoice timeline, once', async () => {
  const anna = await draftInvoice({ first_name: 'Anna', last_name: 'de Vries', locale: 'nl', timezone: 'Europe/Amsterdam', address: { street: 'Kerkstraat 1', postal_code: '1017 GA', city: 'Amsterdam', country: 'NL' } });
  const marc = await draftInvoice({ first_name: 'Marc', last_name: 'Dubois', locale: 'fr', timezone: 'Europe/Paris', address: { street: '5 rue Lepic', postal_code: '75018', city: 'Paris', country: 'FR' } });
  for (const id of [anna, marc]) expect(await queueLetter(id)).toMatchObject({ status: 'queued' });

  const list = await stack.request('GET', '/api/v2/print_batches', { key: OPS_KEY });
  expect(list.status).toBe(200);
  expect(list.body).toEqual({ data: [expect.objectContaining({ status: 'open', letter_count: 2, posted_at: null })], next_cursor: null });
  const batch = list.body.data[0];

  const pdf = await download(batch.pdf_url, OPS_KEY);
  expect(pdf.status).toBe(200);
  expect(pdf.headers.get('content-type')).toBe('application/pdf');
  const pages = await readPdf(new Uint8Array(await pdf.arrayBuffer()));
  expect(pages).toHaveLength(2);
  expect(pages[0]!.text).toContain('Anna de Vries');
  expect(pages[0]!.text).toContain('1017 GA Amsterdam');
  expect(pages[0]!.text).toContain('Herinnering: factuur');
  expect(pages[1]!.text).toContain('Marc Dubois');
  expect(pages[1]!.text).toContain('Rappel : facture');

  const timeline = async (invoiceId: string) => (await stack.request('GET', `/api/v2/invoices/${invoiceId}/events`, { key: partner.key })).body.data as Array<{ type: string; data: Record<string, unknown> }>;
  expect((await timeline(anna)).map((e) => e.type)).not.toContain('message.sent');

  const posted = await stack.request('POST', `/api/v2/print_batches/${batch.id}/posted`, { key: OPS_KEY });
  expect(posted.status).toBe(200);
  expect(posted.body).toMatchObject({ id: batch.id, status: 'posted', posted_at: expect.any(String), letters: [expect.objectContaining({ invoice_id: anna, status: 'posted' }), expect.objectContaining({ invoice_id: marc, status: 'posted' })] });
  for (const id of [anna, marc]) {
    expect((await timeline(id)).filter((e) => e.type === 'message.sent')).toEqual([expect.objectContaining({ data: expect.objectContaining({ channel: 'letter', delivery: 'posted' }) })]);
  }

  // Again: nothing changes, no second event.
  const again = await stack.request('POST', `/api/v2/print_batches/${batch.id}/posted`, { key: OPS_KEY });
  expect(again.status).toBe(200);
  expect(again.body.posted_at).toBe(posted.body.posted_at);
  expect((await timeline(anna)).filter((e) => e.type === 'message.sent')).toHaveLength(1);

  // The next letter of the day starts a new batch; the list pages newest first.
  await queueLetter(await draftInvoice({ last_name: 'Later', locale: 'en', timezone: 'Europe/Amsterdam', address: { street: 'Dam 1', postal_code: '1012 JS', city: 'Amsterdam', country: 'NL' } }));
  const first = await stack.request('GET', '/api/v2/print_batches?limit=1', { key: OPS_KEY });
  expect(first.body.data).toEqual([expect.objectContaining({ status: 'open', letter_count: 1 })]);
  const second = await stack.request('GET', `/api/v2/print_batches?limit=1&cursor=${first.body.next_cursor}`, { key: OPS_KEY });
  expect(second.body).toEqual({ data: [expect.objectContaining({ id: batch.id, status: 'posted' })], next_cursor: null });
});

test('partner and reviewer keys are refused every print batch route (403), whatever the batch', async () => {
  await queueLetter(await draftInvoice({ last_name: 'Own', locale: 'en', timezone: 'Europe/Amsterdam', address: { street: 'Dam 2', postal_code: '1012 JS', city: 'Amsterdam', country: 'NL' } }));
  const [batch] = (await stack.request('GET', '/api/v2/print_batches', { key: OPS_KEY })).body.data;
  for (const key of [partner.key, reviewerKey]) {
    expect((await stack.request('GET', '/api/v2/print_batches', { key })).status).toBe(403);
    expect((await stack.request('GET', `/api/v2/print_batches/${batch.id}`, { key })).status).toBe(403);
    expect((await download(`/api/v2/print_batches/${batch.id}.pdf`, key)).status).toBe(403);
    const mark = await stack.request('POST', `/api/v2/print_batches/${batch.id}/posted`, { key });
    expect(mark.status).toBe(403);
  }
  expect((await stack.request('GET', `/api/v2/print_batches/${batch.id}`, { key: OPS_KEY })).body.status).toBe('open');
});

test('an unknown batch is a 404 and a bad page size a 400 naming the field', async () => {
  expect((await stack.request('GET', '/api/v2/print_batches/pb_unknown', { key: OPS_KEY })).status).toBe(404);
  expect((await download('/api/v2/print_batches/pb_unknown.pdf', OPS_KEY)).status).toBe(404);
  expect((await stack.request('POST', '/api/v2/print_batches/pb_unknown/posted', { key: OPS_KEY })).status).toBe(404);
  const bad = await stack.request('GET', '/api/v2/print_batches?limit=0', { key: OPS_KEY });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details).toEqual([expect.objectContaining({ path: 'limit' })]);
});
