import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { asc, eq } from 'drizzle-orm';
import { createActivities } from '../../activities';
import type { SendMessageResult } from '../../activities/messaging';
import type { Database } from '../../db/client';
import { events, letters, messages } from '../../db/schema';
import { createMailer } from '../../messaging/mailer';
import { createSmsSender } from '../../messaging/sms';
import { createTestDatabase } from '../support/database';
import { silentLogger } from '../support/logger';
import { readPdf } from '../support/pdf';
import { seedCompany, seedInvoice } from '../support/seed';

/**
 * The production print-and-mail adapter against a local print-and-mail API on 127.0.0.1 (allowed
 * by RECOUP_ALLOW_PRIVATE_URLS, as an operator would name an internal gateway): a letter accepted
 * there (2xx) is posted; refused (4xx) fails visibly; a 5xx is retried under the same key.
 */
interface Received {
  headers: IncomingMessage['headers'];
  body: { reference: string; recipient: { address_lines: string[] }; document: { content_type: string; data_base64: string } };
}

let database: Database;
let seed: Awaited<ReturnType<typeof seedCompany>>;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
/** What the receiver answers next (one status per request; 201 when the list is empty). */
const answers: number[] = [];
const activity = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000 }, { logger: new DefaultLogger('ERROR') });

beforeAll(async () => {
  database = await createTestDatabase();
  seed = await seedCompany(database.db);
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
      const status = answers.shift() ?? 201;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(status < 300 ? { id: `pm_${received.length}`, status: 'accepted' } : { error: status === 422 ? 'address not deliverable' : 'busy' }));
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/letters`;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  await database?.close();
});

function activitiesFor(url: string) {
  return createActivities({
    db: database.db,
    mailer: createMailer({ from: 'Recoup <noreply@recoup.test>', logger: silentLogger }),
    sms: createSmsSender({ logger: silentLogger }),
    temporal: undefined as never,
    config: {
      publicBaseUrl: 'http://portal.test',
      portalSecret: 'test-portal-secret-123456',
      TEMPORAL_TASK_QUEUE: 'print-mail-api-test',
      PRINT_MAIL_API_URL: url,
      PRINT_MAIL_API_KEY: 'pm-test-key',
      RECOUP_ALLOW_PRIVATE_URLS: '127.0.0.1',
    },
    logger: silentLogger,
  });
}

async function letterInvoice() {
  return seedInvoice(database.db, seed, { dueDate: '2026-02-01', debtor: { first_name: 'Lotte', last_name: 'Bakker', locale: 'nl', address: { street: 'Molenweg 3', postal_code: '3511 AB', city: 'Utrecht', country: 'NL' } } });
}

const send = (url: string, invoiceId: string): Promise<SendMessageResult> =>
  activity.run(activitiesFor(url).sendInvoiceMessage, { invoiceId, purpose: 'step1', channel: 'letter' as const, kind: 'reminder' as const });
const messagesOf = (invoiceId: string) => database.db.select().from(messages).where(eq(messages.invoiceId, invoiceId));
const eventTypes = async (invoiceId: string) => (await database.db.select().from(events).where(eq(events.invoiceId, invoiceId)).orderBy(asc(events.seq))).map((e) => [e.type, e.data.delivery ?? e.data.reason]);

test('a letter the API accepts (2xx) is posted: its PDF, key and reference went there, and message.sent says posted', async () => {
  received.length = 0;
  const { invoiceId } = await letterInvoice();
  const result = await send(receiverUrl, invoiceId);
  expect(result).toMatchObject({ status: 'posted' });
  const [message] = await messagesOf(invoiceId);
  expect(message).toMatchObject({ status: 'posted', transport: 'print-mail-api', sentAt: expect.any(Date) });
  expect(await eventTypes(invoiceId)).toEqual([['message.sent', 'posted']]);

  expect(received).toHaveLength(1);
  const [request] = received;
  expect(request!.headers.authorization).toBe('Bearer pm-test-key');
  expect(request!.headers['idempotency-key']).toBe(message!.id);
  expect(request!.body.recipient.address_lines).toEqual(['Lotte Bakker', 'Molenweg 3', '3511 AB Utrecht']);
  expect(request!.body.document.content_type).toBe('application/pdf');
  const [page] = await readPdf(Buffer.from(request!.body.document.data_base64, 'base64'));
  expect(page!.text).toContain('Herinnering: factuur');
  expect(page!.text).toContain('3511 AB Utrecht');
  // No print batch for letters that went to the API.
  expect((await database.db.select().from(letters).where(eq(letters.messageId, message!.id)))[0]!.batchId).toBeNull();
});

test('a letter the API refuses (4xx) fails visibly with its answer, and a retry answers the same', async () => {
  received.length = 0;
  answers.push(422);
  const { invoiceId } = await letterInvoice();
  const result = await send(receiverUrl, invoiceId);
  expect(result).toMatchObject({ status: 'failed', reason: expect.stringMatching(/answered 422.*address not deliverable/) });
  expect(await eventTypes(invoiceId)).toEqual([['message.failed', expect.stringMatching(/422/)]]);
  expect(await send(receiverUrl, invoiceId)).toEqual(result);
  expect(received).toHaveLength(1);
});

test('an API that is busy (5xx) gets the same letter again on the retry, under the same idempotency key, and then it is posted', async () => {
  received.length = 0;
  answers.push(503);
  const { invoiceId } = await letterInvoice();
  await expect(send(receiverUrl, invoiceId)).rejects.toThrow(/answered 503/);
  expect(await messagesOf(invoiceId)).toEqual([expect.objectContaining({ status: 'queued' })]);
  expect(await send(receiverUrl, invoiceId)).toMatchObject({ status: 'posted' });
  expect(received.map((r) => r.headers['idempotency-key'])).toEqual([received[0]!.headers['idempotency-key'], received[0]!.headers['idempotency-key']]);
  expect(await eventTypes(invoiceId)).toEqual([['message.sent', 'posted']]);
});

test('an API address the outbound guard refuses is never connected to: the letter fails naming the refusal', async () => {
  received.length = 0;
  const { invoiceId } = await letterInvoice();
  // 127.0.0.2 is loopback but not on the allow-list: refused before any connection.
  const result = await send(receiverUrl.replace('127.0.0.1', '127.0.0.2'), invoiceId);
  expect(result).toMatchObject({ status: 'failed', reason: expect.stringMatching(/refused: address not allowed/) });
  expect(received).toHaveLength(0);
});
