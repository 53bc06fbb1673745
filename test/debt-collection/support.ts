import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually } from '../support/eventually';
import type { HttpResponse, Stack } from '../support/stack';

/**
 * The create example of the debt collection document (shared/seeds/001), translated to snake_case
 * word for word: its string amounts and upper-case enums included.
 */
export function seedCaseBody(companyId: string, overrides: Record<string, unknown> = {}) {
  return {
    company_id: companyId,
    billing_address: {
      city: 'Winterthur',
      country: 'CH',
      family_name: 'Hans',
      gender: 'MALE',
      given_name: 'Tester',
      mobile_phone_number: '+41445331570',
      organization_name: 'customweb GmbH',
      post_code: '8400',
      postal_state: '8400',
      street: 'General-Guisan-Strasse 47',
    },
    contract_date: '2017-12-12',
    currency: 'CHF',
    due_date: '2018-01-01',
    environment: 'PRODUCTION',
    external_id: '11224454',
    language: 'de_DE',
    line_items: [{ amount_including_tax_cents: '120', name: 'test', quantity: '1', shipping_required: true, sku: 'test', type: 'PRODUCT', unique_id: '1' }],
    reference: 'test-case',
    ...overrides,
  };
}

let counter = 0;
/** A case body of a given amount, unique external id, in the company's currency. */
export function caseBody(companyId: string, o: { amountCents?: number; environment?: 'test' | 'production'; currency?: string; country?: string; invoiceId?: string } = {}) {
  counter += 1;
  return seedCaseBody(companyId, {
    external_id: `case-${Date.now().toString(36)}-${counter}`,
    environment: o.environment ?? 'production',
    currency: o.currency ?? 'EUR',
    billing_address: { city: 'Utrecht', country: o.country ?? 'NL', family_name: 'de Vries', given_name: 'Anna', post_code: '3511 AB', street: 'Oudegracht 1' },
    line_items: [{ amount_including_tax_cents: o.amountCents ?? 12_000, name: 'Membership 2027', quantity: 1, sku: 'MEM-2027', type: 'product', unique_id: 'l1' }],
    ...(o.invoiceId ? { invoice_id: o.invoiceId } : {}),
  });
}

/** Sets the company's ordered collector configurations. */
export async function configure(stack: Stack, key: string, companyId: string, configurations: unknown[]): Promise<void> {
  const res = await stack.request('PUT', `/api/v2/companies/${companyId}/debt_collector_configurations`, { key, body: { configurations } });
  if (res.status !== 200) throw new Error(`configurations refused: ${JSON.stringify(res.body)}`);
}

export async function createCase(stack: Stack, key: string, body: unknown): Promise<HttpResponse['body']> {
  const res = await stack.request('POST', '/api/v2/debt_collection_cases', { key, body });
  if (res.status !== 201) throw new Error(`case refused (${res.status}): ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Waits for the case (as the API shows it) to satisfy the expectation. */
export function caseEventually(stack: Stack, key: string, id: string, check: (body: HttpResponse['body']) => void, timeoutMs = 20_000) {
  return eventually(async () => {
    const res = await stack.request('GET', `/api/v2/debt_collection_cases/${id}`, { key });
    check(res.body);
    return res.body;
  }, timeoutMs);
}

export const timelineTypes = (c: { timeline: Array<{ type: string }> }) => c.timeline.map((e) => e.type);

/** Signs a collector callback as a collector would, independently of Recoup's own code. */
export function signAsCollector(secret: string, body: string, at = new Date()): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export interface CollectorRequest {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: { type: string; case: Record<string, unknown> & { id: string } };
}

/** A debt collector's HTTP API on loopback (port 0): records every request, answers 201 with a reference. */
export async function startCollectorServer() {
  const received: CollectorRequest[] = [];
  let status = 201;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      received.push({ path: req.url ?? '/', headers: req.headers, rawBody, body: JSON.parse(rawBody) });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ reference: `AG-${received.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/cases`,
    received,
    answer(code: number) {
      status = code;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
