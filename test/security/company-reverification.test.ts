import { invoiceBody, OPS_KEY, startStack, type Stack } from '../support/stack';

/**
 * A verified company's identity and payout details are what ops checked against its documents;
 * changing them sends the company back to verification, and nothing new of it is transmitted until
 * ops have looked again. Other details change freely.
 */
let stack: Stack;
let key: string;

beforeAll(async () => {
  stack = await startStack();
  ({ key } = await stack.newPartner('Reverify'));
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const companyBody = {
  name: 'HC Groen-Wit',
  country: 'NL',
  contact: { email: 'penningmeester@groenwit.nl', phone: '+31201234567' },
  bank_account: { iban: 'NL91ABNA0417164300', bic: 'ABNANL2A', holder: 'HC Groen-Wit' },
};

/** A company of the partner, verified by ops. */
async function verifiedCompany(): Promise<string> {
  const created = await stack.request('POST', '/api/v2/companies', { key, body: companyBody });
  expect(created.status).toBe(201);
  const verified = await stack.request('POST', `/api/v2/companies/${created.body.id}/verification`, { key: OPS_KEY, body: { decision: 'approve', reason: 'documents match' } });
  expect(verified.body.status).toBe('verified');
  return created.body.id as string;
}

async function resetEventsOf(companyId: string) {
  const feed = await stack.request('GET', `/api/v2/events?company_id=${companyId}&type=company.verification_reset`, { key });
  expect(feed.status).toBe(200);
  return feed.body.data as Array<{ type: string; company_id: string; data: Record<string, unknown> }>;
}

describe('changing a verified company', () => {
  test.each<[string, Record<string, unknown>, string[]]>([
    ['a new IBAN', { bank_account: { ...companyBody.bank_account, iban: 'NL02ABNA0123456789' } }, ['bank_account']],
    ['a new account holder', { bank_account: { ...companyBody.bank_account, holder: 'Someone Else BV' } }, ['bank_account']],
    ['a new name', { name: 'HC Rood-Wit' }, ['name']],
    ['a new name and IBAN at once', { name: 'HC Rood-Wit', bank_account: { ...companyBody.bank_account, iban: 'NL02ABNA0123456789' } }, ['name', 'bank_account']],
  ])('%s sets it back to pending_verification with a company.verification_reset event', async (_case, patch, changed) => {
    const companyId = await verifiedCompany();
    const res = await stack.request('PATCH', `/api/v2/companies/${companyId}`, { key, body: patch });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('pending_verification');
    expect((await stack.request('GET', `/api/v2/companies/${companyId}`, { key })).body.status).toBe('pending_verification');
    expect(await resetEventsOf(companyId)).toEqual([
      expect.objectContaining({ type: 'company.verification_reset', company_id: companyId, data: { company_id: companyId, previous_status: 'verified', status: 'pending_verification', changed_fields: changed } }),
    ]);
  });

  test.each<[string, Record<string, unknown>]>([
    ['only the contact phone', { contact: { ...companyBody.contact, phone: '+31209876543' } }],
    ['the locale and timezone', { locale: 'en', timezone: 'Europe/London' }],
    ['the same name and bank account again', { name: companyBody.name, bank_account: companyBody.bank_account }],
  ])('changing %s keeps it verified, with no event', async (_case, patch) => {
    const companyId = await verifiedCompany();
    const res = await stack.request('PATCH', `/api/v2/companies/${companyId}`, { key, body: patch });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('verified');
    expect(await resetEventsOf(companyId)).toEqual([]);
  });

  test('after a reset, transmitting an import is refused with 409 company_not_verified until ops verify again', async () => {
    const companyId = await verifiedCompany();
    const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
    expect((await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id) })).status).toBe(201);

    await stack.request('PATCH', `/api/v2/companies/${companyId}`, { key, body: { bank_account: { ...companyBody.bank_account, iban: 'NL02ABNA0123456789' } } });
    const refused = await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key });
    expect({ status: refused.status, code: refused.body.error?.code }).toEqual({ status: 409, code: 'company_not_verified' });
    expect((await stack.request('GET', `/api/v2/imports/${imp.body.id}`, { key })).body.status).toBe('draft');

    await stack.request('POST', `/api/v2/companies/${companyId}/verification`, { key: OPS_KEY, body: { decision: 'approve', reason: 'new account checked' } });
    expect((await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key })).status).toBe(202);
  });

  test('a company not yet verified stays pending, and a rejected one stays rejected, without an event', async () => {
    const pending = (await stack.request('POST', '/api/v2/companies', { key, body: companyBody })).body.id as string;
    const rejected = (await stack.request('POST', '/api/v2/companies', { key, body: companyBody })).body.id as string;
    await stack.request('POST', `/api/v2/companies/${rejected}/verification`, { key: OPS_KEY, body: { decision: 'reject', reason: 'unreadable' } });
    for (const [id, status] of [[pending, 'pending_verification'], [rejected, 'rejected']] as const) {
      const res = await stack.request('PATCH', `/api/v2/companies/${id}`, { key, body: { bank_account: { ...companyBody.bank_account, iban: 'NL02ABNA0123456789' } } });
      expect(res.body.status).toBe(status);
      expect(await resetEventsOf(id)).toEqual([]);
    }
  });
});
