import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { eq, sql } from 'drizzle-orm';
import { createActivities } from '../../activities';
import { openInfrastructure } from '../../bootstrap/infrastructure';
import { createDb, type Db } from '../../db/client';
import { companies, events, idempotencyKeys, pullSources, webhookEndpoints } from '../../db/schema';
import { createPartner } from '../../services/api-keys';
import { newId } from '../../services/ids';
import { appendEvents } from '../../services/events';
import { DEV_SECRET_KEY_FILE, SecretBox, secretBoxFor } from '../../services/secret-box';
import { sealStoredSecrets } from '../../services/stored-secrets';
import { parsePayloadKeys } from '../../temporal/payload-codec';
import { startPartnerEndpoint, type PartnerEndpoint } from '../pull/partner-endpoint';
import { eventually } from '../support/eventually';
import { silentLogger } from '../support/logger';
import type { ApiRequestOptions } from '../support/http';
import { OPS_KEY, startStack, type Stack } from '../support/stack';
import { startWebhookReceiver, verifyStandardWebhook, type WebhookReceiver } from '../webhooks/receiver';

/**
 * Item 5 of issue 13: secrets Recoup must read back (webhook secrets, pull tokens) and responses
 * it replays (which may carry a new API key, a webhook secret, a generated SFTP password) are
 * never in the database in clear. Real API over HTTP, real database, the Temporal dev server
 * (pull sources are Schedules).
 */
const keyOf = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const OLD_KEY = keyOf('k2026');
const NEW_KEY = keyOf('k2027');
const PULL_TOKEN = `pull-token-${randomBytes(12).toString('hex')}`;

let stack: Stack;
let receiver: WebhookReceiver;
let feed: PartnerEndpoint;

