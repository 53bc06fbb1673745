import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import { createApp } from '../../api/app';
import { ADMIN_CHANNEL_PATH, type AdminChannel } from '../../api/admin-channel';
import { parseConfig } from '../../config/config';
import { silentLogger } from '../support/logger';
import { createTestDatabase } from '../support/database';
import type { Database } from '../../db/client';

/**
 * The local admin channel `npm start` offers the ops CLI (issue 15, item 1): only a caller holding
 * the lock file's secret reaches it; anyone else sees no such route.
 */
let database: Database;
let server: Server;
let base: string;
let temporal: Client;
const calls: Array<{ command: string; values: unknown }> = [];
const channel: AdminChannel = {
  secret: 'the-secret-from-the-lock-file-0123456789',
  run: async (command, values) => {
    calls.push({ command, values });
    return { code: 0, stdout: ['done'], stderr: [] };
  },
};

beforeAll(async () => {
  database = await createTestDatabase();
  temporal = new Client();
  const app = createApp({ db: database.db, temporal, config: parseConfig({ RECOUP_DATA_DIR: 'memory://', LOG_LEVEL: 'silent' }), logger: silentLogger, adminChannel: channel });
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await temporal.connection.close();
  await database.close();
});
beforeEach(() => {
  calls.length = 0;
});

const send = (authorization?: string, body: unknown = { command: 'users:list', values: {} }) =>
  fetch(`${base}${ADMIN_CHANNEL_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: JSON.stringify(body) });

test.each([
  ['no credentials', undefined],
  ['a wrong secret', 'Bearer the-secret-from-the-lock-file-012345678X'],
  ['the secret as a Basic credential', `Basic ${channel.secret}`],
])('with %s the channel answers 404 like a route that does not exist, and runs nothing', async (_name, authorization) => {
  const res = await send(authorization);
  expect(res.status).toBe(404);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe('route_not_found');
  expect(calls).toEqual([]);
});

test('with the secret, the command runs in this process and its output comes back', async () => {
  const res = await send(`Bearer ${channel.secret}`, { command: 'users:revoke', values: { email: 'a@example.org' } });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ code: 0, stdout: ['done'], stderr: [] });
  expect(calls).toEqual([{ command: 'users:revoke', values: { email: 'a@example.org' } }]);
});

test('a malformed command is a 400 naming the field', async () => {
  const res = await send(`Bearer ${channel.secret}`, { command: 'users:list', values: { email: 42 } });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: { details: Array<{ path: string }> } }).error.details.map((d) => d.path)).toEqual(['values.email']);
  expect(calls).toEqual([]);
});
