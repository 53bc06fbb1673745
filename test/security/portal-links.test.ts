import { eq } from 'drizzle-orm';
import type { ParsedMail } from 'mailparser';
import { dunningPolicies, messages } from '../../db/schema';
import { defaultDunningPolicy } from '../../domain/dunning-policy';
import { createPortalToken } from '../../messaging/portal-link';
import { getPage, postForm, transmittedInvoice } from '../portal/portal-client';
import { dateFrom } from '../support/seed';
import { eventually } from '../support/eventually';
import { invoiceBody, startStack, type Stack } from '../support/stack';

/**
 * Item 7 of issue 13: a leaked portal link is limited. Links expire after the policy's
 * `portal_link_days`, every message carries a fresh one, and a contact change made in the portal
 * is confirmed to the previous address with a link that undoes it. Real SMTP in-process captures
 * the mails; the invoice workflow runs on the time-skipping server.
 */
let stack: Stack;
let key: string;
let companyId: string;
const LINK_DAYS = 10;
const DAY_MS = 86_400_000;

beforeAll(async () => {
  stack = await startStack();
  ({ key, companyId } = await stack.newPartner('Links'));
  const policy = { ...defaultDunningPolicy, portal_link_days: LINK_DAYS, steps: [{ offset_days: 1, action: 'reminder', channels: ['email'] }, { offset_days: 45, action: 'debt_collection', channels: [] }] };
  const put = await stack.request('PUT', `/api/v2/companies/${companyId}/dunning_policy`, { key, body: policy });
  expect(put.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const mailsTo = (address: string): ParsedMail[] => stack.smtp.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.value.some((v) => v.address === address));
const tokenIn = (mail: ParsedMail): string => /\/pay\/([A-Za-z0-9_.-]+)/.exec(mail.text ?? '')![1]!;
const expiryOf = (token: string): number => parseInt(token.split('.')[1]!, 36) * 1000;

/** A transmitted invoice due today (on the test server's clock) whose notice has been mailed. */
async function invoiceWithNotice(email: string, phone?: string, partner = { key, companyId }): Promise<{ id: string; notice: ParsedMail }> {
  const { key, companyId } = partner;
  const mailsBefore = mailsTo(email).length;
  const today = dateFrom(await stack.env.currentTimeMs(), 0);
  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const inv = await stack.request('POST', '/api/v2/invoices', {
    key,
    body: invoiceBody(imp.body.id, { issue_date: today, due_date: today, debtor: { first_name: 'Lou', last_name: 'Smit', email, ...(phone ? { phone } : {}), locale: 'en', timezone: 'Europe/Amsterdam' } }),
  });
  expect(inv.status).toBe(201);
  expect((await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key })).status).toBe(202);
  await eventually(async () => expect(mailsTo(email)).toHaveLength(mailsBefore + 1));
  return { id: inv.body.id, notice: mailsTo(email)[mailsBefore]! };
}

