import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import type { BenchStack } from './harness';
import type { SeededImport } from './protocol';

export interface RouteResult {
  name: string;
  /** Which round of the routes (`rounds` > 1), from 1. */
  round?: number;
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
  /** Each route was measured this many times, the four in turn each time (1 unless asked). */
  rounds?: number;
  bodyBytes: number;
  routes: RouteResult[];
}

export const BARE_GET = 'bare Express GET';
/** The bare GET after the API GET's one database statement: the reference for a route that reads once. */
export const BARE_GET_READ = 'bare Express GET + its read';
export const API_GET = 'GET /invoices/{id}';
export const BARE_POST = 'bare Express POST';
/** The bare POST after the API POST handler's own statements: the reference for a route that writes one invoice. */
export const BARE_POST_WRITE = 'bare Express POST + its writes';
export const API_POST = 'POST /invoices';

/**
 * req/s of a route over its bare Express twin, the median over the rounds (each round's routes ran
 * one after the other); `bareGetRead`: the bare GET with the API GET's read over the bare GET,
 * `barePostWrite`: the bare POST with the API POST handler's writes over the bare POST (each
 * undefined for a run from before it was measured).
 */
export function apiRatios(a: ApiResult): { apiGet: number; apiPost: number; bareGetRead?: number; barePostWrite?: number } {
  const rounds = [...new Set(a.routes.map((r) => r.round ?? 1))];
  const ratio = (route: string, bare: string) =>
    median(
      rounds.map((round) => {
        const rps = (name: string) => a.routes.find((r) => r.name === name && (r.round ?? 1) === round)?.requestsPerSecond ?? 0;
        return rps(route) / Math.max(rps(bare), 1);
      }),
    );
  const measured = (name: string) => a.routes.some((r) => r.name === name);
  return {
    apiGet: ratio(API_GET, BARE_GET),
    apiPost: ratio(API_POST, BARE_POST),
    ...(measured(BARE_GET_READ) ? { bareGetRead: ratio(BARE_GET_READ, BARE_GET) } : {}),
    ...(measured(BARE_POST_WRITE) ? { barePostWrite: ratio(BARE_POST_WRITE, BARE_POST) } : {}),
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  const m = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return Math.round(m * 1000) / 1000;
}

/** One autocannon run against one route. */
export async function cannon(name: string, method: 'GET' | 'POST', url: string, o: { connections: number; duration: number; headers: Record<string, string>; body?: () => string }): Promise<RouteResult> {
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
 * POST /invoices requests: a draft import of the seeded company for them to join, and a body
 * with a new invoice number each time (autocannon adds a new Idempotency-Key to each).
 */
export async function draftInvoicePosts(apiUrl: string, seeded: SeededImport): Promise<{ headers: Record<string, string>; body: () => string }> {
  const auth = { authorization: `Bearer ${seeded.key}` };
  const imp = await fetch(`${apiUrl}/api/v2/imports`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ company_id: seeded.companyId, title: 'Benchmark POSTs' }) });
  if (imp.status !== 201) throw new Error(`POST /imports answered ${imp.status}: ${await imp.text()}`);
  const draftImportId = ((await imp.json()) as { id: string }).id;
  let n = 0;
  const body = () =>
    JSON.stringify({
      import_id: draftImportId,
      invoice_number: `P-${++n}-${randomUUID().slice(0, 8)}`,
      issue_date: '2026-11-01',
      due_date: '2027-01-15',
      debtor: { first_name: 'Anna', last_name: 'de Vries', email: 'anna@example.nl', locale: 'nl', timezone: 'Europe/Amsterdam' },
      invoice_lines: [{ description: 'Contributie 2027', amount_cents: 12_000, quantity: 1, vat_rate: 0 }],
    });
  return { headers: { ...auth, 'content-type': 'application/json' }, body };
}

/**
 * (b) Requests a second and latency of GET /invoices/{id} and POST /invoices (each POST a new
 * invoice number and Idempotency-Key), each next to a bare Express route in the same process
 * answering a body of the same size, the bare GET once more after running the API GET's one
 * database statement (how far a route that reads once can get on this machine), and the bare POST
 * once more after its handler's statements (how far a route that writes one invoice can get). `rounds` > 1
 * measures the routes in turn that many times (a load that comes and goes then touches a route and
 * its twin alike); `warmup` seconds of each route first, not measured.
 */
export async function runApiThroughput(
  stack: BenchStack,
  seeded: SeededImport,
  o: { connections: number; duration: number; rounds?: number; warmup?: number; log(line: string): void },
): Promise<ApiResult> {
  const { apiUrl, bareUrl } = stack.api;
  const auth = { authorization: `Bearer ${seeded.key}` };
  const invoiceId = seeded.invoiceIds[Math.floor(seeded.invoiceIds.length / 2)]!;
  const posts = await draftInvoicePosts(apiUrl, seeded);
  const sample = await fetch(`${apiUrl}/api/v2/invoices/${invoiceId}`, { headers: auth });
  if (sample.status !== 200) throw new Error(`GET /invoices/{id} answered ${sample.status}`);
  const bodyBytes = (await sample.text()).length;

  const routes = [
    { name: BARE_GET, method: 'GET', url: `${bareUrl}/bare/invoices/${invoiceId}`, headers: auth },
    { name: BARE_GET_READ, method: 'GET', url: `${bareUrl}/bare/invoices/${invoiceId}/read`, headers: auth },
    { name: API_GET, method: 'GET', url: `${apiUrl}/api/v2/invoices/${invoiceId}`, headers: auth },
    { name: BARE_POST, method: 'POST', url: `${bareUrl}/bare/invoices`, ...posts },
    { name: BARE_POST_WRITE, method: 'POST', url: `${bareUrl}/bare/invoices/write`, ...posts },
    { name: API_POST, method: 'POST', url: `${apiUrl}/api/v2/invoices`, ...posts },
  ] as const;
  if (o.warmup) for (const r of routes) await cannon(r.name, r.method, r.url, { ...r, connections: o.connections, duration: o.warmup });
  const rounds = o.rounds ?? 1;
  const results: RouteResult[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    for (const r of routes) {
      const done = { ...(await cannon(r.name, r.method, r.url, { ...r, connections: o.connections, duration: o.duration })), ...(rounds > 1 ? { round } : {}) };
      results.push(done);
      o.log(`  ${done.name}${rounds > 1 ? ` (round ${round})` : ''}: ${Math.round(done.requestsPerSecond)} req/s, p50 ${done.latencyMs.p50} ms, p99 ${done.latencyMs.p99} ms, non-2xx ${done.non2xx}, errors ${done.errors}`);
    }
  }
  return { connections: o.connections, durationSeconds: o.duration, ...(rounds > 1 ? { rounds } : {}), bodyBytes, routes: results };
}
