import { eq } from 'drizzle-orm';
import { events } from '../../db/schema';
import { eventTypes } from '../../domain/events';
import { appendEvents } from '../../services/events';
import { createApiKey } from '../../services/api-keys';
import { OPS_KEY, startStack, type Stack } from '../support/stack';

/** The webhook endpoints API over real HTTP: success and error paths, tenancy, the secret shown once. */
let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

// Loopback, nothing listening: a redelivery started here fails fast without leaving the machine.
const url = 'http://127.0.0.1:9/recoup';
const httpsUrl = 'https://hooks.example.com/recoup';

async function createEndpoint(key: string, body: Record<string, unknown> = { url }) {
  const res = await stack.request('POST', '/api/v2/webhook_endpoints', { key, body });
  expect(res.status).toBe(201);
  return res.body as { id: string; url: string; event_types: string[]; secret: string; created_at: string };
}

async function emit(partnerId: string): Promise<string> {
  const dedupeKey = `api-test:${Math.random()}`;
  await appendEvents(stack.database.db, [{ type: 'invoice.paid', partnerId, data: {}, dedupeKey }]);
  const [row] = await stack.database.db.select().from(events).where(eq(events.dedupeKey, dedupeKey));
  return row!.id;
}

describe('creating an endpoint', () => {
  test('answers 201 with the secret, shown this once: reading the endpoint or the list never shows it', async () => {
    const { key } = await stack.newPartner('Secretive');
    const created = await createEndpoint(key, { url: httpsUrl, event_types: ['invoice.paid', 'invoice.credited', 'invoice.paid'] });
    expect(created).toMatchObject({ url: httpsUrl, event_types: ['invoice.paid', 'invoice.credited'] });
    expect(created.id).toEqual(expect.any(String));
    expect(Date.parse(created.created_at)).not.toBeNaN();
    // whsec_ + base64 of 32 random bytes.
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(created.secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect((await createEndpoint(key)).secret).not.toBe(created.secret);

    const one = await stack.request('GET', `/api/v2/webhook_endpoints/${created.id}`, { key });
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ id: created.id, url: httpsUrl, event_types: ['invoice.paid', 'invoice.credited'], created_at: created.created_at });
    const list = await stack.request('GET', '/api/v2/webhook_endpoints', { key });
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(2);
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
  });

  test('without event_types subscribes to every event type', async () => {
    const { key } = await stack.newPartner('Everything');
    expect((await createEndpoint(key)).event_types).toEqual([...eventTypes]);
  });

  test.each([
    ['no url', {}, 'url'],
    ['a url that is not http(s)', { url: 'ftp://hooks.example.com/x' }, 'url'],
    ['a url that is no url', { url: 'hooks.example.com' }, 'url'],
    ['an empty event_types', { url, event_types: [] }, 'event_types'],
    ['an unknown event type', { url, event_types: ['invoice.paid', 'invoice.exploded'] }, 'event_types.1'],
    ['event_types that are not a list', { url, event_types: 'invoice.paid' }, 'event_types'],
  ])('with %s answers 400 naming the field', async (_case, body, path) => {
    const { key } = await stack.newPartner('Sloppy');
    const res = await stack.request('POST', '/api/v2/webhook_endpoints', { key, body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });

  test('with a body that is not JSON answers 400', async () => {
    const { key } = await stack.newPartner('Garbled');
    const res = await stack.request('POST', '/api/v2/webhook_endpoints', { key, body: '{"url":' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('malformed_json');
  });

  test('is for partners: ops and reviewers get 403', async () => {
    expect((await stack.request('POST', '/api/v2/webhook_endpoints', { key: OPS_KEY, body: { url } })).status).toBe(403);
    const { partnerId } = await stack.newPartner('Reviewing');
    const reviewer = await createApiKey(stack.database.db, { partnerId, role: 'reviewer' });
    expect((await stack.request('POST', '/api/v2/webhook_endpoints', { key: reviewer.secret, body: { url } })).status).toBe(403);
    expect((await stack.request('GET', '/api/v2/webhook_endpoints', { key: reviewer.secret })).status).toBe(403);
  });
});

describe('listing endpoints', () => {
  test('is cursor-paginated and shows only the partner\'s own; ops see every partner\'s', async () => {
    const { key } = await stack.newPartner('Paging');
    const other = await stack.newPartner('Neighbour');
    const mine = [await createEndpoint(key), await createEndpoint(key), await createEndpoint(key)];
    const theirs = await createEndpoint(other.key);

    const first = await stack.request('GET', '/api/v2/webhook_endpoints?limit=2', { key });
    expect(first.body.data).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await stack.request('GET', `/api/v2/webhook_endpoints?limit=2&cursor=${first.body.next_cursor}`, { key });
    expect(second.body).toEqual({ data: [expect.any(Object)], next_cursor: null });
    const paged = [...first.body.data, ...second.body.data].map((e: { id: string }) => e.id);
    expect(paged.sort()).toEqual(mine.map((e) => e.id).sort());

    const ops = await stack.request('GET', '/api/v2/webhook_endpoints?limit=500', { key: OPS_KEY });
    expect(ops.body.data.map((e: { id: string }) => e.id)).toEqual(expect.arrayContaining([...mine.map((e) => e.id), theirs.id]));
  });

  test('with a bad limit answers 400 naming the query field', async () => {
    const { key } = await stack.newPartner('Limitless');
    const res = await stack.request('GET', '/api/v2/webhook_endpoints?limit=0', { key });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'limit' })]);
  });
});

