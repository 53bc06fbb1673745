import { ScheduleNotFoundError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createApiKey } from '../../services/api-keys';
import { pullScheduleId } from '../../workflows/pull-invoices.messages';
import { eventually } from '../support/eventually';
import { dateFrom } from '../support/seed';
import { OPS_KEY, startStack, workflowBundle, type Stack } from '../support/stack';
import { startPartnerEndpoint, type FeedAnswer, type PartnerEndpoint } from './partner-endpoint';

/**
 * The pull integration end to end: a partner endpoint on loopback, the real API over HTTP, the
 * real database, and the Temporal dev server (the time-skipping test server has no Schedules).
 */
const TOKEN = 'partner-feed-token-0123456789';
let stack: Stack;
let partner: PartnerEndpoint;

beforeAll(async () => {
  [stack, partner] = await Promise.all([startStack({ temporal: 'dev-server' }), startPartnerEndpoint(TOKEN)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([stack?.close(), partner?.close()]);
});

const issueDate = dateFrom(Date.now(), 0);
const dueDate = dateFrom(Date.now(), 45);

function partnerInvoice(externalId: string, overrides: Record<string, unknown> = {}) {
  return {
    external_id: externalId,
    invoice_number: `P-${externalId}`,
    issue_date: issueDate,
    due_date: dueDate,
    reference: `Contributie ${externalId}`,
    debtor: { first_name: 'Jan', last_name: 'Jansen', email: `${externalId}@example.nl`, locale: 'nl', timezone: 'Europe/Amsterdam' },
    invoice_lines: [{ description: 'Contributie 2027', amount_cents: 10_000, quantity: 1, vat_rate: 0 }],
    ...overrides,
  };
}

/** A partner with a verified company whose pull source reads `feed`. */
async function companyWithFeed(feed: string, answer: FeedAnswer, source: Record<string, unknown> = {}) {
  const p = await stack.newPartner(feed);
  partner.set(feed, answer);
  const put = await stack.request('PUT', `/api/v2/companies/${p.companyId}/pull_source`, {
    key: p.key,
    body: { url: partner.url(feed), bearer_token: TOKEN, auto_transmit: false, ...source },
  });
  expect(put.status).toBe(201);
  return p;
}

/** POST …/run, then waits until the run has recorded its outcome. */
async function runPull(key: string, companyId: string) {
  const path = `/api/v2/companies/${companyId}/pull_source`;
  const before = (await stack.request('GET', path, { key })).body.last_run_at;
  const run = await stack.request('POST', `${path}/run`, { key });
  expect(run.status).toBe(202);
  return eventually(async () => {
    const res = await stack.request('GET', path, { key });
    expect(res.body.last_run_at).not.toBe(before);
    return res.body;
  }, 30_000);
}

async function invoicesOf(key: string, query: string) {
  const res = await stack.request('GET', `/api/v2/invoices?${query}&limit=500`, { key });
  expect(res.status).toBe(200);
  return res.body.data as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

test('saving a pull source creates its Schedule, replacing it updates the Schedule and keeps the token, and GET never shows the token', async () => {
  const { key, companyId } = await stack.newPartner('Scheduled');
  const path = `/api/v2/companies/${companyId}/pull_source`;
  expect((await stack.request('GET', path, { key })).status).toBe(404);

  const created = await stack.request('PUT', path, { key, body: { url: partner.url('scheduled'), bearer_token: TOKEN, auto_transmit: true } });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({
    company_id: companyId,
    url: partner.url('scheduled'),
    interval_minutes: 60,
    auto_transmit: true,
    schedule_id: `pull-${companyId}`,
    last_run_at: null,
    last_status: null,
    last_error: null,
    last_imported_count: null,
  });
  expect(JSON.stringify(created.body)).not.toContain(TOKEN);

  const handle = stack.env.client.schedule.getHandle(pullScheduleId(companyId));
  const described = await handle.describe();
  expect(described.spec.intervals?.[0]?.every).toBe(60 * 60_000);
  expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'pullInvoicesWorkflow', taskQueue: stack.taskQueue, args: [{ companyId }] });
  expect(described.policies.overlap).toBe('SKIP');

  // Replaced without a token: the stored one is kept (a run still gets through the partner's 401).
  partner.set('scheduled', { kind: 'pages', pages: [[partnerInvoice('s-1')]] });
  const replaced = await stack.request('PUT', path, { key, body: { url: partner.url('scheduled'), interval_minutes: 15, auto_transmit: false } });
  expect(replaced.status).toBe(200);
  expect(replaced.body).toMatchObject({ interval_minutes: 15, auto_transmit: false });
  expect((await handle.describe()).spec.intervals?.[0]?.every).toBe(15 * 60_000);
  const got = await stack.request('GET', path, { key });
  expect(JSON.stringify(got.body)).not.toContain(TOKEN);
  expect(got.body).not.toHaveProperty('bearer_token');

  const run = await runPull(key, companyId);
  expect(run).toMatchObject({ last_status: 'succeeded', last_imported_count: 1 });
  expect(partner.requests('scheduled').every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
}, 60_000);

test('a pulled draft whose debtor changes joins the debtor its new details name', async () => {
  const { key, companyId } = await companyWithFeed('moved', { kind: 'pages', pages: [[partnerInvoice('m-1'), partnerInvoice('m-2')]] });
  await runPull(key, companyId);
  const before = Object.fromEntries((await invoicesOf(key, `company_id=${companyId}`)).map((i) => [i.external_id, i.debtor_id]));
  expect(before['m-1']).not.toBe(before['m-2']);

  // The partner corrects m-2: it is the same person as m-1 (same email).
  const m1 = partnerInvoice('m-1');
  partner.set('moved', { kind: 'pages', pages: [[m1, partnerInvoice('m-2', { debtor: m1.debtor })]] });
  expect((await runPull(key, companyId)).last_result).toMatchObject({ updated: 1, unchanged: 1 });
  const after = Object.fromEntries((await invoicesOf(key, `company_id=${companyId}`)).map((i) => [i.external_id, i.debtor_id]));
  expect(after).toEqual({ 'm-1': before['m-1'], 'm-2': before['m-1'] });
}, 60_000);

test('a run follows next_cursor into one draft import, a second run duplicates nothing, and a changed invoice is updated while draft', async () => {
  const pages = [[partnerInvoice('a-1'), partnerInvoice('a-2')], [partnerInvoice('a-3'), partnerInvoice('a-4')]];
  const { key, companyId } = await companyWithFeed('paged', { kind: 'pages', pages });

  const first = await runPull(key, companyId);
  expect(first).toMatchObject({ last_status: 'succeeded', last_error: null, last_imported_count: 4 });
  expect(first.last_result).toMatchObject({ pages: 2, received: 4, created: 4, updated: 0, unchanged: 0, invalid_count: 0, transmitted: false, transmit_skip_reason: 'auto_transmit_off' });
  expect(partner.requests('paged').map((r) => r.cursor)).toEqual([null, 'page-1']);
  const importId: string = first.draft_import_id;
  expect(first.last_result.import_id).toBe(importId);

  const imp = await stack.request('GET', `/api/v2/imports/${importId}`, { key });
  expect(imp.body).toMatchObject({ company_id: companyId, status: 'draft', counts: { total: 4, draft: 4 } });
  const pulled = await invoicesOf(key, `import_id=${importId}`);
  expect(pulled.map((i) => i.external_id).sort()).toEqual(['a-1', 'a-2', 'a-3', 'a-4']);
  const a1 = pulled.find((i) => i.external_id === 'a-1')!;
  expect(a1).toMatchObject({ invoice_number: 'P-a-1', status: 'draft', currency: 'EUR', amount_total_cents: 10_000, reference: 'Contributie a-1' });

  const second = await runPull(key, companyId);
  expect(second).toMatchObject({ last_status: 'succeeded', last_imported_count: 0, draft_import_id: importId });
  expect(second.last_result).toMatchObject({ created: 0, updated: 0, unchanged: 4 });
  expect(await invoicesOf(key, `company_id=${companyId}`)).toHaveLength(4);

  partner.set('paged', {
    kind: 'pages',
    pages: [[partnerInvoice('a-1', { invoice_lines: [{ description: 'Contributie 2027', amount_cents: 12_500, quantity: 2, vat_rate: 0 }] }), partnerInvoice('a-2')], pages[1]!],
  });
  const third = await runPull(key, companyId);
  expect(third.last_result).toMatchObject({ created: 0, updated: 1, unchanged: 3 });
  const updated = await stack.request('GET', `/api/v2/invoices/${a1.id}`, { key });
  expect(updated.body).toMatchObject({ id: a1.id, amount_total_cents: 25_000, invoice_lines: [{ amount_cents: 12_500, quantity: 2 }] });
  expect(await invoicesOf(key, `company_id=${companyId}`)).toHaveLength(4);

  // Every run was started by the company's Schedule, and each replays deterministically.
  const { info } = await stack.env.client.schedule.getHandle(pullScheduleId(companyId)).describe();
  expect(info.recentActions).toHaveLength(3);
  for (const action of info.recentActions) {
    const history = await stack.env.client.workflow.getHandle(action.action.workflow.workflowId, action.action.workflow.firstExecutionRunId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history);
  }
}, 90_000);

test('with auto_transmit a pulled import is transmitted and its invoices open; once transmitted they are skipped and new ones go into a new import', async () => {
  const { key, companyId } = await companyWithFeed('auto', { kind: 'pages', pages: [[partnerInvoice('t-1'), partnerInvoice('t-2')]] }, { auto_transmit: true });

  const first = await runPull(key, companyId);
  expect(first).toMatchObject({ last_status: 'succeeded', last_imported_count: 2 });
  expect(first.last_result).toMatchObject({ transmitted: true, transmit_skip_reason: null });
  const firstImport: string = first.last_result.import_id;
  await eventually(async () => {
    const list = await invoicesOf(key, `import_id=${firstImport}`);
    expect(list.map((i) => i.status)).toEqual(['open', 'open']);
  }, 30_000);
  await eventually(async () => expect((await stack.request('GET', `/api/v2/imports/${firstImport}`, { key })).body.status).toBe('transmitted'), 30_000);

  partner.set('auto', { kind: 'pages', pages: [[partnerInvoice('t-1', { reference: 'changed after transmission' }), partnerInvoice('t-2'), partnerInvoice('t-3')]] });
  const second = await runPull(key, companyId);
  expect(second.last_result).toMatchObject({ created: 1, updated: 0, skipped_transmitted: 2, transmitted: true });
  expect(second.last_result.import_id).not.toBe(firstImport);
  const t1 = (await invoicesOf(key, `import_id=${firstImport}`)).find((i) => i.external_id === 't-1')!;
  expect(t1.reference).toBe('Contributie t-1');
  await eventually(async () => {
    const list = await invoicesOf(key, `import_id=${second.last_result.import_id}`);
    expect(list.map((i) => [i.external_id, i.status])).toEqual([['t-3', 'open']]);
  }, 30_000);
}, 90_000);

test('auto_transmit leaves the import in draft while the company is not verified', async () => {
  const { key } = await stack.newPartner('Unverified');
  const company = await stack.request('POST', '/api/v2/companies', { key, body: { name: 'Nog niet geverifieerd', country: 'NL' } });
  partner.set('unverified', { kind: 'pages', pages: [[partnerInvoice('u-1')]] });
  const put = await stack.request('PUT', `/api/v2/companies/${company.body.id}/pull_source`, {
    key,
    body: { url: partner.url('unverified'), bearer_token: TOKEN, auto_transmit: true },
  });
  expect(put.status).toBe(201);
  const run = await runPull(key, company.body.id);
  expect(run).toMatchObject({ last_status: 'succeeded', last_imported_count: 1 });
  expect(run.last_result).toMatchObject({ transmitted: false, transmit_skip_reason: 'company_not_verified' });
  expect((await stack.request('GET', `/api/v2/imports/${run.draft_import_id}`, { key })).body.status).toBe('draft');
}, 60_000);

describe.each<[string, FeedAnswer, RegExp, { token?: string; attempts?: number }]>([
  ['answers 500', { kind: 'status', status: 500 }, /answered 500/, { attempts: 3 }],
  ['answers something that is not JSON', { kind: 'raw', body: '<html>oops</html>', contentType: 'text/html' }, /did not answer valid JSON/, { attempts: 1 }],
  ['answers JSON of another shape', { kind: 'raw', body: JSON.stringify({ data: [] }) }, /does not have the documented shape: invoices/, { attempts: 1 }],
  ['refuses the token (401)', { kind: 'pages', pages: [[partnerInvoice('x-1')]] }, /answered 401/, { token: 'wrong-token', attempts: 1 }],
  ['fails on the second page after a good first page', { kind: 'fails_at_page', pages: [[partnerInvoice('x-1')], [partnerInvoice('x-2')]], failAt: 1, status: 503 }, /answered 503/, { attempts: 4 }],
])('when the partner endpoint %s', (name, answer, error, o) => {
  test('the run is recorded as failed with the error and imports nothing', async () => {
    const feed = `failing-${name.replace(/[^a-z0-9]+/gi, '-')}`;
    const { key, companyId } = await companyWithFeed(feed, answer, { auto_transmit: true, ...(o.token ? { bearer_token: o.token } : {}) });
    const run = await runPull(key, companyId);
    expect(run).toMatchObject({ last_status: 'failed', last_imported_count: 0, draft_import_id: null });
    expect(run.last_error).toMatch(error);
    expect(run.last_error).not.toContain(TOKEN);
    expect(run.last_result).toMatchObject({ status: 'failed', created: 0, transmitted: false });
    expect(await invoicesOf(key, `company_id=${companyId}`)).toHaveLength(0);
    if (o.attempts) expect(partner.requests(feed)).toHaveLength(o.attempts);
  }, 60_000);
});

test('invalid records are skipped and reported while the valid ones are imported', async () => {
  const { key, companyId } = await companyWithFeed('mixed', {
    kind: 'pages',
    pages: [
      [
        partnerInvoice('ok-1'),
        partnerInvoice('bad-debtor', { debtor: { first_name: 'Zonder', email: 'zonder@example.nl' } }),
        partnerInvoice('bad-dates', { issue_date: '2026-12-01', due_date: '2026-11-01' }),
        { invoice_number: 'no-external-id' },
      ],
      [partnerInvoice('ok-2'), partnerInvoice('ok-1', { invoice_number: 'repeat' }), partnerInvoice('zero', { invoice_lines: [{ description: 'Free', amount_cents: 0 }] })],
    ],
  });
  const run = await runPull(key, companyId);
  expect(run).toMatchObject({ last_status: 'completed_with_errors', last_imported_count: 2 });
  expect(run.last_result).toMatchObject({ received: 7, created: 2, invalid_count: 5 });
  expect(run.last_error).toMatch(/^5 of 7 records skipped: page 1 invoices\[1\] \(external_id bad-debtor\): debtor.last_name: a debtor needs last_name or organization_name; page 1 invoices\[2\]/);
  const skipped = run.last_result.skipped as Array<{ page: number; index: number; external_id: string | null; errors: Array<{ path: string }> }>;
  expect(skipped.map((s) => [s.page, s.index, s.external_id, s.errors.map((e) => e.path).sort()])).toEqual([
    [1, 1, 'bad-debtor', ['debtor.last_name']],
    [1, 2, 'bad-dates', ['due_date']],
    [1, 3, null, expect.arrayContaining(['external_id', 'debtor', 'invoice_lines'])],
    [2, 2, 'zero', ['invoice_lines']],
    [2, 1, 'ok-1', ['external_id']],
  ]);
  const list = await invoicesOf(key, `company_id=${companyId}`);
  expect(list.map((i) => [i.external_id, i.invoice_number]).sort()).toEqual([
    ['ok-1', 'P-ok-1'],
    ['ok-2', 'P-ok-2'],
  ]);
}, 60_000);

test('a run follows at most 50 pages, imports what it fetched and reports the rest as not fetched', async () => {
  const pages = Array.from({ length: 52 }, (_, i) => [partnerInvoice(`pg-${i}`)]);
  const { key, companyId } = await companyWithFeed('endless', { kind: 'pages', pages });
  const run = await runPull(key, companyId);
  expect(run).toMatchObject({ last_status: 'completed_with_errors', last_imported_count: 50, last_error: 'stopped after 50 pages; the remaining pages were not fetched' });
  expect(run.last_result).toMatchObject({ pages: 50, truncated: true, created: 50 });
  expect(partner.requests('endless')).toHaveLength(50);
}, 60_000);

test("another partner's company is 404 on every pull_source route, a reviewer is 403, and ops may manage it", async () => {
  const owner = await companyWithFeed('tenancy', { kind: 'pages', pages: [[]] });
  const other = await stack.newPartner('Other');
  const path = `/api/v2/companies/${owner.companyId}/pull_source`;
  const calls: Array<[string, string, unknown]> = [
    ['GET', path, undefined],
    ['PUT', path, { url: partner.url('tenancy'), bearer_token: 'stolen', auto_transmit: true }],
    ['POST', `${path}/run`, undefined],
    ['DELETE', path, undefined],
  ];
  for (const [method, url, body] of calls) {
    const res = await stack.request(method, url, { key: other.key, body });
    expect([method, res.status, res.body.error.code]).toEqual([method, 404, 'not_found']);
  }
  const reviewer = await createApiKey(stack.database.db, { partnerId: other.partnerId, role: 'reviewer' });
  expect((await stack.request('GET', path, { key: reviewer.secret })).status).toBe(403);

  expect((await stack.request('GET', path, { key: OPS_KEY })).body).toMatchObject({ company_id: owner.companyId, auto_transmit: false });
  const run = await runPull(OPS_KEY, owner.companyId);
  expect(run).toMatchObject({ last_status: 'succeeded', last_imported_count: 0, draft_import_id: null });

  // Deleting stops it: the Schedule is gone and the source with it.
  expect((await stack.request('DELETE', path, { key: OPS_KEY })).status).toBe(204);
  await expect(stack.env.client.schedule.getHandle(pullScheduleId(owner.companyId)).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  expect((await stack.request('GET', path, { key: owner.key })).status).toBe(404);
  expect((await stack.request('POST', `${path}/run`, { key: owner.key })).status).toBe(404);
  expect((await stack.request('DELETE', path, { key: owner.key })).status).toBe(404);
}, 60_000);

describe('validation', () => {
  const valid = { url: 'https://partner.example/invoices', bearer_token: TOKEN, interval_minutes: 60, auto_transmit: false };
  test.each<[string, Record<string, unknown>, string]>([
    ['no url', { url: undefined }, 'url'],
    ['a url that is not http(s)', { url: 'ftp://partner.example/x' }, 'url'],
    ['a url that is no url', { url: 'partner invoices' }, 'url'],
    ['an interval under 5 minutes', { interval_minutes: 4 }, 'interval_minutes'],
    ['an interval over a day', { interval_minutes: 1441 }, 'interval_minutes'],
    ['a fractional interval', { interval_minutes: 7.5 }, 'interval_minutes'],
    ['auto_transmit that is not a boolean', { auto_transmit: 'yes' }, 'auto_transmit'],
    ['a token with a space', { bearer_token: 'two words' }, 'bearer_token'],
    ['no token on create', { bearer_token: undefined }, 'bearer_token'],
  ])('PUT with %s answers 400 naming the field', async (_name, change, path) => {
    const { key, companyId } = await stack.newPartner('Validating');
    const res = await stack.request('PUT', `/api/v2/companies/${companyId}/pull_source`, { key, body: { ...valid, ...change } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect((await stack.request('GET', `/api/v2/companies/${companyId}/pull_source`, { key })).status).toBe(404);
  });
});
