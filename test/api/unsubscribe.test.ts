import { asc, eq } from 'drizzle-orm';
import { debtors, events, messages } from '../../db/schema';
import { createPortalToken } from '../../messaging/portal-link';
import { dateFrom } from '../support/seed';
import { invoiceBody, startStack, type Stack } from '../support/stack';

/**
 * The one-click unsubscribe of RFC 8058 over real HTTP and real SMTP: every email names a signed
 * URL of its debtor in `List-Unsubscribe`, a mail client's POST of `List-Unsubscribe=One-Click`
 * to it opts the debtor out of email for all their invoices, and the workflows' next email steps
 * are skipped for it. A GET (what a link scanner does) changes nothing; a forged link is a 404.
 */
let stack: Stack;
let partner: { key: string; companyId: string };

beforeAll(async () => {
  stack = await startStack();
  partner = await stack.newPartner('Unsubscribe');
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const EMAIL = 'leo@example.nl';
const optOutsOf = async (debtorId: string) => (await stack.database.db.select().from(debtors).where(eq(debtors.id, debtorId)))[0]!.optOuts;
const debtorEvents = async () =>
  (await stack.database.db.select().from(events).where(eq(events.companyId, partner.companyId)).orderBy(asc(events.seq))).filter((e) => e.type.startsWith('debtor.opted_'));
const emailsTo = (address: string) => stack.smtp.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === address);
const header = (mail: (typeof stack.smtp.messages)[number], name: string) => mail.headerLines.find((h) => h.key === name)?.line.slice(name.length + 1).trim();
const postOneClick = (url: string, body = 'List-Unsubscribe=One-Click', contentType = 'application/x-www-form-urlencoded') =>
  fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body, redirect: 'manual' });

test('an email’s List-Unsubscribe one-click POST opts its debtor out of email for every invoice; a GET or a forged link changes nothing', async () => {
  const now = await stack.env.currentTimeMs();
  const imp = await stack.request('POST', '/api/v2/imports', { key: partner.key, body: { company_id: partner.companyId } });
  // Two invoices of one debtor (one email), due in a week: the notice now, the first reminder on day 4.
  const ids: string[] = [];
  for (const n of [1, 2]) {
    const body = invoiceBody(imp.body.id, { invoice_number: `U-${n}`, issue_date: dateFrom(now, 0), due_date: dateFrom(now, 7) });
    const created = await stack.request('POST', '/api/v2/invoices', { key: partner.key, body: { ...body, debtor: { ...body.debtor, first_name: 'Leo', email: EMAIL } } });
    expect(created.status).toBe(201);
    ids.push(created.body.id);
  }
  const debtorId = (await stack.request('GET', `/api/v2/invoices/${ids[0]}`, { key: partner.key })).body.debtor_id as string;
  expect((await stack.request('GET', `/api/v2/invoices/${ids[1]}`, { key: partner.key })).body.debtor_id).toBe(debtorId);
  expect((await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key: partner.key })).status).toBe(202);

  // The notice (one digest of both, after the debtor's gathering window) as the debtor's mailbox
  // got it: both RFC 8058 headers, an https-shaped URL of this debtor.
  await stack.env.sleep('2 minutes');
  await stack.smtp.waitFor(1);
  const [mail] = emailsTo(EMAIL);
  const listUnsubscribe = header(mail!, 'list-unsubscribe')!;
  expect(listUnsubscribe).toMatch(new RegExp(`^<${stack.baseUrl}/unsubscribe/${debtorId}\\.email\\.[A-Za-z0-9_-]{32}>$`));
  expect(header(mail!, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
  const url = listUnsubscribe.slice(1, -1);

  // A link scanner's GET: a page with the button, nothing changed.
  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(await page.text()).toMatch(/<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">/);
  // Forged: another signature, another debtor under this signature, a portal link's token; and a POST without the one-click body.
  const signature = url.split('.').pop()!;
  const forged = [
    url.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
    url.replace(debtorId, `${debtorId.slice(0, -1)}${debtorId.endsWith('0') ? '1' : '0'}`),
    `${stack.baseUrl}/unsubscribe/${createPortalToken(stack.config.portalSecret, ids[0]!, new Date(now + 86_400_000))}`,
    `${stack.baseUrl}/unsubscribe/${debtorId}.sms.${signature}`,
    `${stack.baseUrl}/unsubscribe/not-a-token`,
  ];
  for (const bad of forged) expect({ bad, status: (await postOneClick(bad)).status }).toEqual({ bad, status: 404 });
  expect((await postOneClick(url, 'List-Unsubscribe=Maybe')).status).toBe(400);
  expect(await optOutsOf(debtorId)).toEqual([]);
  expect(await debtorEvents()).toEqual([]);

  // The mail client's POST, twice (a retry): 200, one change, one event.
  for (let i = 0; i < 2; i++) {
    const res = await postOneClick(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('data-testid="unsubscribed"');
  }
  expect(await optOutsOf(debtorId)).toEqual(['email']);
  expect((await debtorEvents()).map((e) => ({ type: e.type, companyId: e.companyId, data: e.data }))).toEqual([
    { type: 'debtor.opted_out', companyId: partner.companyId, data: { debtor_id: debtorId, channel: 'email', via: 'one_click' } },
  ]);
  expect((await stack.request('GET', `/api/v2/debtors/${debtorId}`, { key: partner.key })).body.opt_outs).toEqual(['email']);
  // RFC 8058 allows multipart/form-data as well.
  const boundary = 'b0undary';
  const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
  expect((await postOneClick(url, multipart, `multipart/form-data; boundary=${boundary}`)).status).toBe(200);

  // The first reminder (3 days before the due date) of both invoices: no email, and each step says why.
  const sent = emailsTo(EMAIL).length;
  await stack.env.sleep('5 days');
  for (const id of ids) {
    const timeline = (await stack.request('GET', `/api/v2/invoices/${id}/events`, { key: partner.key })).body.data as Array<{ type: string; data: { guardrails?: unknown[] } }>;
    const reminder = timeline.find((e) => e.type === 'invoice.reminder_sent');
    expect({ id, guardrails: reminder?.data.guardrails }).toEqual({ id, guardrails: expect.arrayContaining([{ check: 'opt_out', result: 'skipped', channel: 'email' }]) });
    const emails = await stack.database.db.select().from(messages).where(eq(messages.invoiceId, id));
    expect(emails.filter((m) => m.kind === 'reminder')).toEqual([]);
  }
  expect(emailsTo(EMAIL)).toHaveLength(sent);
});
