import { Writable } from 'node:stream';
import { createLogger } from '../../bootstrap/logger';
import { createMailer } from '../../messaging/mailer';
import { createSmsSender } from '../../messaging/sms';
import { redactUrl } from '../../observability/log-redaction';
import { createConsoleUser } from '../../services/console-users';
import { ConsoleClient } from '../console/browser-session';
import { getPage, postForm, transmittedInvoice } from '../portal/portal-client';
import { OPS_KEY, startStack, type Stack } from '../support/stack';
import { startWebhookReceiver, type WebhookReceiver } from '../webhooks/receiver';

/**
 * Item 9 of issue 13: every log line of a whole journey (API, activities, mailer) is captured
 * from the product's own logger, and none carries a credential: API keys, bearer tokens, the
 * webhook secret, the portal token, the checkout token, a session cookie, an SFTP password.
 */
const lines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});
const logger = createLogger('debug', 'recoup-test', capture);
const OPS_USER = { email: 'ops@logs.test', password: 'a long console password' };

let stack: Stack;
let receiver: WebhookReceiver;

beforeAll(async () => {
  [stack, receiver] = await Promise.all([startStack({ logger, webhooks: true }), startWebhookReceiver()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([stack?.close(), receiver?.close()]);
});

const parsed = () => lines.map((l) => JSON.parse(l) as { msg?: string; req?: { method?: string; url?: string }; res?: { statusCode?: number } });

test('a whole journey logs its requests and messages, and no log line holds a key, token, secret, cookie or password', async () => {
  const { request } = stack;
  const secrets: Record<string, string> = { 'bootstrap ops key': OPS_KEY };

  // Ops set up a partner, its key and an SFTP login with a generated password.
  const partner = await request('POST', '/api/v2/partners', { key: OPS_KEY, body: { name: 'Quiet Logs BV' } });
  const apiKey = await request('POST', `/api/v2/partners/${partner.body.id}/api_keys`, { key: OPS_KEY, body: { role: 'partner' } });
  expect(apiKey.status).toBe(201);
  const key: string = (secrets['partner API key'] = apiKey.body.secret);
  const sftp = await request('POST', `/api/v2/partners/${partner.body.id}/sftp_logins`, { key: OPS_KEY, body: { username: 'quiet-logs' } });
  expect(sftp.status).toBe(201);
  secrets['SFTP password'] = sftp.body.password;

  // The partner: a webhook endpoint (its secret) and a company that ops verify.
  const endpoint = await request('POST', '/api/v2/webhook_endpoints', { key, body: { url: receiver.url('/logs') } });
  expect(endpoint.status).toBe(201);
  secrets['webhook secret'] = endpoint.body.secret;
  secrets['webhook key material'] = endpoint.body.secret.slice('whsec_'.length);
  const company = await request('POST', '/api/v2/companies', { key, body: { name: 'Quiet Club', country: 'NL', currency: 'EUR', locale: 'nl', timezone: 'Europe/Amsterdam' } });
  expect((await request('POST', `/api/v2/companies/${company.body.id}/verification`, { key: OPS_KEY, body: { decision: 'approve', reason: 'checked' } })).status).toBe(200);

  // An invoice is transmitted; the debtor's notice arrives over SMTP with the portal link.
  const invoiceId = await transmittedInvoice(stack, key, company.body.id);
  const [mail] = await stack.smtp.waitFor(1);
  const link = /(http:\/\/127\.0\.0\.1:\d+\/pay\/([A-Za-z0-9._-]+))/.exec(mail!.text ?? '');
  expect(link).not.toBeNull();
  const [, portalUrl, portalToken] = link!;
  secrets['portal token'] = portalToken!;
  await receiver.waitFor((r) => r.body.type === 'invoice.transmitted' && r.body.data.invoice_id === invoiceId);

  // The debtor opens the portal and pays through the test provider's checkout.
  const page = await getPage(portalUrl!);
  expect(page.status).toBe(200);
  const started = await postForm(`${portalUrl}/payment`, { _csrf: page.csrf, amount: '120,00' });
  expect(started.status).toBe(303);
  const checkout = new URL(started.location!);
  secrets['checkout token'] = checkout.searchParams.get('checkout')!;
  expect((await getPage(checkout.href)).status).toBe(200);
  const paid = await postForm(`${checkout.origin}${checkout.pathname}/complete`, { checkout: secrets['checkout token'], outcome: 'paid' });
  expect(paid.status).toBe(303);
  expect((await getPage(paid.location!)).status).toBe(200);

  // An ops user signs in to the console: the session arrives in Set-Cookie and goes back in Cookie.
  await createConsoleUser(stack.database.db, { ...OPS_USER, role: 'ops' });
  const browser = new ConsoleClient(stack.baseUrl);
  const signIn = await browser.signIn(OPS_USER.email, OPS_USER.password);
  expect(signIn.status).toBe(303);
  expect(signIn.setCookies.length).toBeGreaterThan(0);
  for (const [name, value] of browser.cookies) secrets[`cookie ${name}`] = value;
  secrets['console password'] = OPS_USER.password;
  expect((await browser.get('/console/outbox')).status).toBe(200);

  // The dev outboxes (no SMTP, no Twilio) with the same logger: a message with the portal link.
  await createMailer({ from: 'Recoup <no-reply@recoup.test>', logger }).send({ to: 'anna@example.nl', subject: 'Your invoice', text: `Pay here: ${portalUrl}`, html: `<a href="${portalUrl}">Pay</a>`, messageId: '<dev@recoup.test>' });
  await createSmsSender({ logger }).send({ to: '+31612345678', body: `Pay here: ${portalUrl}` });

  // Not one line holds a credential …
  const log = lines.join('\n');
  const leaked = Object.entries(secrets).filter(([, value]) => log.includes(value) || log.includes(encodeURIComponent(value)));
  expect(leaked.map(([name]) => name)).toEqual([]);
  expect(log).not.toMatch(/Bearer [A-Za-z0-9_-]{8}/);

  // … while the logs are there and tell what happened (so a leak would have been seen): a line per
  // request, the token's place in its URL masked.
  const entries = parsed();
  const requestLine = (method: string, url: RegExp, status: number) => entries.some((e) => e.req?.method === method && url.test(e.req.url ?? '') && e.res?.statusCode === status);
  expect(lines.length).toBeGreaterThan(20);
  expect(requestLine('POST', new RegExp(`^/api/v2/partners/${partner.body.id}/api_keys$`), 201)).toBe(true);
  expect(requestLine('POST', /^\/api\/v2\/webhook_endpoints$/, 201)).toBe(true);
  expect(requestLine('GET', /^\/pay\/[^/?]+$/, 200)).toBe(true);
  expect(requestLine('POST', /^\/pay\/[^/?]+\/payment$/, 303)).toBe(true);
  expect(requestLine('GET', /^\/pay\/test-provider\/tpay_[0-9a-f]+\?checkout=/, 200)).toBe(true);
  expect(requestLine('GET', /^\/pay\/[^/?]+\?payment=success$/, 200)).toBe(true);
  expect(requestLine('POST', /^\/console\/sign-in$/, 303)).toBe(true);
  expect(entries.filter((e) => e.req?.url?.startsWith('/pay/[redacted]')).length).toBeGreaterThanOrEqual(3);
  expect(entries.some((e) => e.msg === 'message sent')).toBe(true);
  expect(entries.filter((e) => e.msg?.startsWith('dev outbox:'))).toHaveLength(2);
}, 120_000);

describe('URLs in log lines', () => {
  test.each([
    ['the portal page', '/pay/eyJpbnYiOiJpbnZfMSJ9.c2ln', '/pay/[redacted]'],
    ['a portal action with its notice', '/pay/eyJpbnYiOiJpbnZfMSJ9.c2ln/payment?notice=paid', '/pay/[redacted]/payment?notice=paid'],
    ['an absolute portal link (Location, Referer)', 'http://127.0.0.1:3000/pay/abc.def?payment=success#pay', 'http://127.0.0.1:3000/pay/[redacted]?payment=success'],
    ['the test checkout, token in the query', '/pay/test-provider/tpay_0123?checkout=abc.def', '/pay/test-provider/tpay_0123?checkout=[redacted]'],
    ['credential parameters, by any case', '/x?Token=a&signature=b&code=c&status=open', '/x?Token=[redacted]&signature=[redacted]&code=[redacted]&status=open'],
    ['an API path, unchanged', '/api/v2/invoices?company_id=cmp_1&status=overdue', '/api/v2/invoices?company_id=cmp_1&status=overdue'],
  ])('%s', (_name, url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });
});
