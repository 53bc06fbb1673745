import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import { components } from '../../api/openapi/registry';
import { partnerApiRoutes as routes } from '../../api/partner-api';
import type { ApiRoute } from '../../api/route-definition';
import { apiKeys, events } from '../../db/schema';
import { eq } from 'drizzle-orm';
import { eventually } from '../support/eventually';
import { invoiceBody, OPS_KEY, startStack, type Stack } from '../support/stack';
import { seededRandom } from '../support/random';
import { createConsoleSession, createConsoleUser } from '../../services/console-users';

/**
 * Bad input over every route: thousands of generated malformed requests (wrong JSON types, missing
 * and extra fields, huge and odd strings, invalid JSON, bodies over the limit, wrong content types,
 * bad query parameters and Idempotency-Keys, another partner's ids in path and body, no or a wrong
 * key). Every answer must be a 4xx, never a 5xx nor a success, and the database must be exactly as
 * before. Only inputs known to be invalid are sent: a body is sent to a route with the caller's own
 * ids only when the route's own zod schema rejects it.
 *
 * FUZZ_SEED repeats a run (the seed is printed); FUZZ_COUNT sets its size.
 */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const COUNT = process.env.FUZZ_COUNT ? Number(process.env.FUZZ_COUNT) : 2000;
/**
 * Tables a refused request may write by design, left out of the fingerprint: `idempotency_keys`
 * stores 4xx answers to replay them (and claims a key for each POST), `rate_limit_windows` counts
 * every authenticated request. Both are request logs, not the partner's data.
 */
const REQUEST_LOG_TABLES = ['idempotency_keys', 'rate_limit_windows'];

interface Tenant {
  partnerId: string;
  key: string;
  keyId: string;
  companyId: string;
  importId: string;
  draftInvoiceId: string;
  invoiceId: string;
  endpointId: string;
  eventId: string;
}

interface FuzzRequest {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /**
   * A redirect that is a refusal too: console pages without a session go to the sign-in page, and
   * a console form posted and redirected back says what was wrong (`?problem=`, `approved=0`).
   */
  allowRedirectTo?: string | RegExp;
}

let stack: Stack;
let a: Tenant;
let b: Tenant;
/** An ops user signed in to the console: its session cookie and a form token. */
let consoleOps: { cookie: string; csrf: string };

async function tenant(name: string): Promise<Tenant> {
  const { partnerId, key, companyId } = await stack.newPartner(name);
  const [keyRow] = await stack.database.db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.partnerId, partnerId));
  const draftImport = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId, title: `${name} drafts` } });
  const draft = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(draftImport.body.id) });
  const sentImport = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId, title: `${name} sent` } });
  const sent = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(sentImport.body.id, { due_date: '2027-06-30' }) });
  expect((await stack.request('POST', `/api/v2/imports/${sentImport.body.id}/transmit`, { key })).status).toBe(202);
  const endpoint = await stack.request('POST', '/api/v2/webhook_endpoints', { key, body: { url: 'https://partner.example/hooks' } });
  expect([draft.status, sent.status, endpoint.status]).toEqual([201, 201, 201]);
  const [event] = await eventually(async () => {
    const found = await stack.database.db.select({ id: events.id }).from(events).where(eq(events.partnerId, partnerId)).limit(1);
    expect(found).toHaveLength(1);
    return found;
  }, 60_000);
  return {
    partnerId,
    key,
    keyId: keyRow!.id,
    companyId,
    importId: draftImport.body.id,
    draftInvoiceId: draft.body.id,
    invoiceId: sent.body.id,
    endpointId: endpoint.body.id,
    eventId: event!.id,
  };
}

