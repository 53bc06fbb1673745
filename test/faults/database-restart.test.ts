import { createApiKey, createPartner } from '../../services/api-keys';
import { companies } from '../../db/schema';
import { newId } from '../../services/ids';
import { invoiceBody } from '../support/stack';
import { useFaultStack } from './support/collection-run';

/**
 * PostgreSQL stopped under a running API and started again: meanwhile every route that needs the
 * database answers 503 with Retry-After (the client should try again; it is not our bug, so not 500)
 * and a write made during the outage leaves nothing behind; afterwards the same API process answers
 * normally again without a restart.
 */
const faultStack = useFaultStack();

test('the database restarted under the API: 503 with Retry-After meanwhile, then it recovers by itself', async () => {
  const stack = faultStack();
  const db = stack.database.db;
  const partner = await createPartner(db, { name: 'Restart Partner' });
  const key = (await createApiKey(db, { partnerId: partner.id, role: 'partner' })).secret;
  const companyId = newId('cmp');
  await db.insert(companies).values({ id: companyId, partnerId: partner.id, name: 'Restart Club', country: 'NL', currency: 'EUR', locale: 'nl', timezone: 'Europe/Amsterdam', status: 'verified' });
  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId, title: 'Before the restart' } });
  expect(imp.status).toBe(201);
  const invoice = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id) });
  expect(invoice.status).toBe(201);

  const calls: Array<[string, string, unknown?]> = [
    ['GET', '/api/v2/invoices'],
    ['GET', `/api/v2/invoices/${invoice.body.id}`],
    ['GET', '/api/v2/events'],
    ['GET', `/api/v2/companies/${companyId}`],
    ['POST', '/api/v2/imports', { company_id: companyId, title: 'During the outage' }],
    ['POST', '/api/v2/invoices', invoiceBody(imp.body.id, { invoice_number: 'OUTAGE-1' })],
  ];
  const call = ([method, path, body]: [string, string, unknown?], idempotencyKey?: string) =>
    stack.request(method, path, { key, body, headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {} });

  await stack.postgres.stop();
  const during = [];
  for (const c of calls) during.push({ call: `${c[0]} ${c[1]}`, ...(await call(c, c[0] === 'POST' ? `outage-${c[1]}` : undefined)) });
  // The same again: the pool's connections are gone now, not just the idle ones.
  for (const c of calls) during.push({ call: `${c[0]} ${c[1]} (again)`, ...(await call(c, c[0] === 'POST' ? `outage-${c[1]}` : undefined)) });
  const health = await stack.request('GET', '/healthz');
  await stack.postgres.start();

  const answers = during.map((d) => `${d.call} → ${d.status} ${d.body?.error?.code ?? ''} retry-after=${d.headers.get('retry-after') ?? '-'}`);
  expect(during.filter((d) => d.status !== 503 || d.body?.error?.code !== 'service_unavailable' || !d.headers.get('retry-after')).map((d) => d.call)).toEqual([]);
  expect(health.status).toBe(200);

  // Recovery: the same process, no restart. The first query after the restart may still meet a dead pooled connection.
  let recovered = await stack.request('GET', '/api/v2/invoices', { key });
  for (let i = 0; recovered.status !== 200 && i < 20; i++) {
    await new Promise((r) => setTimeout(r, 250));
    recovered = await stack.request('GET', '/api/v2/invoices', { key });
  }
  expect(recovered.status).toBe(200);
  expect(recovered.body.data.map((i: { id: string }) => i.id)).toEqual([invoice.body.id]);
  // The writes tried during the outage left nothing behind (no half-claimed idempotency key either): sent again, they happen once.
  const writes = [];
  for (const c of calls.filter((c) => c[0] === 'POST')) writes.push(await call(c, `outage-${c[1]}`));
  expect(writes.map((w) => w.status)).toEqual([201, 201]);
  const after = await stack.request('GET', '/api/v2/invoices', { key });
  expect(after.body.data).toHaveLength(2);

  console.log(`checked: PostgreSQL stopped (pg_ctl -m fast) under the API: ${during.length} requests over ${calls.length} routes all 503 service_unavailable with Retry-After, /healthz 200; ` +
    `after pg_ctl start the same API process answered 200 (${after.body.data.length} invoices: the one from before and the write retried after the outage, nothing from the outage itself)\n  ${answers.slice(0, calls.length).join('\n  ')}`);
}, 180_000);
