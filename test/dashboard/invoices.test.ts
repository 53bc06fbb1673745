import { dateFrom } from '../support/seed';
import { eventually } from '../support/eventually';
import { invoiceBody, startStack, type Stack } from '../support/stack';
import { addCompanyUser, csrfOf, DashboardClient, signedInAs } from './dashboard-client';

/**
 * The dashboard's invoices over real HTTP against the whole product (time-skipping Temporal,
 * database, SMTP): the list with its filters, search and paging, an invoice's page with its
 * timeline, and an admin's credit / retract / hold / resume going through the invoice's workflow
 * as the partner API's do (and visible through the partner API). Viewers change nothing, forms
 * need their CSRF token, and another company's invoice is a 404.
 */
jest.setTimeout(180_000);

let stack: Stack;
const a = { key: '', companyId: '', partnerId: '' };
const b = { key: '', companyId: '', partnerId: '' };
let admin: DashboardClient;
let viewer: DashboardClient;
let betaAdmin: DashboardClient;
/** Invoice ids by number. */
const ids: Record<string, string> = {};
let betaInvoice = '';

/** Wall-clock days from today: the dashboard's "days overdue" count from the company's today. */
const day = (n: number) => dateFrom(Date.now(), n);

// Alpha's policy: one dunning level at the due date with a fixed fee charged after a day's notice,
// debt collection far away (overdue invoices stay overdue), no gap between contacts.
const policy = {
  steps: [
    { offset_days: 0, action: 'dunning_level', level: 1, channels: ['email'], fee: { type: 'fixed', amount_cents: 500 } },
    { offset_days: 700, action: 'debt_collection', channels: [] },
  ],
  fee_notice_days: 1,
  min_days_between_contacts: 0,
};

const person = (first: string, last: string) => ({ first_name: first, last_name: last, email: `${first.toLowerCase()}@example.nl`, locale: 'nl', timezone: 'Europe/Amsterdam' });

async function newImport(key: string, companyId: string, invoices: Array<{ number: string; due: string; debtor: ReturnType<typeof person>; cents?: number }>): Promise<string> {
  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  for (const inv of invoices) {
    const body = invoiceBody(imp.body.id, {
      invoice_number: inv.number,
      issue_date: dateFrom(Date.parse(`${inv.due}T00:00:00Z`), -30),
      due_date: inv.due,
      debtor: inv.debtor,
      invoice_lines: [{ description: `Contribution ${inv.number}`, amount_cents: inv.cents ?? 12_000, quantity: 1, vat_rate: 21 }],
    });
    const created = await stack.request('POST', '/api/v2/invoices', { key, body });
    if (created.status !== 201) throw new Error(`${inv.number}: ${created.status} ${JSON.stringify(created.body)}`);
    ids[inv.number] = created.body.id;
  }
  return imp.body.id;
}

async function transmit(key: string, importId: string, numbers: string[]): Promise<void> {
  expect((await stack.request('POST', `/api/v2/imports/${importId}/transmit`, { key })).status).toBe(202);
  await eventually(async () => {
    for (const n of numbers) expect((await apiInvoice(ids[n]!)).status).not.toBe('draft');
  }, 60_000);
}

