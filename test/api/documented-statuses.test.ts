import { partnerApiDefinitions } from '../../api/partner-api';
import type { RouteDefinition } from '../../api/route-definition';
import { invoiceBody, OPS_KEY, startStack, type Stack } from '../support/stack';

/**
 * The OpenAPI document lists every status a route answers: requests that each route must refuse
 * (unknown ids in the path or in `company_id`, a body its schema rejects, malformed JSON, a body
 * over the limit, no API key) are sent to the real app, and every answer's status must be among
 * the responses the document gives that operation. A route that answers a status its entry does
 * not list fails here, naming the route and the request.
 */
let stack: Stack;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let doc: any;
let partner: { partnerId: string; key: string; companyId: string; importId: string; invoiceId: string; endpointId: string };

beforeAll(async () => {
  stack = await startStack();
  doc = (await stack.request('GET', '/api/v2/openapi.json')).body;
  const { partnerId, key, companyId } = await stack.newPartner('Documented statuses');
  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId, title: 'Drafts' } });
  const invoice = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id) });
  const endpoint = await stack.request('POST', '/api/v2/webhook_endpoints', { key, body: { url: 'https://partner.example/hooks' } });
  expect([imp.status, invoice.status, endpoint.status]).toEqual([201, 201, 201]);
  partner = { partnerId, key, companyId, importId: imp.body.id, invoiceId: invoice.body.id, endpointId: endpoint.body.id };
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/** The caller's own object for a path parameter where there is one, so the request gets past the lookup to the body. */
function ownId(path: string, name: string, offset: number): string {
  const collection = path.slice(0, offset).split('/').filter(Boolean).pop();
  if (name !== 'id') return `unknown_${name}`;
  switch (collection) {
    case 'partners':
      return partner.partnerId;
    case 'companies':
      return partner.companyId;
    case 'imports':
      return partner.importId;
    case 'invoices':
    case 'invoice':
      return partner.invoiceId;
    case 'webhook_endpoints':
      return partner.endpointId;
    default:
      return `unknown_${name}`;
  }
}

const fill = (route: RouteDefinition, ids: 'own' | 'unknown') =>
  `/api/v2${route.path.replace(/\{(\w+)\}/g, (_m, name: string, offset: number) => (ids === 'own' ? ownId(route.path, name, offset) : `unknown_${name}`))}`;

interface Probe {
  kind: string;
  path: string;
  key?: string;
  body?: unknown;
}

function probes(route: RouteDefinition): Probe[] {
  const key = route.roles.includes('partner') ? partner.key : OPS_KEY;
  const takesJson = route.body !== undefined && (route.bodyMediaType ?? 'application/json') === 'application/json';
  const sendsBody = route.method !== 'get' && route.method !== 'delete';
  const out: Probe[] = [{ kind: 'no API key', path: fill(route, 'own'), body: sendsBody ? {} : undefined }];
  if (route.path.includes('{')) out.push({ kind: 'unknown ids in the path', path: fill(route, 'unknown'), key, body: sendsBody ? {} : undefined });
  if (route.query && 'company_id' in route.query.shape) out.push({ kind: 'an unknown company_id', path: `${fill(route, 'own')}?company_id=cmp_unknown`, key });
  if (route.body) {
    out.push({ kind: 'a body its schema rejects', path: fill(route, 'own'), key, body: [1] });
    out.push({ kind: 'malformed JSON', path: fill(route, 'own'), key, body: '{"unclosed": ' });
  }
  if (takesJson) out.push({ kind: 'a body over 1 MB', path: fill(route, 'own'), key, body: { padding: 'x'.repeat(1_100_000) } });
  return out;
}

test('every status a route answers to a request it refuses is listed in its OpenAPI entry', async () => {
  const undocumented: string[] = [];
  let sent = 0;
  for (const route of partnerApiDefinitions) {
    const documented = Object.keys(doc.paths[route.path][route.method].responses);
    for (const probe of probes(route)) {
      const res = await stack.request(route.method.toUpperCase(), probe.path, { key: probe.key, body: probe.body });
      sent++;
      if (!documented.includes(String(res.status))) undocumented.push(`${route.method.toUpperCase()} ${route.path}, ${probe.kind}: ${res.status} (documented: ${documented.join(', ')})`);
    }
  }
  expect(sent).toBeGreaterThan(200);
  expect(undocumented).toEqual([]);
}, 300_000);
