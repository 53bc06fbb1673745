import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { createLogger, devOutboxShowsPortalLinks } from '../../bootstrap/logger';
import { parseConfig } from '../../config/config';
import { messages } from '../../db/schema';
import { createMailer } from '../../messaging/mailer';
import { createSmsSender } from '../../messaging/sms';
import { formatLogRecord, prettyLogStream } from '../../observability/pretty-log';
import { transmittedInvoice } from '../portal/portal-client';
import { eventually } from '../support/eventually';
import { startStack, type Stack } from '../support/stack';

/**
 * Logs for people: at a developer's terminal one readable line per entry and each dev-outbox
 * message as a block with its portal link; JSON lines everywhere else, never with the link.
 */
const PORTAL_URL = 'http://localhost:3000/pay/eyJpbnYiOiJpbnZfMSJ9.c2lnbmF0dXJl';
const TOKEN = 'eyJpbnYiOiJpbnZfMSJ9.c2lnbmF0dXJl';

/** A logger of the given format writing into `out`, as createProcessLogger would write to stdout. */
function captured(format: 'pretty' | 'json') {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger('debug', 'recoup-test', stream, format), text: () => out.join('') };
}

/** 2026-12-02 14:03:09.042 in the machine's time zone, as the formatter shows it. */
const time = new Date(2026, 11, 2, 14, 3, 9, 42).getTime();

describe('a readable log line', () => {
  test('shows the time of day, the level, the message and the entry’s own fields, not pino’s', () => {
    const record = { level: 30, time, pid: 4242, hostname: 'laptop', name: 'recoup', service: 'recoup', request_id: 'req_1', invoice_id: 'inv_1', channel: 'email', kind: 'notice', msg: 'message sent' };
    expect(formatLogRecord(record)).toBe('14:03:09.042 INFO  message sent request_id=req_1 invoice_id=inv_1 channel=email kind=notice');
  });

  test('a request reads as method, path, status and time, with the path as masked as in JSON', () => {
    const record = { level: 30, time, req: { id: 'req_2', method: 'GET', url: '/pay/[redacted]', headers: { host: 'localhost' } }, res: { statusCode: 200, headers: {} }, responseTime: 12, msg: 'request completed' };
    expect(formatLogRecord(record)).toBe('14:03:09.042 INFO  GET /pay/[redacted] → 200 12 ms');
  });

  test('an error says its type and message on the line and its stack below; long values are cut and quoted when they have spaces', () => {
    const err = { type: 'Error', message: 'connection refused', stack: 'Error: connection refused\n    at connect (net.js:1:1)\n    at main (main.ts:2:2)' };
    const record = { level: 50, time, component: 'temporal', err, workflowId: 'invoice-inv_1', namespace: 'default', runId: 'r-1', reason: 'a b', detail: 'x'.repeat(100), msg: 'activity failed' };
    expect(formatLogRecord(record).split('\n')).toEqual([
      `14:03:09.042 ERROR [temporal] activity failed: Error: connection refused workflowId=invoice-inv_1 reason="a b" detail=${'x'.repeat(79)}…`,
      '    at connect (net.js:1:1)',
      '    at main (main.ts:2:2)',
    ]);
  });

  test('the stream formats each JSON line pino writes and passes anything else through', () => {
    const out: string[] = [];
    const stream = prettyLogStream({ write: (text: string) => out.push(text) });
    stream.write(`${JSON.stringify({ level: 40, time, msg: 'slow' })}\n{"level":30,"ti`);
    stream.write(`me":${time},"msg":"next"}\nnot json\n`);
    expect(out).toEqual(['14:03:09.042 WARN  slow\n', '14:03:09.042 INFO  next\n', 'not json\n']);
  });
});

describe('which format, and whether the dev outbox shows links', () => {
  test.each<[string, Record<string, string>, boolean, 'pretty' | 'json', boolean]>([
    ['a developer at a terminal', {}, true, 'pretty', true],
    ['output piped or redirected (not a terminal)', {}, false, 'json', false],
    ['production at a terminal', { NODE_ENV: 'production' }, true, 'json', false],
    ['LOG_FORMAT=json at a terminal', { LOG_FORMAT: 'json' }, true, 'json', false],
    ['LOG_FORMAT=pretty into a pipe', { LOG_FORMAT: 'pretty' }, false, 'pretty', true],
    ['LOG_FORMAT=pretty in production (readable, still no links)', { LOG_FORMAT: 'pretty', NODE_ENV: 'production' }, true, 'pretty', false],
  ])('%s', (_name, env, stdoutIsTTY, format, links) => {
    const config = parseConfig(env, { stdoutIsTTY });
    expect(config.logFormat).toBe(format);
    expect(devOutboxShowsPortalLinks(config)).toBe(links);
  });

  test('any other LOG_FORMAT is a configuration error naming it', () => {
    expect(() => parseConfig({ LOG_FORMAT: 'yaml' })).toThrow(/LOG_FORMAT/);
  });
});