beforeAll(async () => {
  [stack, receiver, feed] = await Promise.all([
    startStack({ temporal: 'dev-server', webhooks: true, config: { RECOUP_SECRET_KEYS: OLD_KEY } }),
    startWebhookReceiver(),
    startPartnerEndpoint(PULL_TOKEN),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([stack?.close(), receiver?.close(), feed?.close()]);
});

/** Every row of every table, as text: a secret in clear in any column shows up here. */
async function wholeDatabase(db: Db): Promise<string> {
  const tables = (await db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`)) as unknown as { rows: Array<{ table_name: string }> };
  const dump: string[] = [];
  for (const { table_name } of tables.rows) {
    const rows = (await db.execute(sql.raw(`select t::text as row from "${table_name}" t`))) as unknown as { rows: Array<{ row: string }> };
    dump.push(...rows.rows.map((r) => `${table_name}: ${r.row}`));
  }
  return dump.join('\n');
}

/** The secrets themselves and, for a `whsec_` secret, its key material alone. */
function forms(secret: string): string[] {
  return secret.startsWith('whsec_') ? [secret, secret.slice('whsec_'.length)] : [secret];
}

test('secrets answered once (API key, webhook secret, generated SFTP password) and a pull token are nowhere in the database in clear; a replay answers them again', async () => {
  const { request } = stack;
  const idem = (key: string) => ({ 'Idempotency-Key': key });

  const partner = await request('POST', '/api/v2/partners', { key: OPS_KEY, body: { name: 'Sealed Partner' }, headers: idem('partner-1') });
  expect(partner.status).toBe(201);
  const post = (path: string, options: ApiRequestOptions) => ({ path, options, send: () => request('POST', path, options) });
  const calls = {
    apiKey: post(`/api/v2/partners/${partner.body.id}/api_keys`, { key: OPS_KEY, body: { role: 'partner' }, headers: idem('key-1') }),
    sftp: post(`/api/v2/partners/${partner.body.id}/sftp_logins`, { key: OPS_KEY, body: { username: 'sealed-partner' }, headers: idem('sftp-1') }),
  };
  const apiKey = await calls.apiKey.send();
  expect(apiKey.status).toBe(201);
  const partnerKey: string = apiKey.body.secret;
  const sftp = await calls.sftp.send();
  expect(sftp.status).toBe(201);
  expect(sftp.body.password).toEqual(expect.any(String));
  const webhookCall = post('/api/v2/webhook_endpoints', { key: partnerKey, body: { url: receiver.url('/sealed') }, headers: idem('hook-1') });
  const endpoint = await webhookCall.send();
  expect(endpoint.status).toBe(201);
  expect(endpoint.body.secret).toMatch(/^whsec_/);

  const company = await request('POST', '/api/v2/companies', { key: partnerKey, body: { name: 'Sealed Club', country: 'NL', currency: 'EUR', locale: 'nl', timezone: 'Europe/Amsterdam' } });
  expect(company.status).toBe(201);
  const pullPath = `/api/v2/companies/${company.body.id}/pull_source`;
  expect((await request('PUT', pullPath, { key: partnerKey, body: { url: feed.url('sealed'), bearer_token: PULL_TOKEN } })).status).toBe(201);

  // No table holds any of them in clear …
  const dump = await wholeDatabase(stack.database.db);
  expect(dump).toContain(endpoint.body.id); // the dump does see the rows
  const named = { 'API key': partnerKey, 'SFTP password': sftp.body.password as string, 'webhook secret': endpoint.body.secret as string, 'pull token': PULL_TOKEN };
  expect(Object.entries(named).filter(([, secret]) => forms(secret).some((form) => dump.includes(form))).map(([name]) => `${name} in clear`)).toEqual([]);
  // … though the idempotent responses were kept (a replay needs them): sealed.
  const stored = await stack.database.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.state, 'completed'));
  expect(stored.filter((r) => ['key-1', 'sftp-1', 'hook-1'].includes(r.key)).map((r) => r.responseBody!.slice(0, 13))).toEqual(['enc:v1:k2026:', 'enc:v1:k2026:', 'enc:v1:k2026:']);

  // A client that lost the answer retries with the same key and gets it again, secret included.
  for (const [call, first] of [
    [calls.apiKey, apiKey],
    [calls.sftp, sftp],
    [webhookCall, endpoint],
  ] as const) {
    const again = await call.send();
    expect({ status: again.status, replayed: again.headers.get('idempotent-replayed'), body: again.body }).toEqual({ status: 201, replayed: 'true', body: first.body });
  }

  // The sealed values still work: the pull run authenticates with the token it was given.
  feed.set('sealed', { kind: 'pages', pages: [[]] });
  expect((await request('POST', `${pullPath}/run`, { key: partnerKey })).status).toBe(202);
  await eventually(async () => expect(feed.requests('sealed').map((r) => r.authorization)).toContain(`Bearer ${PULL_TOKEN}`), 30_000);
});

test('a webhook endpoint is signed with its own secret before and after the sealing key is rotated and the old key removed', async () => {
  const { key, partnerId } = await stack.newPartner('Rotating');
  // The relay delivers only `invoice.on_hold` here; the deliveries after rotation are made by hand.
  const endpoint = (await stack.request('POST', '/api/v2/webhook_endpoints', { key, body: { url: receiver.url('/rotating'), event_types: ['invoice.on_hold'] } })).body as { id: string; secret: string };
  const [row] = await stack.database.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id));
  expect(row!.secret.startsWith('enc:v1:k2026:')).toBe(true);

  // Under the running worker (old key only): the relay delivers, signed with the secret the partner got.
  await appendEvents(stack.database.db, [{ type: 'invoice.on_hold', partnerId, data: { note: 'before rotation' }, dedupeKey: `rot:${endpoint.id}:1` }]);
  const [before] = await receiver.waitFor((r) => r.path === '/rotating', 1, 30_000);
  expect(verifyStandardWebhook(endpoint.secret, before!.headers, before!.rawBody)).toBe(true);

  // Rotation: a new first key; the old one still opens what it sealed.
  const rotating = secretBoxFor({ RECOUP_SECRET_KEYS: `${NEW_KEY},${OLD_KEY}` });
  const deliver = (secrets: SecretBox, eventId: string, deliveryId: string) =>
    new MockActivityEnvironment({ attempt: 1 }, { logger: new DefaultLogger('ERROR') }).run(
      createActivities({ db: stack.database.db, mailer: undefined as never, sms: undefined as never, temporal: stack.env.client, config: stack.config, logger: silentLogger, secrets }).deliverWebhook,
      { endpointId: endpoint.id, eventId, deliveryId },
    );
  const eventId = await newEvent(partnerId, endpoint.id);
  await expect(deliver(rotating, eventId, 'rotation-1')).resolves.toMatchObject({ status: 'delivered' });

  // `secrets:rotate` re-seals under the new key; then the old key can go.
  expect(await sealStoredSecrets(stack.database.db, rotating, { rotate: true })).toMatchObject({ 'webhook_endpoints.secret': expect.any(Number) });
  const [resealed] = await stack.database.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id));
  expect(resealed!.secret.startsWith('enc:v1:k2027:')).toBe(true);
  await expect(deliver(secretBoxFor({ RECOUP_SECRET_KEYS: NEW_KEY }), eventId, 'rotation-2')).resolves.toMatchObject({ status: 'delivered' });

  const afterRotation = receiver.received.filter((r) => r.path === '/rotating' && r.body.id === eventId);
  expect(afterRotation).toHaveLength(2);
  for (const delivery of afterRotation) expect(verifyStandardWebhook(endpoint.secret, delivery.headers, delivery.rawBody)).toBe(true);
  // And a wrong secret would not verify: the check can fail.
  expect(verifyStandardWebhook(`whsec_${randomBytes(32).toString('base64')}`, afterRotation[0]!.headers, afterRotation[0]!.rawBody)).toBe(false);
});

async function newEvent(partnerId: string, endpointId: string): Promise<string> {
  const dedupeKey = `rot:${endpointId}:${randomBytes(4).toString('hex')}`;
  await appendEvents(stack.database.db, [{ type: 'invoice.resumed', partnerId, data: { note: 'rotation' }, dedupeKey }]);
  const [event] = await stack.database.db.select().from(events).where(eq(events.dedupeKey, dedupeKey));
  return event!.id;
}

test('rows an older version stored in clear are sealed when a process starts, once, and read back unchanged', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'recoup-legacy-'));
  try {
    // An installation from before sealing: its secrets and a stored response written in clear.
    const older = createDb({ dataDir: dir });
    await older.migrate();
    const partner = await createPartner(older.db, { name: 'Legacy' });
    const companyId = newId('cmp');
    await older.db.insert(companies).values({ id: companyId, partnerId: partner.id, name: 'Legacy Club', country: 'NL', currency: 'EUR', locale: 'nl', timezone: 'Europe/Amsterdam', status: 'verified' });
    const legacySecret = `whsec_${randomBytes(32).toString('base64')}`;
    const legacyToken = `legacy-token-${randomBytes(8).toString('hex')}`;
    const legacyBody = JSON.stringify({ id: 'key_legacy', role: 'partner', secret: 'legacy-api-key-secret' });
    await older.db.insert(webhookEndpoints).values({ id: 'whe_legacy', partnerId: partner.id, url: receiver.url('/legacy'), secret: legacySecret });
    await older.db.insert(pullSources).values({ companyId, partnerId: partner.id, url: feed.url('legacy'), bearerToken: legacyToken });
    await older.db.insert(idempotencyKeys).values({
      scope: 'key_legacy', key: 'legacy-1', fingerprint: 'f', state: 'completed', claimToken: 'c', responseStatus: 201, responseHeaders: {}, responseBody: legacyBody,
      lockedUntil: new Date(), expiresAt: new Date(Date.now() + 86_400_000),
    });
    await older.close();

    // The new version starts on that folder (migrations on start, as `npm start` and the API do).
    const config = { ...stack.config, DATABASE_URL: undefined, RECOUP_DATA_DIR: dir, RECOUP_MIGRATE_ON_START: true };
    const infra = await openInfrastructure(config, silentLogger, { address: stack.env.address });
    try {
      const db = infra.database.db;
      const dump = await wholeDatabase(db);
      expect(dump).toContain('whe_legacy');
      expect([legacySecret, legacyToken, 'legacy-api-key-secret'].filter((secret) => dump.includes(secret))).toEqual([]);
      const box = infra.secrets;
      const [endpoint] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, 'whe_legacy'));
      expect(box.open(endpoint!.secret)).toBe(legacySecret);
      const [source] = await db.select().from(pullSources).where(eq(pullSources.companyId, companyId));
      expect(box.open(source!.bearerToken)).toBe(legacyToken);
      const [response] = await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, 'legacy-1'));
      expect(box.open(response!.responseBody!)).toBe(legacyBody);
      // Idempotent: the next start finds nothing left in clear.
      expect(await sealStoredSecrets(db, box)).toEqual({ 'webhook_endpoints.secret': 0, 'pull_sources.bearer_token': 0, 'idempotency_keys.response_body': 0 });
    } finally {
      await infra.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the sealing key', () => {
  test('without RECOUP_SECRET_KEYS, each data folder gets its own random key in a file only its owner can read', () => {
    const dirs = [mkdtempSync(path.join(tmpdir(), 'recoup-keys-')), mkdtempSync(path.join(tmpdir(), 'recoup-keys-'))];
    try {
      const [a, b] = dirs.map((dir) => secretBoxFor({ RECOUP_DATA_DIR: dir }));
      const files = dirs.map((dir) => path.join(dir, DEV_SECRET_KEY_FILE));
      for (const file of files) expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(files[0]!, 'utf8')).not.toBe(readFileSync(files[1]!, 'utf8'));
      const sealed = a!.seal('whsec_dev');
      // Another process on the same folder reads the same key from the file.
      expect(new SecretBox(parsePayloadKeys(readFileSync(files[0]!, 'utf8').trim())).open(sealed)).toBe('whsec_dev');
      expect(() => b!.open(sealed)).toThrow(/not in RECOUP_SECRET_KEYS/);
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a sealed value that was altered, or sealed under a key id that is not configured, does not open', () => {
    const box = secretBoxFor({ RECOUP_SECRET_KEYS: OLD_KEY });
    const sealed = box.seal('whsec_value');
    expect(sealed).toMatch(/^enc:v1:k2026:[A-Za-z0-9+/]+=*$/);
    expect(box.seal('whsec_value')).not.toBe(sealed); // a fresh IV each time
    const data = Buffer.from(sealed.slice('enc:v1:k2026:'.length), 'base64');
    data.writeUInt8(data[data.length - 1]! ^ 1, data.length - 1);
    expect(() => box.open(`enc:v1:k2026:${data.toString('base64')}`)).toThrow(/altered or the key is wrong/);
    expect(() => secretBoxFor({ RECOUP_SECRET_KEYS: NEW_KEY }).open(sealed)).toThrow(/"k2026", which is not in RECOUP_SECRET_KEYS/);
  });
});
