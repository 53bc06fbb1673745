import { eventually } from '../support/eventually';
import { invoiceBody, startStack, type Stack } from '../support/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

test('the preview of the default policy shows every step, the WIK notice and its fee 17 days later', async () => {
  const { key, companyId } = await stack.newPartner('Preview');
  const res = await stack.request('POST', `/api/v2/companies/${companyId}/dunning_policy/preview`, {
    key,
    body: { invoice: { amount_cents: 100_000, currency: 'EUR', due_date: '2027-02-01', debtor: { country: 'NL', locale: 'nl', timezone: 'Europe/Amsterdam' } }, transmitted_at: '2027-01-10T12:00:00Z' },
  });
  expect(res.status).toBe(200);
  expect(res.body.policy_version).toBe(0);
  expect(res.body.timeline.map((e: { action: string }) => e.action)).toEqual(['invoice_notice', 'reminder', 'reminder', 'reminder', 'dunning_level', 'dunning_level', 'wik_fee', 'debt_collection']);
  const level2 = res.body.timeline[5];
  expect(level2).toMatchObject({ level: 2, announced_fee_cents: 15_000, at: '2027-03-01T09:00:00.000Z' });
  expect(res.body.timeline[6]).toMatchObject({ fee_cents: 15_000, at: '2027-03-18T09:00:00.000Z' });
});

test('a draft policy is previewed without saving it; bad input names the field', async () => {
  const { key, companyId } = await stack.newPartner('Draft');
  const draft = { steps: [{ offset_days: 7, action: 'dunning_level', level: 1, channels: ['email', 'sms'], fee: { type: 'percentage', percent: 5 } }] };
  const res = await stack.request('POST', `/api/v2/companies/${companyId}/dunning_policy/preview`, {
    key,
    body: { invoice: { amount_cents: 20_000, currency: 'EUR', due_date: '2027-02-01' }, policy: draft, transmitted_at: '2027-01-10T12:00:00Z' },
  });
  expect(res.body.timeline[1]).toMatchObject({ action: 'dunning_level', level: 1, fee_cents: 1_000, channels: ['email', 'sms'] });
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