describe('the dev outbox', () => {
  const email = { to: 'anna@example.nl', subject: 'Your invoice 2027-001', text: `Pay here: ${PORTAL_URL}`, html: `<a href="${PORTAL_URL}">Pay</a>`, messageId: '<inv_1.notice.email@recoup>', portalUrl: PORTAL_URL };

  test('in pretty mode each email and SMS is a block with its recipient, subject and portal link', async () => {
    const { logger, text } = captured('pretty');
    const showPortalLinks = devOutboxShowsPortalLinks(parseConfig({}, { stdoutIsTTY: true }));
    await createMailer({ from: 'Recoup <no-reply@recoup.test>', logger, showPortalLinks }).send(email);
    await createSmsSender({ logger, showPortalLinks }).send({ to: '+31612345678', body: `Pay here: ${PORTAL_URL}`, portalUrl: PORTAL_URL });
    const lines = text().trimEnd().split('\n');
    expect(lines.map((l) => l.replace(/^\d\d:\d\d:\d\d\.\d{3} /, ''))).toEqual([
      'INFO  dev outbox: email kept, not sent (read it at /console/outbox) message_id=<inv_1.notice.email@recoup>',
      '  ┌ email (dev outbox)',
      '  │ to:      anna@example.nl',
      '  │ subject: Your invoice 2027-001',
      `  │ link:    ${PORTAL_URL}`,
      '  └',
      'INFO  dev outbox: SMS kept, not sent (read it at /console/outbox)',
      '  ┌ SMS (dev outbox)',
      '  │ to:      +31612345678',
      `  │ link:    ${PORTAL_URL}`,
      '  └',
    ]);
  });

  test('in JSON mode (the default off a terminal and in production) a line names recipient and subject, never the link or its token', async () => {
    for (const config of [parseConfig({}), parseConfig({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }, { stdoutIsTTY: true })]) {
      const { logger, text } = captured('json');
      const showPortalLinks = devOutboxShowsPortalLinks(config);
      await createMailer({ from: 'Recoup <no-reply@recoup.test>', logger, showPortalLinks }).send(email);
      await createSmsSender({ logger, showPortalLinks }).send({ to: '+31612345678', body: `Pay here: ${PORTAL_URL}`, portalUrl: PORTAL_URL });
      const entries = text().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(entries).toEqual([
        expect.objectContaining({ msg: expect.stringMatching(/^dev outbox: email kept/), dev_outbox: 'email', to: 'anna@example.nl', subject: 'Your invoice 2027-001' }),
        expect.objectContaining({ msg: expect.stringMatching(/^dev outbox: SMS kept/), dev_outbox: 'SMS', to: '+31612345678' }),
      ]);
      expect(entries.filter((e) => 'portal_link' in e)).toEqual([]);
      expect(text()).not.toContain(TOKEN);
    }
  });

  test('a JSON logger censors a portal link even when a dev outbox was told to show it', async () => {
    const { logger, text } = captured('json');
    await createMailer({ from: 'Recoup <no-reply@recoup.test>', logger, showPortalLinks: true }).send(email);
    expect(JSON.parse(text())).toMatchObject({ dev_outbox: 'email', portal_link: '[redacted]' });
    expect(text()).not.toContain(TOKEN);
  });
});

describe('a notice sent through the dev outbox, at a developer’s terminal', () => {
  const { logger, text } = captured('pretty');
  let stack: Stack;

  beforeAll(async () => {
    const showPortalLinks = devOutboxShowsPortalLinks(parseConfig({}, { stdoutIsTTY: true }));
    stack = await startStack({ logger, mailer: createMailer({ from: 'Recoup <no-reply@recoup.test>', logger, showPortalLinks }), sms: createSmsSender({ logger, showPortalLinks }) });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  test('prints a block with the debtor, the subject and the link the message carries', async () => {
    const { key, companyId } = await stack.newPartner('Readable Logs');
    const invoiceId = await transmittedInvoice(stack, key, companyId);
    const [message] = await eventually(async () => {
      const rows = await stack.database.db.select().from(messages).where(eq(messages.invoiceId, invoiceId));
      expect(rows.length).toBeGreaterThan(0);
      return rows;
    }, 30_000);
    const link = /http:\/\/127\.0\.0\.1:\d+\/pay\/[A-Za-z0-9._-]+/.exec(message!.bodyText)![0];
    await eventually(async () => {
      expect(text()).toContain(['  ┌ email (dev outbox)', `  │ to:      ${message!.recipient}`, `  │ subject: ${message!.subject}`, `  │ link:    ${link}`, '  └'].join('\n'));
    });
    // The rest of the log is readable lines too: no JSON entry among them.
    expect(text().split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
  }, 60_000);
});