test("a message's link is valid for the policy's portal_link_days from that message, and once expired it shows nothing of the invoice", async () => {
  const sentAround = Date.now();
  const { id, notice } = await invoiceWithNotice('expiry@example.org');
  const token = tokenIn(notice);
  expect(Math.abs(expiryOf(token) - (sentAround + LINK_DAYS * DAY_MS))).toBeLessThan(5 * 60_000);

  const open = await getPage(`${stack.baseUrl}/pay/${token}`);
  expect(open.status).toBe(200);
  const invoiceNumber = (await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body.invoice_number;
  expect(open.html).toContain(invoiceNumber);

  // The same link, as it is once its period has passed.
  const expired = await getPage(`${stack.baseUrl}/pay/${createPortalToken(stack.config.portalSecret, id, new Date(Date.now() - 1000))}`);
  expect(expired.status).toBe(404);
  expect(expired.html).toContain('This link is invalid or has expired');
  for (const secret of [invoiceNumber, 'Lou', 'Smit', '120', 'expiry@example.org']) expect(expired.html).not.toContain(secret);
});

test('a policy version stored before portal_link_days existed stays valid and gives links of the default 60 days', async () => {
  const old = await stack.newPartner('Old policy');
  const { portal_link_days: _, ...stored } = defaultDunningPolicy;
  await stack.database.db.insert(dunningPolicies).values({ companyId: old.companyId, version: 1, policy: stored as typeof defaultDunningPolicy });
  const answered = await stack.request('GET', `/api/v2/companies/${old.companyId}/dunning_policy`, { key: old.key });
  expect(answered.body).toMatchObject({ version: 1, policy: { portal_link_days: 60 } });
  const sentAround = Date.now();
  const { notice } = await invoiceWithNotice('old-policy@example.org', undefined, old);
  expect(Math.abs(expiryOf(tokenIn(notice)) - (sentAround + 60 * DAY_MS))).toBeLessThan(5 * 60_000);
});

test('every message carries a fresh link: a later reminder has another token that expires later', async () => {
  const { id, notice } = await invoiceWithNotice('fresh@example.org');
  // Tokens carry their expiry to the second: let a second pass before the next message.
  await new Promise((r) => setTimeout(r, 1100));
  await stack.env.sleep('4 days'); // the policy reminds one day after the due date, at least 3 days after the notice
  await eventually(async () => expect(mailsTo('fresh@example.org')).toHaveLength(2));
  const [first, second] = [tokenIn(notice), tokenIn(mailsTo('fresh@example.org')[1]!)];
  expect(second).not.toBe(first);
  expect(expiryOf(second)).toBeGreaterThan(expiryOf(first));
  for (const token of [first, second]) expect((await getPage(`${stack.baseUrl}/pay/${token}`)).status).toBe(200);
  const stored = await stack.database.db.select({ kind: messages.kind }).from(messages).where(eq(messages.invoiceId, id));
  expect(stored.map((m) => m.kind).sort()).toEqual(['invoice_notice', 'reminder']);
}, 60_000);

test("a contact change in the portal changes the debtor and each open invoice of theirs, is confirmed to the previous email and number, and the undo link there restores them all", async () => {
  const OLD = 'owner@example.org';
  const NEW = 'attacker@example.org';
  const { id, notice } = await invoiceWithNotice(OLD, '+31612345678');
  // A second invoice of the same debtor: its notice waits for the debtor's next contact slot (days later).
  const otherId = await transmittedInvoice(stack, key, companyId, { due_date: dateFrom(await stack.env.currentTimeMs(), 0), debtor: { first_name: 'Lou', last_name: 'Smit', email: OLD, phone: '+31612345678', locale: 'en', timezone: 'Europe/Amsterdam' } });
  const debtorId: string = (await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body.debtor_id;
  expect((await stack.request('GET', `/api/v2/invoices/${otherId}`, { key })).body.debtor_id).toBe(debtorId);
  const debtorOf = async (invoiceId: string) => (await stack.request('GET', `/api/v2/invoices/${invoiceId}`, { key })).body.debtor;
  const portal = `${stack.baseUrl}/pay/${tokenIn(notice)}`;

  const page = await getPage(portal);
  const changed = await postForm(`${portal}/contact`, { _csrf: page.csrf, email: NEW, phone: '+31687654321' });
  expect(changed.status).toBe(303);
  for (const invoiceId of [id, otherId]) expect(await debtorOf(invoiceId)).toMatchObject({ email: NEW, phone: '+31687654321' });
  expect((await stack.request('GET', `/api/v2/debtors/${debtorId}`, { key })).body).toMatchObject({ email: NEW, phone: '+31687654321' });
  const debtorUpdates = async () =>
    ((await stack.request('GET', '/api/v2/events?limit=100', { key })).body.data as { type: string; data: { debtor_id?: string; via?: string } }[]).filter((e) => e.type === 'debtor.updated' && e.data.debtor_id === debtorId);
  expect((await debtorUpdates()).map((e) => e.data.via)).toEqual(['portal']);

  // The previous address hears of it once (the new one does not), with a link that undoes it.
  await eventually(async () => expect(mailsTo(OLD)).toHaveLength(2));
  expect(mailsTo(NEW)).toHaveLength(0);
  const confirmation = mailsTo(OLD)[1]!;
  expect(confirmation.subject).toContain('were changed');
  expect(confirmation.text).not.toContain(NEW);
  expect(confirmation.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  const undoUrl = /(http:\/\/\S+\/contact\/undo\/\S+)/.exec(confirmation.text ?? '')![1]!;
  // The previous number gets the same by SMS (the dev outbox here).
  await eventually(async () => {
    const sms = await stack.database.db.select().from(messages).where(eq(messages.invoiceId, id));
    expect(sms.filter((m) => m.channel === 'sms' && m.kind === 'contact_change_confirmation').map((m) => [m.recipient, m.status])).toEqual([['+31612345678', 'outbox']]);
  });

  // Opening the link changes nothing (mail scanners open links); its button does.
  const offer = await getPage(undoUrl);
  expect(offer.status).toBe(200);
  expect((await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body.debtor.email).toBe(NEW);
  const undone = await postForm(undoUrl, { _csrf: offer.csrf });
  expect(undone.status).toBe(303);
  expect(undone.location).toMatch(/notice=contact_restored$/);
  for (const invoiceId of [id, otherId]) {
    expect(await debtorOf(invoiceId)).toMatchObject({ email: OLD, phone: '+31612345678' });
    const events = (await stack.request('GET', `/api/v2/invoices/${invoiceId}/events?limit=100`, { key })).body.data as { type: string; data: { via?: string } }[];
    expect(events.filter((e) => e.type === 'invoice.contact_updated').map((e) => e.data.via)).toEqual(['portal', 'portal_undo']);
  }
  expect((await stack.request('GET', `/api/v2/debtors/${debtorId}`, { key })).body).toMatchObject({ email: OLD, phone: '+31612345678' });
  expect((await debtorUpdates()).map((e) => e.data.via)).toEqual(['portal', 'portal_undo']);

  // An undo link cannot be forged for another change, nor used on another invoice's link.
  const forged = undoUrl.replace(/\/undo\/([^.]+)\.(.*)$/, '/undo/$1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  expect((await getPage(forged)).status).toBe(404);
}, 60_000);