describe('deleting an endpoint', () => {
  test('answers 204; the endpoint is then gone from reads, the list and a second delete', async () => {
    const { key } = await stack.newPartner('Deleting');
    const endpoint = await createEndpoint(key);
    expect((await stack.request('DELETE', `/api/v2/webhook_endpoints/${endpoint.id}`, { key })).status).toBe(204);
    expect((await stack.request('GET', `/api/v2/webhook_endpoints/${endpoint.id}`, { key })).status).toBe(404);
    expect((await stack.request('GET', '/api/v2/webhook_endpoints', { key })).body.data).toEqual([]);
    expect((await stack.request('DELETE', `/api/v2/webhook_endpoints/${endpoint.id}`, { key })).status).toBe(404);
  });
});

describe('the attempt log', () => {
  test('of a new endpoint is an empty page', async () => {
    const { key } = await stack.newPartner('Quiet');
    const endpoint = await createEndpoint(key);
    const res = await stack.request('GET', `/api/v2/webhook_endpoints/${endpoint.id}/attempts`, { key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [], next_cursor: null });
  });
});

describe('redelivering an event', () => {
  test('answers 202 with the new delivery\'s id', async () => {
    const { key, partnerId } = await stack.newPartner('Again');
    const endpoint = await createEndpoint(key);
    const eventId = await emit(partnerId);
    const res = await stack.request('POST', `/api/v2/webhook_endpoints/${endpoint.id}/redeliver/${eventId}`, { key });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ delivery_id: expect.stringMatching(new RegExp(`^webhook-${endpoint.id}-${eventId}-`)), endpoint_id: endpoint.id, event_id: eventId });
  });

  test('of another partner\'s event, or an unknown one, answers 404', async () => {
    const { key } = await stack.newPartner('Curious');
    const other = await stack.newPartner('Private');
    const endpoint = await createEndpoint(key);
    const theirEvent = await emit(other.partnerId);
    for (const eventId of [theirEvent, 'evt_unknown']) {
      const res = await stack.request('POST', `/api/v2/webhook_endpoints/${endpoint.id}/redeliver/${eventId}`, { key });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });
});

describe('tenancy and authentication', () => {
  test.each([
    ['GET', ''],
    ['DELETE', ''],
    ['GET', '/attempts'],
    ['POST', '/redeliver/{event}'],
  ])('%s /webhook_endpoints/{id}%s of another partner\'s endpoint, or an unknown one, answers 404', async (method, suffix) => {
    const { key, partnerId } = await stack.newPartner('Snooping');
    const owner = await stack.newPartner('Owner');
    const theirs = await createEndpoint(owner.key);
    const eventId = await emit(partnerId);
    for (const id of [theirs.id, 'whe_unknown']) {
      const res = await stack.request(method, `/api/v2/webhook_endpoints/${id}${suffix.replace('{event}', eventId)}`, { key });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    // The owner still has it: nothing was changed by the attempt.
    expect((await stack.request('GET', `/api/v2/webhook_endpoints/${theirs.id}`, { key: owner.key })).status).toBe(200);
  });

  test.each([
    ['POST', '/api/v2/webhook_endpoints'],
    ['GET', '/api/v2/webhook_endpoints'],
    ['GET', '/api/v2/webhook_endpoints/whe_x'],
    ['DELETE', '/api/v2/webhook_endpoints/whe_x'],
    ['GET', '/api/v2/webhook_endpoints/whe_x/attempts'],
    ['POST', '/api/v2/webhook_endpoints/whe_x/redeliver/evt_x'],
  ])('%s %s without a valid key answers 401', async (method, path) => {
    for (const key of [undefined, 'rk_partner_not-a-real-key']) {
      const res = await stack.request(method, path, { key, body: method === 'POST' ? { url } : undefined });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });
});
