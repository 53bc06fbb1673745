import { eventually } from '../support/eventually';
import { invoiceBody, startStack, type Stack } from '../support/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

test('the preview of the default policy shows every step, each fee after its notice period conditional on the notice’s delivery, and the fallback letters', async () => {
  const { key, companyId } = await stack.newPartner('Preview');
  const res = await stack.request('POST', `/api/v2/companies/${companyId}/dunning_policy/preview`, {
    key,
    body: { invoice: { amount_cents: 100_000, currency: 'EUR', due_date: '2027-02-01', debtor: { country: 'NL', locale: 'nl', timezone: 'Europe/Amsterdam' } }, transmitted_at: '2027-01-10T12:00:00Z' },
  });
  expect(res.status).toBe(200);
  expect(res.body.policy_version).toBe(0);
  const timeline = res.body.timeline as Array<Record<string, unknown>>;
  expect(timeline.map((e) => `${String(e.action)}${e.fallback ? ':fallback' : ''}`)).toEqual([
    'invoice_notice',
    'reminder',
    'reminder',
    'reminder',
    'dunning_level',
    'dunning_level:fallback',
    'fee',
    'dunning_level',
    'dunning_level:fallback',
    'fee',
    'debt_collection',
  ]);
  expect(timeline[4]).toMatchObject({ level: 1, announced_fee_cents: 500, fee_pay_by: '2027-02-22' });
  expect(timeline[4]!.fee_cents).toBeUndefined();
  expect(timeline[5]).toMatchObject({ channels: ['letter'], fallback: 'letter', conditional: 'no_channel_accepted' });
  expect(timeline[6]).toMatchObject({ action: 'fee', fee_type: 'fixed', fee_cents: 500, conditional: 'notice_delivered', at: '2027-02-23T09:00:00.000Z' });
  expect(timeline[7]).toMatchObject({ level: 2, announced_fee_cents: 15_000, at: '2027-03-01T09:00:00.000Z' });
  expect(timeline[9]).toMatchObject({ action: 'fee', fee_type: 'wik', fee_cents: 15_000, conditional: 'notice_delivered', at: '2027-03-18T09:00:00.000Z' });
});

test('for a due date in the past the preview shows the notice alone, then the ladder from it with the policy’s gaps', async () => {
  const { key, companyId } = await stack.newPartner('Late');
  const res = await stack.request('POST', `/api/v2/companies/${companyId}/dunning_policy/preview`, {
    key,
    body: { invoice: { amount_cents: 100_000, currency: 'EUR', due_date: '2027-02-01' }, transmitted_at: '2027-02-21T12:00:00Z' },
  });
  expect(res.status).toBe(200);
  const timeline = res.body.timeline as Array<{ at: string; action: string; guardrails: unknown[]; fallback?: string }>;
  expect(timeline.filter((e) => e.at < '2027-02-24')).toEqual([expect.objectContaining({ action: 'invoice_notice', at: '2027-02-21T12:00:00.000Z' })]);
  const steps = timeline.filter((e) => e.action !== 'invoice_notice' && e.action !== 'fee' && !e.fallback);
  expect(steps.map((e) => e.at.slice(0, 10))).toEqual(['2027-02-24', '2027-02-28', '2027-03-06', '2027-03-13', '2027-03-27', '2027-04-13']);
  expect(timeline[1]!.guardrails).toContainEqual({ check: 'contact_gap', result: 'passed' });
});

test('letter steps for debtors without an address are accepted and show no_contact_details in the preview', async () => {
  const { key, companyId } = await stack.newPartner('Letters');
  const policy = { steps: [{ offset_days: 7, action: 'dunning_level', level: 1, channels: ['letter'], fee: { type: 'fixed', amount_cents: 1_000 } }, { offset_days: 14, action: 'reminder', channels: ['email'], fallback: 'letter' }] };
  expect((await stack.request('PUT', `/api/v2/companies/${companyId}/dunning_policy`, { key, body: { policy } })).status).toBe(200);
  const preview = (debtor: Record<string, unknown>) =>
    stack.request('POST', `/api/v2/companies/${companyId}/dunning_policy/preview`, {
      key,
      body: { invoice: { amount_cents: 20_000, currency: 'EUR', due_date: '2027-02-01', debtor }, transmitted_at: '2027-01-10T12:00:00Z' },
    });
  const noLetter = { check: 'no_contact_details', result: 'skipped', channel: 'letter' };
  const without = (await preview({ has_address: false })).body.timeline as Array<{ channels: string[]; guardrails: unknown[]; fallback?: string }>;
  expect(without.filter((e) => e.channels.includes('letter')).map((e) => e.guardrails)).toEqual([expect.arrayContaining([noLetter]), [noLetter]]);
  const withAddress = (await preview({ address: { street: 'Dorpsstraat 1', postal_code: '1234 AB', city: 'Utrecht', country: 'NL' } })).body.timeline as Array<{ guardrails: unknown[] }>;
  expect(withAddress.some((e) => JSON.stringify(e.guardrails).includes('no_contact_details'))).toBe(false);
  const bad = await stack.request('POST', `/api/v2/companies/${companyId}/dunning_policy/preview`, { key, body: { invoice: { amount_cents: 5, currency: 'EUR', due_date: '2027-02-01', debtor: { has_address: 'no' } } } });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details[0].path).toBe('invoice.debtor.has_address');
});

