import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import type { BenchStack } from './harness';
import type { SeededImport } from './protocol';

export interface RouteResult {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  requestsPerSecond: number;
  latencyMs: { p50: number; p97_5: number; p99: number; mean: number };
  requests: number;
  errors: number;
  non2xx: number;
}

export interface ApiResult {
  connections: number;
  durationSeconds: number;
  bodyBytes: number;
  routes: RouteResult[];
}

async function cannon(name: string, method: 'GET' | 'POST', url: string, o: { connections: number; duration: number; headers: Record<string, string>; body?: () => string }): Promise<RouteResult> {
  const result = await autocannon({
    url,
    connections: o.connections,
    duration: o.duration,
    method,
    headers: o.headers,
    ...(o.body ? { requests: [{ method, setupRequest: (req: autocannon.Request) => ({ ...req, body: o.body!(), headers: { ...req.headers, 'idempotency-key': randomUUID() } }) }] } : {}),
  });
  return {
    name,
    method,
    path: new URL(url).pathname,
    requestsPerSecond: result.requests.average,
    latencyMs: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99, mean: result.latency.mean },
    requests: result.requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/**
 * (b) Requests a second and latency of GET /invoices/{id} and POST /invoices (each POST a new
 * invoice number and Idempotency-Key), each next to a bare Express route in the same process
 * answering a body of the same size.
 */
export async function runApiThroughput(stack: BenchStack, seeded: SeededImport, o: { connections: number; duration: number; log(line: string): void }): Promise<ApiResult> {
  const { apiUrl, bareUrl } = stack.api;
  const auth = { authorization: `Bearer ${seeded.key}` };
  const invoiceId = seeded.invoiceIds[Math.floor(seeded.invoiceIds.length / 2)]!;
  // POST /invoices needs a draft import of the same company.
  const imp = await fetch(`${apiUrl}/api/v2/imports`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ company_id: seeded.companyId, title: 'Benchmark POSTs' }) });
  if (imp.status !== 201) throw new Error(`POST /imports answered ${imp.status}: ${await imp.text()}`);
  const draftImportId = ((await imp.json()) as { id: string }).id;
  let n = 0;
  const invoiceBody = () =>
    JSON.stringify({
      import_id: draftImportId,
      invoice_number: `P-${++n}-${randomUUID().slice(0, 8)}`,
      issue_date: '2026-11-01',
      due_date: '2027-01-15',
      debtor: { first_name: 'Anna', last_name: 'de Vries', email: 'anna@example.nl', locale: 'nl', timezone: 'Europe/Amsterdam' },
      invoice_lines: [{ description: 'Contributie 2027', amount_cents: 12_000, quantity: 1, vat_rate: 0 }],
    });
  const sample = await fetch(`${apiUrl}/api/v2/invoices/${invoiceId}`, { headers: auth });
  if (sample.status !== 200) throw new Error(`GET /invoices/{id} answered ${sample.status}`);
  const bodyBytes = (await sample.text()).length;

  const json = { 'content-type': 'application/json' };
  const common = { connections: o.connections, duration: o.duration };
  const routes: RouteResult[] = [];
  const run = async (r: Promise<RouteResult>) => {
    const done = await r;
    routes.push(done);
    o.log(`  ${done.name}: ${Math.round(done.requestsPerSecond)} req/s, p50 ${done.latencyMs.p50} ms, p99 ${done.latencyMs.p99} ms, non-2xx ${done.non2xx}, errors ${done.errors}`);
  };
  await run(cannon('bare Express GET', 'GET', `${bareUrl}/bare/invoices/${invoiceId}`, { ...common, headers: auth }));
  await run(cannon('GET /invoices/{id}', 'GET', `${apiUrl}/api/v2/invoices/${invoiceId}`, { ...common, headers: auth }));
  await run(cannon('bare Express POST', 'POST', `${bareUrl}/bare/invoices`, { ...common, headers: { ...auth, ...json }, body: invoiceBody }));
  await run(cannon('POST /invoices', 'POST', `${apiUrl}/api/v2/invoices`, { ...common, headers: { ...auth, ...json }, body: invoiceBody }));
  return { connections: o.connections, durationSeconds: o.duration, bodyBytes, routes };
}