const apiInvoice = async (id: string, key = a.key) => (await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body;
const apiEvents = async (id: string) => (await stack.request('GET', `/api/v2/invoices/${id}/events`, { key: a.key })).body.data as Array<{ type: string; data: Record<string, unknown> }>;

/**
 * What the dashboard's actions change on an invoice: its status, amounts and action events (its
 * workflow's own notices may go out meanwhile, so not the whole invoice).
 */
async function actionState(id: string) {
  const { status, amount_credited_cents, amount_due_cents } = await apiInvoice(id);
  const actions = (await apiEvents(id)).filter((ev) => ['invoice.credited', 'invoice.on_hold', 'invoice.resumed', 'invoice.retracted'].includes(ev.type));
  return { status, amount_credited_cents, amount_due_cents, actions };
}

/** The invoice numbers of a list page, in order. */
const numbersOf = (html: string): string[] => [...html.matchAll(/data-testid="invoice-row" data-invoice-id="[^"]+"><td><a href="[^"]+">([^<]+)</g)].map((m) => m[1]!);
const nextLinkOf = (html: string): string | undefined => /<a rel="next" href="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');

beforeAll(async () => {
  stack = await startStack();
  Object.assign(a, await stack.newPartner('Alpha'));
  Object.assign(b, await stack.newPartner('Beta'));
  expect((await stack.request('PUT', `/api/v2/companies/${a.companyId}/dunning_policy`, { key: a.key, body: { policy } })).status).toBe(200);
  admin = await signedInAs(stack, (await addCompanyUser(stack, a.key, a.companyId, 'admin@alpha.example', 'admin')).id);
  viewer = await signedInAs(stack, (await addCompanyUser(stack, a.key, a.companyId, 'viewer@alpha.example', 'viewer')).id);
  betaAdmin = await signedInAs(stack, (await addCompanyUser(stack, b.key, b.companyId, 'admin@beta.example', 'admin')).id);

  const anna = person('Anna', 'de Vries');
  const listed = await newImport(a.key, a.companyId, [
    { number: 'ALP-001', due: day(-120), debtor: anna },
    { number: 'ALP-002', due: day(-75), debtor: person('Bob', 'Jansen') },
    { number: 'ALP-003', due: day(-45), debtor: anna },
    { number: 'ALP-004', due: day(-10), debtor: person('Carla', 'Smit') },
    { number: '100%_REF', due: day(20), debtor: person('Dirk', 'Bakker') },
  ]);
  await transmit(a.key, listed, ['ALP-001', 'ALP-002', 'ALP-003', 'ALP-004', '100%_REF']);
  await newImport(a.key, a.companyId, [{ number: 'ALP-DRAFT', due: day(40), debtor: person('Eva', 'Visser') }]);
  const beta = await newImport(b.key, b.companyId, [{ number: 'BET-001', due: day(-10), debtor: person('Anna', 'de Vries') }]);
  await transmit(b.key, beta, ['BET-001']);
  betaInvoice = ids['BET-001']!;
}, 240_000);

afterAll(() => stack?.close());

test('the list shows the company’s own invoices, newest first, with amounts and dates in the reader’s language', async () => {
  const page = await admin.get('/dashboard/invoices');
  expect(page.status).toBe(200);
  expect(numbersOf(page.html)).toEqual(['ALP-DRAFT', '100%_REF', 'ALP-004', 'ALP-003', 'ALP-002', 'ALP-001']);
  expect(page.html).not.toContain('BET-001');
  // Alpha's people read Dutch (the company's language): amounts, dates, statuses, the form.
  expect(page.html).toMatch(/€\s120,00/);
  expect(page.html).toContain(`<time datetime="${day(40)}">`);
  expect(page.html).toContain('>concept</span>');
  expect(page.html).toContain('<form method="get" action="/dashboard/invoices"');
  expect(page.html).toContain('<label for="f-q">Factuurnummer of naam debiteur</label>');
  expect(page.html).toContain('class="table-scroll"');
  // In English when the reader picks it.
  admin.cookies.set('recoup_dashboard_lang', 'en');
  const en = await admin.get('/dashboard/invoices');
  expect(en.html).toMatch(/€120\.00/);
  expect(en.html).toContain('>draft</span>');
  admin.cookies.delete('recoup_dashboard_lang');
});

test.each([
  ['status=draft', ['ALP-DRAFT']],
  ['overdue=days_0_30', ['ALP-004']],
  ['overdue=days_31_60', ['ALP-003']],
  ['overdue=days_61_90', ['ALP-002']],
  ['overdue=days_90_plus', ['ALP-001']],
  ['q=VRIES', ['ALP-003', 'ALP-001']],
  ['q=alp-00', ['ALP-004', 'ALP-003', 'ALP-002', 'ALP-001']],
  // LIKE wildcards typed in the search are themselves: only the number that holds them.
  ['q=%25', ['100%_REF']],
  ['q=_', ['100%_REF']],
  ['q=vries&overdue=days_31_60', ['ALP-003']],
  ['status=paid', []],
  ['q=BET', []],
])('the filter %s lists %j', async (query, expected) => {
  const page = await admin.get(`/dashboard/invoices?${query}`);
  expect(page.status).toBe(200);
  expect(numbersOf(page.html)).toEqual(expected);
});

test('a debtor’s link lists only that debtor’s invoices; another company’s debtor lists nothing', async () => {
  const debtorId = (await apiInvoice(ids['ALP-001']!)).debtor_id as string;
  const list = await admin.get('/dashboard/invoices');
  expect(list.html).toContain(`href="/dashboard/invoices?debtor=${debtorId}" data-testid="debtor-link">Anna de Vries</a>`);
  const page = await admin.get(`/dashboard/invoices?debtor=${debtorId}`);
  expect(numbersOf(page.html)).toEqual(['ALP-003', 'ALP-001']);
  expect(page.html).toContain('Alleen de facturen van Anna de Vries.');
  expect(numbersOf((await betaAdmin.get(`/dashboard/invoices?debtor=${debtorId}`)).html)).toEqual([]);
});

test('paging follows the cursor, keeps the filters, and ends', async () => {
  const seen: string[][] = [];
  let path: string | undefined = '/dashboard/invoices?q=alp&limit=2';
  while (path) {
    const page = await admin.get(path);
    expect(page.status).toBe(200);
    seen.push(numbersOf(page.html));
    path = nextLinkOf(page.html);
    if (path) expect(path).toMatch(/^\/dashboard\/invoices\?q=alp&limit=2&cursor=/);
  }
  expect(seen).toEqual([['ALP-DRAFT', 'ALP-004'], ['ALP-003', 'ALP-002'], ['ALP-001']]);
});

test.each([
  ['status=bogus', 'status'],
  ['status=open&status=paid', 'status'],
  ['overdue=5', 'overdue'],
  ['debtor=../x', 'debtor'],
  ['q=<101 characters>', 'q'],
  ['cursor=not-a-cursor', 'cursor'],
  ['limit=0', 'limit'],
])('a bad filter (%s) is a 400 page naming the field %s', async (query, field) => {
  const page = await admin.get(`/dashboard/invoices?${query.replace('<101 characters>', 'x'.repeat(101))}`);
  expect(page.status).toBe(400);
  expect(page.html).toContain(`data-field="${field}"`);
  expect(page.html).toContain('is niet geldig');
  expect(numbersOf(page.html)).toEqual([]);
});

test('an invoice’s page: lines, amounts, the debtor, messages with their delivery, the fee and a payment with why each happened', async () => {
  const now = await stack.env.currentTimeMs();
  const imp = await newImport(a.key, a.companyId, [{ number: 'FEE-1', due: dateFrom(now, -2), debtor: person('Fenna', 'Kok'), cents: 10_000 }]);
  const id = ids['FEE-1']!;
  await transmit(a.key, imp, ['FEE-1']);
  // The dunning notice announces the fee; a day after it reached the debtor, the fee is charged.
  await eventually(async () => {
    await stack.env.sleep('1 day');
    expect((await apiInvoice(id)).fees_cents).toBe(500);
  }, 90_000);
  const paid = await stack.request('POST', `/api/v2/invoices/${id}/payments`, { key: a.key, body: { amount_cents: 4_000, external_id: 'bank-77' } });
  expect(paid.status).toBe(201);

  const page = await admin.get(`/dashboard/invoices/${id}`);
  expect(page.status).toBe(200);
  expect(page.html).toContain('Factuur FEE-1');
  expect(page.html).toContain('Contribution FEE-1');
  expect(page.html).toMatch(/data-testid="amount-total">€\s100,00</);
  expect(page.html).toMatch(/data-testid="amount-paid">€\s40,00</);
  expect(page.html).toMatch(/data-testid="fees">€\s5,00</);
  expect(page.html).toMatch(/data-testid="amount-due"><strong>€\s65,00</);
  expect(page.html).toContain('data-testid="dunning-level">1<');
  expect(page.html).toContain('data-testid="debtor-name">Fenna Kok</strong>');
  expect(page.html).toContain('fenna@example.nl');
  // Money movements, translated.
  expect(page.html).toMatch(/data-kind="fee"><td class="when">.*?<\/td><td>Kosten<\/td><td class="num">€\s5,00<\/td><td>dunning level 1<\/td>/);
  expect(page.html).toMatch(/data-kind="payment"><td class="when">.*?<\/td><td>Betaling<\/td><td class="num">€\s40,00</);
  // The timeline: a message with its delivery now, the fee with why, the payment.
  expect(page.html).toMatch(/data-testid="delivery" data-channel="email" data-status="accepted">E-mail: <span class="badge badge-accepted">aangenomen<\/span>/);
  expect(page.html).toContain('data-type="invoice.dunning_level_changed"');
  expect(page.html).toMatch(/Dunning level 1, fee €5\.00 announced/);
  expect(page.html).toContain('data-type="invoice.payment_received"');
  expect(page.html).toContain('Payment received: €40.00 (external id bank-77');
  expect(page.html).toContain('<th>Wanneer</th><th>Gebeurtenis</th>');
  // An admin sees the forms.
  for (const form of ['credit', 'hold', 'retract']) expect(page.html).toContain(`data-testid="${form}-form"`);
});

async function freshInvoice(number: string): Promise<string> {
  const imp = await newImport(a.key, a.companyId, [{ number, due: day(10), debtor: person('Gijs', number.toLowerCase()) }]);
  await transmit(a.key, imp, [number]);
  return ids[number]!;
}

const act = async (client: DashboardClient, id: string, action: string, form: Record<string, string>) =>
  client.post(`/dashboard/invoices/${id}/${action}`, { _csrf: csrfOf(await client.get('/dashboard/invoices')), ...form });

test('an admin credits, holds, resumes and retracts through the invoice’s workflow; the partner API sees each, with its reason', async () => {
  const id = await freshInvoice('ACT-1');
  const credited = await act(admin, id, 'credit', { amount: '12,50', reason: 'Goodwill for the late start' });
  expect(credited).toMatchObject({ status: 303, location: `/dashboard/invoices/${id}?done=credit` });
  const after = await admin.get(credited.location!);
  expect(after.html).toContain('data-testid="notice">Gecrediteerd.');
  expect(after.html).toMatch(/data-testid="amount-credited">€\s12,50</);
  expect(await apiInvoice(id)).toMatchObject({ amount_credited_cents: 1_250, amount_due_cents: 10_750 });
  expect((await apiEvents(id)).find((ev) => ev.type === 'invoice.credited')?.data).toMatchObject({ credit_cents: 1_250, reason: 'Goodwill for the late start' });

  expect((await act(admin, id, 'hold', { reason: 'Debtor disputes by phone' })).status).toBe(303);
  expect((await apiInvoice(id)).status).toBe('on_hold');
  expect((await apiEvents(id)).find((ev) => ev.type === 'invoice.on_hold')?.data).toMatchObject({ reason: 'Debtor disputes by phone' });
  const held = await admin.get(`/dashboard/invoices/${id}`);
  expect(held.html).toContain('data-testid="resume-form"');
  expect(held.html).not.toContain('data-testid="hold-form"');

  expect((await act(admin, id, 'resume', {})).status).toBe(303);
  expect((await apiInvoice(id)).status).toBe('open');

  expect((await act(admin, id, 'retract', { reason: 'Sent in error' })).status).toBe(303);
  expect((await apiInvoice(id)).status).toBe('retracted');
  expect((await apiEvents(id)).find((ev) => ev.type === 'invoice.retracted')?.data).toMatchObject({ reason: 'Sent in error' });

  // Closed: no forms, and a form sent anyway is refused with the domain's message.
  const closed = await admin.get(`/dashboard/invoices/${id}`);
  expect(closed.html).not.toContain('data-testid="credit-form"');
  for (const [action, form] of [
    ['credit', { amount: '1', reason: 'again' }],
    ['hold', { reason: 'again' }],
    ['resume', {}],
    ['retract', { reason: 'again' }],
  ] as const) {
    const refused = await act(admin, id, action, form);
    expect({ action, status: refused.status }).toEqual({ action, status: 409 });
    expect(refused.html).toContain('Niet uitgevoerd: The invoice is retracted');
  }
  expect(await apiInvoice(id)).toMatchObject({ status: 'retracted', amount_credited_cents: 1_250 });
});

test('a form with a bad field comes back naming it, and nothing changes', async () => {
  const id = await freshInvoice('ACT-2');
  const before = await actionState(id);
  const cases: Array<[string, Record<string, string>, number, string]> = [
    ['credit', { amount: 'twelve', reason: 'x' }, 400, 'amount'],
    ['credit', { amount: '0', reason: 'x' }, 400, 'amount'],
    ['credit', { amount: '12,50', reason: '  ' }, 400, 'reason'],
    ['hold', { reason: '' }, 400, 'reason'],
    ['retract', { reason: 'y'.repeat(501) }, 400, 'reason'],
  ];
  for (const [action, form, status, field] of cases) {
    const res = await act(admin, id, action, form);
    expect({ action, form, status: res.status }).toEqual({ action, form, status });
    expect(res.html).toContain(`data-field="${field}"`);
    // What was typed comes back in the form.
    if (form.amount) expect(res.html).toContain(`value="${form.amount}"`);
  }
  // More credit than is due: the workflow's refusal, on the page.
  const tooMuch = await act(admin, id, 'credit', { amount: '500', reason: 'too much' });
  expect(tooMuch.status).toBe(422);
  expect(tooMuch.html).toContain('Niet uitgevoerd:');
  expect(await actionState(id)).toEqual(before);
});

test('a viewer sees no forms and their POST is a 403 that changes nothing', async () => {
  const id = await freshInvoice('VIEW-1');
  const page = await viewer.get(`/dashboard/invoices/${id}`);
  expect(page.status).toBe(200);
  expect(page.html).not.toContain('data-testid="actions"');
  expect(page.html).not.toContain(`action="/dashboard/invoices/${id}/`);
  for (const [action, form] of [
    ['credit', { amount: '10', reason: 'x' }],
    ['hold', { reason: 'x' }],
    ['resume', {}],
    ['retract', { reason: 'x' }],
  ] as const) {
    expect({ action, status: (await act(viewer, id, action, form)).status }).toEqual({ action, status: 403 });
  }
  expect(await apiInvoice(id)).toMatchObject({ status: 'open', amount_credited_cents: 0 });
});

test('a form without its session’s CSRF token is refused and changes nothing', async () => {
  const id = await freshInvoice('CSRF-1');
  const viewersToken = csrfOf(await viewer.get('/dashboard/invoices'));
  for (const token of [undefined, 'forged', viewersToken]) {
    const res = await admin.post(`/dashboard/invoices/${id}/retract`, { ...(token ? { _csrf: token } : {}), reason: 'forged' });
    expect(res.status).toBe(403);
  }
  expect((await apiInvoice(id)).status).toBe('open');
});

test('another company’s invoice is not found: its page and every action are 404, and nothing changes', async () => {
  const mine = ids['ALP-004']!;
  expect((await betaAdmin.get(`/dashboard/invoices/${mine}`)).status).toBe(404);
  expect((await admin.get(`/dashboard/invoices/${betaInvoice}`)).status).toBe(404);
  expect((await admin.get('/dashboard/invoices/inv_does_not_exist')).status).toBe(404);
  const before = await actionState(mine);
  for (const [action, form] of [
    ['credit', { amount: '10', reason: 'x' }],
    ['hold', { reason: 'x' }],
    ['resume', {}],
    ['retract', { reason: 'x' }],
  ] as const) {
    const res = await act(betaAdmin, mine, action, form);
    expect({ action, status: res.status }).toEqual({ action, status: 404 });
    expect(res.html).not.toContain('ALP-004');
  }
  expect(await actionState(mine)).toEqual(before);
  expect((await apiInvoice(betaInvoice, b.key)).status).not.toBe('retracted');
});