test('a policy with more than three channels in a step, or an unknown fallback, is refused with the field path', async () => {
  const { key, companyId } = await stack.newPartner('Bad policy');
  const put = (step: Record<string, unknown>) => stack.request('PUT', `/api/v2/companies/${companyId}/dunning_policy`, { key, body: { policy: { steps: [{ offset_days: 1, action: 'reminder', ...step }] } } });
  const tooMany = await put({ channels: ['email', 'sms', 'letter', 'email'] });
  expect(tooMany.status).toBe(400);
  expect(tooMany.body.error.details[0].path).toMatch(/^policy\.steps\.0\.channels|^steps\.0\.channels/);
  const fallback = await put({ channels: ['email'], fallback: 'sms' });
  expect(fallback.status).toBe(400);
  expect(fallback.body.error.details[0].path).toMatch(/steps\.0\.fallback$/);
  const gap = await stack.request('PUT', `/api/v2/companies/${companyId}/dunning_policy`, { key, body: { policy: { min_days_between_contacts: 31, steps: [{ offset_days: 1, action: 'reminder' }] } } });
  expect(gap.status).toBe(400);
  expect(gap.body.error.details[0].path).toMatch(/min_days_between_contacts$/);
  const stored = await stack.request('GET', `/api/v2/companies/${companyId}/dunning_policy`, { key });
  expect(stored.body.policy).toMatchObject({ min_days_between_contacts: 3, fee_notice_days: 7 });
});

test('a draft policy is previewed without saving it; bad input names the field', async () => {
  const { key, companyId } = await stack.newPartner('Draft');
  const draft = { steps: [{ offset_days: 7, action: 'dunning_level', level: 1, channels: ['email', 'sms'], fee: { type: 'percentage', percent: 5 } }] };
  const res = await stack.request('POST', `/api/v2/companies/${companyId}/dunning_policy/preview`, {
    key,
    body: { invoice: { amount_cents: 20_000, currency: 'EUR', due_date: '2027-02-01' }, policy: draft, transmitted_at: '2027-01-10T12:00:00Z' },
  });
  expect(res.body.timeline[1]).toMatchObject({ action: 'dunning_level', level: 1, announced_fee_cents: 1_000, channels: ['email', 'sms'] });
  expect(res.body.timeline[2]).toMatchObject({ action: 'fee', fee_type: 'percentage', fee_cents: 1_000, conditional: 'notice_delivered' });
  expect((await stack.request('GET', `/api/v2/companies/${companyId}/dunning_policy`, { key })).body.version).toBe(0);
  const bad = await stack.request('POST', `/api/v2/companies/${companyId}/dunning_policy/preview`, { key, body: { invoice: { amount_cents: -5, currency: 'EUR', due_date: '2027-02-01' } } });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details[0].path).toBe('invoice.amount_cents');
  const other = await stack.newPartner('Other');
  expect((await stack.request('POST', `/api/v2/companies/${companyId}/dunning_policy/preview`, { key: other.key, body: { invoice: { amount_cents: 5, currency: 'EUR', due_date: '2027-02-01' } } })).status).toBe(404);
});

test('a running invoice keeps the policy version it started with; a new version applies to newly transmitted ones', async () => {
  const { key, companyId } = await stack.newPartner('Versions');
  const { request } = stack;
  const policy = (days: number) => ({ steps: [{ offset_days: days, action: 'reminder', channels: ['email'] }] });
  expect((await request('PUT', `/api/v2/companies/${companyId}/dunning_policy`, { key, body: { policy: policy(3) } })).body.version).toBe(1);
  const transmit = async () => {
    const imp = await request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
    const inv = await request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id) });
    await request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key });
    return eventually(async () => {
      const r = await request('GET', `/api/v2/invoices/${inv.body.id}`, { key });
      expect(r.body.status).not.toBe('draft');
      return r.body;
    });
  };
  const first = await transmit();
  expect(first.policy_version).toBe(1);
  expect((await request('PUT', `/api/v2/companies/${companyId}/dunning_policy`, { key, body: { policy: policy(5) } })).body.version).toBe(2);
  const second = await transmit();
  expect(second.policy_version).toBe(2);
  expect((await request('GET', `/api/v2/invoices/${first.id}`, { key })).body.policy_version).toBe(1);
});