/** Row counts and a hash of every row of every table, request logs aside. */
const lastRows = new Map<string, string[]>();
async function fingerprint(): Promise<Record<string, string>> {
  const tables = (await stack.database.db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`)) as unknown as { rows: Array<{ table_name: string }> };
  const result: Record<string, string> = {};
  for (const { table_name: table } of tables.rows) {
    if (REQUEST_LOG_TABLES.includes(table) || table.startsWith('__drizzle')) continue;
    const rows = (await stack.database.db.execute(sql.raw(`select t::text as row from "${table}" t order by 1`))) as unknown as { rows: Array<{ row: string }> };
    lastRows.set(table, rows.rows.map((r) => r.row));
    result[table] = `${rows.rows.length} rows, ${createHash('sha256').update(rows.rows.map((r) => r.row).join('\n')).digest('hex').slice(0, 16)}`;
  }
  return result;
}

beforeAll(async () => {
  stack = await startStack();
  a = await tenant('Fuzz A');
  b = await tenant('Fuzz B');
  // The transmitted invoices' notices are sent and recorded before the fingerprint is taken.
  await eventually(async () => expect(stack.smtp.messages).toHaveLength(2), 60_000);
  const ops = await createConsoleUser(stack.database.db, { email: 'ops-fuzz@recoup.test', role: 'ops', password: 'a long ops fuzz password' });
  const cookie = `recoup_console=${await createConsoleSession(stack.database.db, ops.id)}`;
  const page = await fetch(`${stack.baseUrl}/console/reconciliation`, { headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error('no form token on the console page');
  consoleOps = { cookie, csrf };
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const huge = (n: number) => 'x'.repeat(n);
/** Values of every JSON type that break schemas: wrong types, extremes, odd text, bad dates, others' ids. */
function nastyValues(): unknown[] {
  return [
    null,
    true,
    false,
    0,
    -1,
    -0.5,
    1.5,
    1e308,
    -1e308,
    2 ** 53 + 2,
    '',
    ' ',
    '12',
    'NaN',
    'Infinity',
    '-1',
    huge(300),
    huge(100_000),
    '\u0000',
    'a\u0000b',
    '\u202Eevil\u202C',
    '💸💸💸',
    'Ω≈ç√∫',
    '𝕳𝖊𝖑𝖑𝖔',
    '<script>alert(1)</script>',
    "'; drop table invoices; --",
    '../../etc/passwd',
    '2026-02-30',
    '2026-13-01',
    '0000-00-00',
    '2026-11-23T25:61:00Z',
    '99999-01-01',
    'not-an-email',
    'http://',
    'javascript:alert(1)',
    [],
    [1, 'two', null],
    {},
    { nested: { deeper: [{}] } },
    b.companyId,
    b.invoiceId,
    b.importId,
    b.partnerId,
    `${b.invoiceId}\u0000`,
  ];
}

/** Known-valid bodies for A, mutated one field at a time (deep paths reach nested schemas). */
function validBodies(): Partial<Record<string, unknown>> {
  return {
    InvoiceCreate: invoiceBody(a.importId),
    ImportCreate: { company_id: a.companyId, title: 'Fuzz' },
    Payment: { amount_cents: 100, external_id: 'fuzz-1' },
    Credit: { amount_cents: 100, reason: 'fuzz' },
    Reason: { reason: 'fuzz' },
    PromiseToPay: { date: '2027-07-15' },
    PaymentPlan: { installment_count: 3, first_due_date: '2027-07-15', interval_days: 30 },
    DebtorPatch: { email: 'new@example.nl' },
    WebhookEndpointCreate: { url: 'https://partner.example/other' },
    CompanyCreate: { name: 'Fuzz Club', country: 'NL' },
    CompanyPatch: { name: 'Fuzz Club' },
    InvoiceLine: { description: 'Extra', amount_cents: 500, quantity: 1, vat_rate: 0 },
    DunningPolicy: { steps: [{ offset_days: 1, action: 'reminder', channels: ['email'] }] },
    DunningPolicyPut: { steps: [{ offset_days: 1, action: 'reminder', channels: ['email'] }] },
    PartnerCreate: { name: 'Fuzz Partner' },
    ApiKeyCreate: { role: 'partner' },
    VerificationDecision: { decision: 'verified' },
    DebtCollectionCaseCreate: { invoice_id: a.invoiceId },
  };
}

type Json = unknown;
function leafPaths(value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((v, i) => leafPaths(v, [...prefix, i]))];
  if (value && typeof value === 'object') return [prefix, ...Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...prefix, k]))];
  return [prefix];
}
function setAt(value: Json, path: Array<string | number>, next: Json | typeof REMOVE): Json {
  if (path.length === 0) return next === REMOVE ? undefined : next;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) }; // eslint-disable-line @typescript-eslint/no-explicit-any
  const [head, ...rest] = path;
  if (rest.length === 0) {
    if (next === REMOVE) {
      if (Array.isArray(copy)) copy.splice(head as number, 1);
      else delete copy[head!];
    } else copy[head!] = next;
    return copy;
  }
  copy[head!] = setAt(copy[head!], rest, next);
  return copy;
}
const REMOVE = Symbol('remove');

const routeSchema = (route: ApiRoute): z.ZodType | undefined => (route.body ? (components[route.body] as z.ZodType) : undefined);
const rejects = (schema: z.ZodType, raw: string) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return true;
  }
  return !schema.safeParse(parsed).success;
};

/** The path with each parameter filled: `own` ids of the caller, `foreign` ones of the other partner, or junk. */
function fillPath(route: ApiRoute, ids: 'own' | 'foreign' | 'junk', pick: <T>(xs: T[]) => T): string {
  const t = ids === 'own' ? a : b;
  const junk = ['inv_doesnotexist', 'x', huge(2000), '%00', '%F0%9F%92%B8', '..%2F..%2Fetc', "1'or'1'='1", '%E2%80%AE', '-1', '0', 'null', 'undefined'];
  return `/api/v2${route.path.replace(/\{(\w+)\}/g, (_m, name: string, offset: number) => {
    if (ids === 'junk') return pick(junk);
    const before = route.path.slice(0, offset).split('/').filter(Boolean).pop();
    if (name === 'event_id') return t.eventId;
    if (name === 'documentId') return 'doc_0000000000000000000';
    switch (before) {
      case 'partners':
        return t.partnerId;
      case 'api_keys':
        return t.keyId;
      case 'companies':
        return t.companyId;
      case 'imports':
        return t.importId;
      case 'invoices':
      case 'invoice':
        return pick([t.invoiceId, t.draftInvoiceId]);
      case 'webhook_endpoints':
        return t.endpointId;
      default:
        return `${before?.slice(0, 3) ?? 'xxx'}_0000000000000000000`;
    }
  })}`;
}

function generate(count: number, random: () => number): FuzzRequest[] {
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  const nasty = nastyValues();
  const bases = validBodies();
  for (const [name, body] of Object.entries(bases)) {
    // A base the schema itself rejects would make every mutation "invalid" for the wrong reason.
    if (!(components[name as keyof typeof components] as z.ZodType).safeParse(body).success) delete bases[name];
  }
  const json = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
  const apiRoutes = routes.filter((r) => r.path !== '/openapi.json');
  const out: FuzzRequest[] = [];

  /** A body for the route that its schema rejects (undefined if none was found in a few tries). */
  const invalidBody = (route: ApiRoute): string | undefined => {
    const schema = routeSchema(route);
    if (!schema) return undefined;
    for (let i = 0; i < 20; i++) {
      const base = bases[route.body!] ?? {};
      let body: Json;
      switch (pick(['mutate', 'mutate', 'mutate', 'remove', 'extra', 'type', 'unicode'])) {
        case 'mutate':
          body = setAt(base, pick(leafPaths(base).filter((p) => p.length > 0).concat([['anything']])), pick(nasty));
          break;
        case 'remove':
          body = setAt(base, pick(leafPaths(base).filter((p) => p.length > 0).concat([['anything']])), REMOVE);
          break;
        case 'extra':
          body = { ...(base as object), [pick(['__proto__', 'constructor', 'id', 'partner_id', 'status', '💸', huge(500)])]: pick(nasty) };
          break;
        case 'type':
          body = pick([[], [base], 'string', 42, true, { data: base }]);
          break;
        default:
          body = JSON.parse(JSON.stringify(base).replace(/"([^"]*)"/g, (m, s: string) => (random() < 0.3 ? JSON.stringify(`${s}\u0000\u202E💸`) : m)));
      }
      const raw = JSON.stringify(body) ?? 'null';
      if (rejects(schema, raw)) return raw;
    }
    return undefined;
  };

  const generators: Array<() => FuzzRequest | undefined> = [
    // Another partner's ids in the path, with anything in the body: 404 (or 403 for ops routes).
    () => {
      const route = pick(apiRoutes.filter((r) => r.path.includes('{')));
      const body = route.method === 'get' || route.method === 'delete' ? undefined : (pick([invalidBody(route), JSON.stringify(bases[route.body ?? ''] ?? {})]) ?? '{}');
      return { kind: 'foreign id in path', method: route.method.toUpperCase(), path: fillPath(route, 'foreign', pick), headers: json(a.key), body };
    },
    // Another partner's objects named in a valid-looking body.
    () =>
      pick([
        { kind: 'foreign id in body', method: 'POST', path: '/api/v2/invoices', headers: json(a.key), body: JSON.stringify(invoiceBody(b.importId)) },
        { kind: 'foreign id in body', method: 'POST', path: '/api/v2/imports', headers: json(a.key), body: JSON.stringify({ company_id: b.companyId, title: 'Theirs' }) },
        { kind: 'foreign id in body', method: 'POST', path: '/api/v2/debt_collection_cases', headers: json(a.key), body: JSON.stringify({ invoice_id: b.invoiceId }) },
      ]),
    // Junk ids in the path.
    () => {
      const route = pick(apiRoutes.filter((r) => r.path.includes('{') && (r.method === 'get' || r.method === 'delete' || r.body)));
      return { kind: 'junk id in path', method: route.method.toUpperCase(), path: fillPath(route, 'junk', pick), headers: json(a.key), body: route.body ? '{}' : undefined };
    },
    // A body the route's schema rejects, on the caller's own objects.
    () => {
      const route = pick(apiRoutes.filter((r) => r.body && r.bodyMediaType !== 'multipart/form-data'));
      const body = invalidBody(route);
      if (body === undefined) return undefined;
      const key = route.roles.includes('partner') ? a.key : OPS_KEY;
      return { kind: `invalid body ${route.body}`, method: route.method.toUpperCase(), path: fillPath(route, 'own', pick), headers: json(key), body };
    },
    // Broken transport: invalid JSON, over the size limit, unsupported charset, non-JSON content types.
    () => {
      const route = pick(apiRoutes.filter((r) => r.body && r.bodyMediaType !== 'multipart/form-data'));
      const key = route.roles.includes('partner') ? a.key : OPS_KEY;
      const schema = routeSchema(route)!;
      const variants: Array<[string, Record<string, string>, string]> = [
        ['invalid JSON', json(key), pick(['{', '{"a":', '[1,2', '{"amount_cents": 1,}', "{'a': 1}", 'nul', '\u0000', '{"a":"\\x"}', '{"a":1}}'])],
        ['body over the limit', json(key), JSON.stringify({ padding: huge(1_100_000) })],
        ['unsupported charset', { ...json(key), 'content-type': `application/json; charset=${pick(['latin1', 'iso-8859-1', 'ebcdic', 'x-unknown'])}` }, '{}'],
      ];
      // Another content type leaves the body unparsed: a refusal only where the schema needs a body.
      if (rejects(schema, '{}') && !schema.safeParse(undefined).success) {
        variants.push(['wrong content type', { ...json(key), 'content-type': pick(['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) }, JSON.stringify(bases[route.body!] ?? {})]);
      }
      const [kind, headers, body] = pick(variants);
      return { kind, method: route.method.toUpperCase(), path: fillPath(route, pick(['own', 'foreign']), pick), headers, body };
    },
    // A NUL in a text field of an otherwise valid body: PostgreSQL cannot store it, so a 400 either way.
    () => {
      const [path, body] = pick<[string, unknown]>([
        ['/api/v2/imports', { company_id: a.companyId, title: `Fuzz${pick(['\u0000', 'a\u0000'])}` }],
        ['/api/v2/invoices', invoiceBody(a.importId, { invoice_number: `NUL-\u0000-${Math.floor(random() * 1e6)}` })],
        ['/api/v2/invoices', invoiceBody(a.importId, { debtor: { first_name: 'A\u0000', last_name: 'B', email: 'a@example.nl', locale: 'nl' } })],
        ['/api/v2/invoices', invoiceBody(a.importId, { invoice_lines: [{ description: '\u0000', amount_cents: 100, quantity: 1, vat_rate: 0 }] })],
        ['/api/v2/webhook_endpoints', { url: 'https://partner.example/\u0000' }],
      ]);
      return { kind: 'NUL in a valid body', method: 'POST', path, headers: json(a.key), body: JSON.stringify(body) };
    },
    // Query parameters the route's query schema rejects.
    () => {
      const route = pick(apiRoutes.filter((r) => r.query));
      const shape = Object.keys((route.query as z.ZodObject).shape);
      for (let i = 0; i < 20; i++) {
        const params = new URLSearchParams();
        const n = 1 + Math.floor(random() * 3);
        for (let j = 0; j < n; j++) params.append(pick(shape), String(pick(['-1', '0', 'abc', '1e999', '1.5', '99999999999', '', '💸', '\u0000', huge(3000), 'null', '2026-02-30', 'true', '[]'])));
        if (random() < 0.3) params.append(pick(shape), 'again');
        const parsed: Record<string, string | string[]> = {};
        for (const [k, v] of params) parsed[k] = k in parsed ? ([] as string[]).concat(parsed[k]!, v) : v;
        if ((route.query as z.ZodObject).safeParse(parsed).success) continue;
        const own = route.roles.includes('partner') ? a.key : OPS_KEY;
        return { kind: 'bad query', method: 'GET', path: `${fillPath(route, 'own', pick)}?${params}`, headers: json(own) };
      }
      return undefined;
    },
    // No key, a wrong key, a malformed Authorization header, a partner key on an ops route.
    () => {
      const route = pick(apiRoutes.filter((r) => r.roles.length > 0));
      const authorization = pick(['', 'Bearer', 'Bearer ', `Bearer ${a.key}x`, `Basic ${Buffer.from('a:b').toString('base64')}`, `Bearer ${huge(5000)}`, 'Bearer ../../', `bearer  ${a.key.slice(0, 10)}`]);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (authorization) headers.authorization = authorization;
      return { kind: 'bad credentials', method: route.method.toUpperCase(), path: fillPath(route, 'own', pick), headers, body: route.body ? JSON.stringify(bases[route.body] ?? {}) : undefined };
    },
    () => {
      const route = pick(apiRoutes.filter((r) => r.roles.length > 0 && !r.roles.includes('partner')));
      return { kind: 'partner key on an ops route', method: route.method.toUpperCase(), path: fillPath(route, 'own', pick), headers: json(a.key), body: route.body ? JSON.stringify(bases[route.body] ?? {}) : undefined };
    },
    // An invalid Idempotency-Key on a POST, with an otherwise valid request.
    () => {
      const route = pick(apiRoutes.filter((r) => r.method === 'post' && r.roles.includes('partner') && r.bodyMediaType !== 'multipart/form-data'));
      return {
        kind: 'invalid Idempotency-Key',
        method: 'POST',
        path: fillPath(route, 'own', pick),
        headers: { ...json(a.key), 'idempotency-key': pick([huge(256), huge(10_000), '""', '"unterminated']) },
        body: JSON.stringify(bases[route.body ?? ''] ?? {}),
      };
    },
    // Outside /api/v2: the debtor portal, provider and collector webhooks, the console, the codec server.
    () => {
      const token = pick(['x', huge(5000), 'eyJhbGciOiJub25lIn0.e30.', '%00', '💸', `${b.invoiceId}.${'a'.repeat(43)}`]);
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      return pick<FuzzRequest>([
        { kind: 'portal', method: 'GET', path: `/pay/${token}`, headers: {} },
        { kind: 'portal', method: 'POST', path: `/pay/${token}/${pick(['payment', 'promise_to_pay', 'payment_plan', 'income_expenditure', 'contact', 'opt_out', 'opt_in'])}`, headers: form, body: pick(['amount=1', 'date=2026-02-30', `_form=${huge(100)}`, '', 'a=%00', 'channel=letter']) },
        { kind: 'unsubscribe', method: 'GET', path: `/unsubscribe/${token}`, headers: {} },
        { kind: 'unsubscribe', method: 'POST', path: `/unsubscribe/${pick([token, `dbt_x.email.${'a'.repeat(32)}`])}`, headers: pick([form, { 'content-type': 'multipart/form-data; boundary=x' }]), body: pick(['List-Unsubscribe=One-Click', '', huge(5000), '--x\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--x--']) },
        { kind: 'payment webhook', method: 'POST', path: `/webhooks/payments/${pick(['test', 'stripe', 'nope'])}`, headers: { 'content-type': 'application/json', 'stripe-signature': pick(['t=1,v1=00', '', huge(500)]) }, body: pick(['{}', '{"type":"checkout.session.completed","data":{"object":{"id":"cs_x"}}}', 'garbage']) },
        { kind: 'twilio webhook', method: 'POST', path: `/webhooks/twilio/${pick(['status', 'inbound'])}`, headers: { ...form, 'x-twilio-signature': pick(['', 'AAAA']) }, body: pick(['From=%2B31600000000&Body=STOP', 'MessageSid=SM1&MessageStatus=delivered', '']) },
        { kind: 'collector callback', method: 'POST', path: `/webhooks/collectors/${pick(['dcc_x', huge(300), '%00'])}`, headers: { 'content-type': 'application/json', 'x-recoup-signature': 'v1=00' }, body: pick(['{}', 'garbage', JSON.stringify({ status: 'collected' })]) },
        { kind: 'console', method: 'POST', path: '/console/sign-in', headers: form, body: pick(['email=a%40b.nl&password=x', `_csrf=${huge(100)}&email=x`, '']) },
        { kind: 'console', method: 'POST', path: pick(['/console/cases/bulk-review', '/console/cases/dcc_x/review', '/console/companies/cmp_x/verification', '/console/sign-out']), headers: form, body: 'decision=approve', allowRedirectTo: '/console/sign-in' },
        // Signed in as ops with a valid form token: forms that say nothing valid, about real and made-up ids.
        (() => {
          const junkId = pick(['dcc_x', 'btx_x', 'smr_x', 'cmp_x', huge(300), '%00', '💸', '..%2F..']);
          const bad = pick(['', 'decision=maybe', 'decision=', `decision=approve&reason=${huge(1200)}`, 'reason=%00', 'invoice=', `invoice=${huge(300)}&reason=x`, 'reason=+++', 'case_ids=&reason=x', `case_ids=${huge(300)}`]);
          const [path, body] = pick<[string, string]>([
            ['/console/cases/bulk-review', bad],
            ['/console/cases/bulk-review', `case_ids=${junkId}&case_ids=dcc_y&reason=fuzz`],
            [`/console/cases/${junkId}/review`, pick([bad, 'decision=approve&reason=fuzz'])],
            [`/console/companies/${pick([a.companyId, b.companyId])}/verification`, pick(['', 'decision=maybe', `decision=approve&reason=${huge(1200)}`])],
            [`/console/companies/${junkId}/verification`, pick([bad, 'decision=reject&reason=fuzz'])],
            [`/console/reconciliation/${junkId}/${pick(['resolve', 'dismiss'])}`, pick([bad, 'invoice=CLUB-1&reason=fuzz', 'reason=fuzz'])],
            [`/console/sms-replies/${junkId}/${pick(['assign', 'dismiss'])}`, pick([bad, `invoice_id=${a.invoiceId}&reason=fuzz`, 'reason=fuzz'])],
          ]);
          return {
            kind: 'console signed in',
            method: 'POST',
            path,
            headers: { ...form, cookie: consoleOps.cookie },
            body: `_csrf=${encodeURIComponent(consoleOps.csrf)}${body ? `&${body}` : ''}`,
            allowRedirectTo: /^\/console\?(problem=|approved=0&)/,
          };
        })(),
        { kind: 'codec', method: 'POST', path: `/codec/${pick(['decode', 'encode'])}`, headers: { 'content-type': 'application/json', 'x-namespace': 'default' }, body: pick(['{', '{"payloads":"x"}', '{"payloads":[{"metadata":1}]}', '[]']) },
      ]);
    },
  ];

  while (out.length < count) {
    const request = pick(generators)();
    if (request) out.push(request);
  }
  return out;
}

test('thousands of malformed requests over every route: each one a 4xx, and nothing changed', async () => {
  const random = seededRandom(SEED);
  const requests = generate(COUNT, random);
  // The transmitted invoices' workflows record their first steps asynchronously: start from a database at rest.
  let before = await fingerprint();
  for (let settled = 0; settled < 3; ) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await fingerprint();
    settled = JSON.stringify(now) === JSON.stringify(before) ? settled + 1 : 0;
    before = now;
  }
  const rowsBefore = new Map(lastRows);
  const wrong: string[] = [];
  const byStatus = new Map<number, number>();
  const byKind = new Map<string, number>();
  let next = 0;
  const send = async (r: FuzzRequest) => {
    const res = await fetch(`${stack.baseUrl}${r.path}`, { method: r.method, headers: r.headers, body: r.body, redirect: 'manual' }).catch((err: Error) => ({ status: 0, text: async () => err.message, headers: new Headers() }));
    const text = await res.text();
    byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
    byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
    const location = res.headers.get('location') ?? '';
    const redirectRefusal = r.allowRedirectTo instanceof RegExp ? r.allowRedirectTo.test(location) : location === r.allowRedirectTo;
    const refused = (res.status >= 400 && res.status < 500) || (r.allowRedirectTo !== undefined && res.status === 303 && redirectRefusal);
    if (!refused) wrong.push(`${r.kind}: ${r.method} ${r.path.slice(0, 160)} ${r.body?.slice(0, 160) ?? ''} → ${res.status} ${text.slice(0, 200)}`);
  };
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < requests.length) await send(requests[next++]!);
    }),
  );
  const after = await fingerprint();

  console.log(
    `checked (FUZZ_SEED=${SEED}): ${requests.length} malformed requests → statuses ${JSON.stringify(Object.fromEntries([...byStatus].sort()))}; ` +
      `kinds ${JSON.stringify(Object.fromEntries(byKind))}; ${Object.keys(before).length} tables fingerprinted (all but ${REQUEST_LOG_TABLES.join(', ')}), unchanged: ${JSON.stringify(before) === JSON.stringify(after)}`,
  );
  expect(wrong.slice(0, 30)).toEqual([]);
  // What changed, row by row, if anything did.
  const changed = Object.keys(before).flatMap((t) => {
    const old = new Set(rowsBefore.get(t));
    const now = new Set(lastRows.get(t));
    return [...(rowsBefore.get(t) ?? [])].filter((r) => !now.has(r)).map((r) => `${t} before: ${r.slice(0, 400)}`).concat([...(lastRows.get(t) ?? [])].filter((r) => !old.has(r)).map((r) => `${t} after:  ${r.slice(0, 400)}`));
  });
  expect(changed).toEqual([]);
  expect(after).toEqual(before);
}, 300_000);
