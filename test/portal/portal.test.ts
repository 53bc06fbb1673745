import { and, asc, eq, sql } from 'drizzle-orm';
import { events, ledgerEntries } from '../../db/schema';
import { formatMoney, type Locale } from '../../messaging/templates';
import { portalTexts } from '../../api/portal/texts';
import { formatDate } from '../../api/portal/views';
import { localDateTime } from '../../domain/local-time';
import { eventually } from '../support/eventually';
import { debtorOptOuts } from '../support/seed';
import { startStack, type Stack } from '../support/stack';
import { deliverTestWebhook, eventsOf, getPage, inDays, invoiceOf, portalLink, postForm, signedTestWebhook, testId, threadOf, transmittedInvoice } from './portal-client';

/**
 * The debtor portal over real HTTP, with the built-in `test` payment provider, the real database
 * and the invoice workflow on the time-skipping server.
 */
let stack: Stack;
let partner: { key: string; companyId: string };
const WEBHOOK_SECRET = 'portal-test-webhook-secret-0123';

beforeAll(async () => {
  stack = await startStack({ config: { PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET } });
  partner = await stack.newPartner('Portal');
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe.each<[Locale, string]>([
  ['nl', '€ 120,00'],
  ['en', '€120.00'],
  ['de', '120,00 €'],
  ['fr', '120,00 €'],
])('in %s', (locale, amount) => {
  test('the portal shows the company, the invoice and its lines, the amount due and the status, translated, on one self-contained page', async () => {
    const id = await transmittedInvoice(stack, partner.key, partner.companyId, {
      invoice_number: `P-${locale}`,
      debtor: { first_name: 'Sam', last_name: 'Peeters', email: 'sam@example.org', locale, timezone: 'Europe/Brussels' },
      invoice_lines: [
        { description: 'Membership <2027>', amount_cents: 10_000, quantity: 1, vat_rate: 0 },
        { description: 'Bar duty buy-out', amount_cents: 1_000, quantity: 2, vat_rate: 21 },
      ],
    });
    const t = portalTexts[locale];
    const page = await getPage(portalLink(stack, id).url);
    expect(page.status).toBe(200);
    expect(page.html).toContain(`<html lang="${locale}">`);
    expect(page.html).toContain('<meta name="viewport" content="width=device-width,initial-scale=1">');
    expect(page.html).toContain('Portal Club');
    expect(page.html).toContain(t.title({ company: 'Portal Club' }));
    expect(testId(page.html, 'invoice-number')).toBe(`P-${locale}`);
    expect(page.html).toContain('Membership &lt;2027&gt;');
    expect(page.html).toContain('Bar duty buy-out');
    expect(testId(page.html, 'amount-due')!.replace(/\s/g, ' ')).toBe(formatMoney(12_000, 'EUR', locale).replace(/\s/g, ' '));
    expect(testId(page.html, 'amount-due')!.replace(/\s/g, ' ')).toBe(amount);
    expect(testId(page.html, 'status')).toBe(t.statuses.open);
    for (const label of [t.pay.button, t.promise.heading, t.plan.heading, t.budget.heading, t.contact.heading, t.messages.turnOff.email, t.messages.turnOff.sms]) expect(page.html).toContain(label);
    // Nothing loads from anywhere: no scripts, stylesheets, images, fonts or absolute URLs.
    expect(page.html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|src=|https?:\/\//i);
  });
});

test('a forged, expired or unknown link is a 404 in English that shows nothing of the invoice', async () => {
  const id = await transmittedInvoice(stack, partner.key, partner.companyId, { invoice_number: 'SECRET-1' });
  const { token } = portalLink(stack, id);
  const [invoiceId, expires] = token.split('.');
  const links = {
    forged: `${invoiceId}.${expires}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
    expired: portalLink(stack, id, new Date(Date.now() - 1000)).token,
    'other invoice': `inv_unknown.${expires}.${token.split('.')[2]}`,
    garbage: 'not-a-token',
  };
  for (const [what, link] of Object.entries(links)) {
    const page = await getPage(`${stack.baseUrl}/pay/${link}`);
    expect({ what, status: page.status }).toEqual({ what, status: 404 });
    expect(page.html).toContain('<html lang="en">');
    expect(page.html).toContain('This link is invalid or has expired');
    expect(page.html).not.toContain('SECRET-1');
    expect(page.html).not.toContain('Portal Club');
    const posted = await postForm(`${stack.baseUrl}/pay/${link}/promise_to_pay`, { date: await inDays(stack, 5) });
    expect(posted.status).toBe(404);
  }
});

test('a form body the portal cannot read is answered with a page, not the API’s JSON', async () => {
  const id = await transmittedInvoice(stack, partner.key, partner.companyId);
  const res = await fetch(`${portalLink(stack, id).url}/contact`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `email=${'x'.repeat(20_000)}` });
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
});

test('a form without this link’s valid form token is refused (403) and changes nothing', async () => {
  const id = await transmittedInvoice(stack, partner.key, partner.companyId);
  const other = await transmittedInvoice(stack, partner.key, partner.companyId);
  const { url } = portalLink(stack, id);
  const otherPage = await getPage(portalLink(stack, other).url);
  const page = await getPage(url);
  const date = await inDays(stack, 5);
  const before = ['invoice.transmitted', 'message.sent'];
  await eventually(async () => expect((await eventsOf(stack, partner.key, id)).map((e) => e.type)).toEqual(before));
  const attempts: Record<string, Record<string, string>> = {
    'no token': { date },
    'another link’s token': { date, _csrf: otherPage.csrf },
    'a tampered token': { date, _csrf: page.csrf.replace(/\.(.)/, (_m, c: string) => `.${c === 'A' ? 'B' : 'A'}`) },
    'an old token': { date, _csrf: `${(Math.floor(Date.now() / 1000) - 13 * 3600).toString(36)}.${page.csrf.split('.')[1]}` },
  };
  for (const [what, fields] of Object.entries(attempts)) {
    const res = await postForm(`${url}/promise_to_pay`, fields);
    expect({ what, status: res.status }).toEqual({ what, status: 403 });
    expect(res.html).toContain(portalTexts.nl.problems.form_expired({}));
  }
  for (const action of ['payment', 'payment_plan', 'income_expenditure', 'contact', 'opt_out']) {
    expect((await postForm(`${url}/${action}`, { amount: '10', email: 'x@example.org', channel: 'email' })).status).toBe(403);
  }
  expect((await invoiceOf(stack, partner.key, id)).status).toBe('open');
  expect((await eventsOf(stack, partner.key, id)).map((e) => e.type)).toEqual(before);
  expect(await debtorOptOuts(stack.database.db, id)).toEqual([]);
});

test.each([
  ['', 'amount_invalid'],
  ['abc', 'amount_invalid'],
  ['-5', 'amount_invalid'],
  ['1e3', 'amount_invalid'],
  ['12,345,67', 'amount_invalid'],
  ['0', 'amount_too_low'],
  ['0,00', 'amount_too_low'],
  ['120,01', 'amount_too_high'],
  ['1.000', 'amount_too_high'],
] as const)('paying %j is refused with a message on the page (%s), never a 500', async (amount, code) => {
  const id = await transmittedInvoice(stack, partner.key, partner.companyId);
  const { url } = portalLink(stack, id);
  const { csrf } = await getPage(url);
  const res = await postForm(`${url}/payment`, { _csrf: csrf, amount });
  expect(res.status).toBe(422);
  expect(testId(res.html, 'problem')).toBe(portalTexts.nl.problems[code]({ min: formatMoney(1, 'EUR', 'nl'), max: formatMoney(12_000, 'EUR', 'nl') }));
  expect(res.html).toContain(`value="${amount}"`);
  expect((await invoiceOf(stack, partner.key, id)).amount_due_cents).toBe(12_000);
});

test('paying part through the test provider’s checkout lowers the amount due; a webhook delivered twice counts once; “Fail” changes nothing', async () => {
  const id = await transmittedInvoice(stack, partner.key, partner.companyId);
  const { url, token } = portalLink(stack, id);
  const { csrf } = await getPage(url);

  const failed = await postForm(`${url}/payment`, { _csrf: csrf, amount: '10' });
  const failedCheckout = new URL(failed.location!);
  const failedPage = await getPage(failedCheckout.href);
  const failedBack = await postForm(`${failedCheckout.origin}${failedCheckout.pathname}/complete`, { checkout: failedCheckout.searchParams.get('checkout')!, outcome: 'failed' });
  expect(failedPage.status).toBe(200);
  expect(failedBack.location).toBe(`${stack.baseUrl}/pay/${token}?payment=failed`);
  expect(testId((await getPage(failedBack.location!)).html, 'notice')).toBe(portalTexts.nl.notices.payment_failed({}));
  expect((await invoiceOf(stack, partner.key, id)).amount_due_cents).toBe(12_000);

  const started = await postForm(`${url}/payment`, { _csrf: csrf, amount: '50,25' });
  expect(started.status).toBe(303);
  const checkout = new URL(started.location!);
  expect(checkout.origin).toBe(stack.baseUrl);
  expect(checkout.pathname).toMatch(/^\/pay\/test-provider\/tpay_[0-9a-f]{24}$/);
  const checkoutPage = await getPage(checkout.href);
  expect(checkoutPage.status).toBe(200);
  expect(testId(checkoutPage.html, 'checkout-amount')).toBe('€50.25');
  // A checkout whose signed details were altered does not exist.
  expect((await getPage(checkout.href.replace('checkout=', 'checkout=x'))).status).toBe(404);

  const paid = await postForm(`${checkout.origin}${checkout.pathname}/complete`, { checkout: checkout.searchParams.get('checkout')!, outcome: 'paid' });
  expect(paid.status).toBe(303);
  expect(paid.location).toBe(`${stack.baseUrl}/pay/${token}?payment=success`);
  const after = await getPage(paid.location!);
  expect(testId(after.html, 'notice')).toBe(portalTexts.nl.notices.payment_success({}));
  expect(testId(after.html, 'amount-due')).toBe(formatMoney(6_975, 'EUR', 'nl'));
  expect(await invoiceOf(stack, partner.key, id)).toMatchObject({ status: 'open', amount_paid_cents: 5_025, amount_due_cents: 6_975 });
  const paymentId = checkout.pathname.split('/').pop()!;
  const received = (await eventsOf(stack, partner.key, id)).filter((e) => e.type === 'invoice.payment_received');
  expect(received.map((e) => e.data)).toEqual([expect.objectContaining({ amount_cents: 5_025, external_id: paymentId, source: 'portal' })]);

  // The provider delivers the same event again (signed here, independently of the provider's code).
  const body = JSON.stringify({ id: 'evt_again', type: 'checkout.session.completed', created: Math.floor(Date.now() / 1000), data: { payment_id: paymentId, invoice_id: id, amount_cents: 5_025, currency: 'EUR' } });
  const again = await deliverTestWebhook(stack, body, signedTestWebhook(WEBHOOK_SECRET, body));
  expect(again).toEqual({ status: 200, body: { received: true, outcome: 'already_recorded' } });
  expect(await stack.database.db.select().from(ledgerEntries).where(and(eq(ledgerEntries.invoiceId, id), eq(ledgerEntries.kind, 'payment')))).toHaveLength(1);
  expect((await invoiceOf(stack, partner.key, id)).amount_due_cents).toBe(6_975);

  // Not signed with the secret, or signed long ago: refused.
  expect((await deliverTestWebhook(stack, body, signedTestWebhook('another-secret-0123456789', body))).status).toBe(400);
  expect((await deliverTestWebhook(stack, body, signedTestWebhook(WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000) - 600))).status).toBe(400);
  expect((await stack.request('POST', '/webhooks/payments/stripe', { body: {} })).status).toBe(404);
});

test('a promise to pay within the policy is recorded; a date past its limit is refused with the limit, and a second arrangement is refused', async () => {
  // A debtor who owes this one invoice (with others open, the page offers arrangements on those).
  const id = await transmittedInvoice(stack, partner.key, partner.companyId, { debtor: { first_name: 'Pim', last_name: 'Belofte', email: 'pim@example.nl', locale: 'nl', timezone: 'Europe/Amsterdam' } });
  const { url } = portalLink(stack, id);
  const { csrf } = await getPage(url);
  const t = portalTexts.nl;

  const invalid = await postForm(`${url}/promise_to_pay`, { _csrf: csrf, date: '2026-02-30' });
  expect(invalid.status).toBe(422);
  expect(testId(invalid.html, 'problem')).toBe(t.problems.date_invalid({}));

  const tooFar = await postForm(`${url}/promise_to_pay`, { _csrf: csrf, date: await inDays(stack, 45) });
  expect(tooFar.status).toBe(422);
  // The portal's "today" is the debtor's (Amsterdam), which is already tomorrow late in a UTC evening.
  const today = localDateTime(Date.now(), 'Europe/Amsterdam').date;
  expect(testId(tooFar.html, 'problem')).toContain(formatDate(new Date(Date.parse(`${today}T00:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10), 'nl'));
  expect(tooFar.html).toContain(`min="${today}"`);
  expect((await invoiceOf(stack, partner.key, id)).status).toBe('open');

  const date = await inDays(stack, 10);
  const made = await postForm(`${url}/promise_to_pay`, { _csrf: csrf, date });
  expect(made.status).toBe(303);
  expect(made.location).toMatch(/\?notice=promise_made$/);
  const page = await getPage(`${stack.baseUrl}${made.location}`);
  expect(testId(page.html, 'notice')).toBe(t.notices.promise_made({}));
  expect(testId(page.html, 'status')).toBe(t.statuses.promise_to_pay);
  expect(page.html).toContain(t.promiseInPlace({ date: formatDate(date, 'nl') }));
  expect((await invoiceOf(stack, partner.key, id)).status).toBe('promise_to_pay');
  expect((await eventsOf(stack, partner.key, id)).find((e) => e.type === 'invoice.promise_to_pay_made')?.data).toMatchObject({ date, source: 'portal' });
  // On the debtor's thread once, committed with the promise itself.
  expect(await threadOf(stack, (await invoiceOf(stack, partner.key, id)).debtor_id)).toEqual([{ kind: 'promise_to_pay', channel: 'portal', body: `Promised to pay by ${date}.` }]);

  // The forms for arrangements are gone; a stale form posted anyway meets the workflow's refusal.
  expect(page.html).not.toContain('/promise_to_pay"');
  const second = await postForm(`${url}/payment_plan`, { _csrf: csrf, installment_count: '3', first_due_date: await inDays(stack, 5) });
  expect(second.status).toBe(409);
  expect(testId(second.html, 'problem')).toBe(t.problems.arrangement_in_place({}));
});

test('a payment plan within the policy is set up and shown; one past its limits is refused with them', async () => {
  const id = await transmittedInvoice(stack, partner.key, partner.companyId, { debtor: { last_name: 'Dupont', email: 'd@example.fr', locale: 'fr' } });
  const { url } = portalLink(stack, id);
  const { csrf } = await getPage(url);
  const t = portalTexts.fr;
  const first = await inDays(stack, 5);

  const notANumber = await postForm(`${url}/payment_plan`, { _csrf: csrf, installment_count: 'trois', first_due_date: first });
  expect(testId(notANumber.html, 'problem')).toBe(t.problems.count_invalid({}));
  const tooMany = await postForm(`${url}/payment_plan`, { _csrf: csrf, installment_count: '13', first_due_date: first });
  expect(tooMany.status).toBe(422);
  expect(testId(tooMany.html, 'problem')).toContain('2 à 12 mensualités d’au moins 25,00');
  expect(tooMany.html).toMatch(/<details id="plan" open>/);

  const ok = await postForm(`${url}/payment_plan`, { _csrf: csrf, installment_count: '3', first_due_date: first });
  expect(ok.status).toBe(303);
  const page = await getPage(`${stack.baseUrl}${ok.location}`);
  expect(testId(page.html, 'notice')).toBe(t.notices.plan_created({}));
  expect(testId(page.html, 'status')).toBe(t.statuses.payment_plan);
  expect(page.html).toContain(t.installment({ date: formatDate(first, 'fr'), amount: formatMoney(4_000, 'EUR', 'fr') }));
  expect((await invoiceOf(stack, partner.key, id)).status).toBe('payment_plan');
  expect((await eventsOf(stack, partner.key, id)).find((e) => e.type === 'invoice.payment_plan_created')?.data).toMatchObject({ source: 'portal' });
  expect(await threadOf(stack, (await invoiceOf(stack, partner.key, id)).debtor_id)).toEqual([{ kind: 'payment_plan', channel: 'portal', body: `Set up a payment plan: 3 instalments from ${first}.` }]);
});

test('income and expenditure proposes an affordable plan the debtor accepts with one click, or says none fits', async () => {
  const id = await transmittedInvoice(stack, partner.key, partner.companyId, { debtor: { last_name: 'Weber', email: 'w@example.de', locale: 'de' } });
  const { url } = portalLink(stack, id);
  const { csrf } = await getPage(url);
  const t = portalTexts.de;

  const unreadable = await postForm(`${url}/income_expenditure`, { _csrf: csrf, monthly_income: 'viel', monthly_expenses: '100' });
  expect(unreadable.status).toBe(422);
  expect(testId(unreadable.html, 'problem')).toBe(t.problems.money_invalid({}));

  const none = await postForm(`${url}/income_expenditure`, { _csrf: csrf, monthly_income: '1.000,00', monthly_expenses: '990' });
  expect(none.location).toMatch(/\?notice=plan_none$/);
  expect(testId((await getPage(`${stack.baseUrl}${none.location}`)).html, 'notice')).toBe(t.notices.plan_none({ company: 'Portal Club' }));

  // 100 € left a month, half of it affordable: 50 € installments, so 3 of them for 120 €.
  const fits = await postForm(`${url}/income_expenditure`, { _csrf: csrf, monthly_income: '2000', monthly_expenses: '1900,00' });
  expect(fits.location).toMatch(/\?notice=plan_proposed&installments=3#budget$/);
  const proposal = await getPage(`${stack.baseUrl}${fits.location}`);
  expect(proposal.html).toContain('3 Monatsraten von etwa 40,00');
  const accept = /<div class="proposal"[^]*?<input type="hidden" name="installment_count" value="(\d+)"><input type="hidden" name="first_due_date" value="([\d-]+)">/.exec(proposal.html)!;
  const accepted = await postForm(`${url}/payment_plan`, { _csrf: proposal.csrf, installment_count: accept[1]!, first_due_date: accept[2]! });
  expect(accepted.status).toBe(303);
  expect((await invoiceOf(stack, partner.key, id)).status).toBe('payment_plan');

  const assessments = (await eventsOf(stack, partner.key, id)).filter((e) => e.type === 'message.received');
  expect(assessments.map((e) => e.data)).toEqual([
    expect.objectContaining({ kind: 'income_expenditure', via: 'portal', monthly_income_cents: 100_000, monthly_expenses_cents: 99_000, proposal: null }),
    expect.objectContaining({ kind: 'income_expenditure', monthly_income_cents: 200_000, monthly_expenses_cents: 190_000, proposal: { installment_count: 3, installment_cents: 4_000 } }),
  ]);
});

test('new contact details are saved with an invoice.contact_updated event; invalid ones are shown again with a message', async () => {
  const id = await transmittedInvoice(stack, partner.key, partner.companyId);
  const { url } = portalLink(stack, id);
  const { csrf } = await getPage(url);
  const t = portalTexts.nl;

  const empty = await postForm(`${url}/contact`, { _csrf: csrf, email: '', phone: '' });
  expect(testId(empty.html, 'problem')).toBe(t.problems.contact_empty({}));
  const badEmail = await postForm(`${url}/contact`, { _csrf: csrf, email: 'anna@', phone: '' });
  expect(badEmail.status).toBe(422);
  expect(testId(badEmail.html, 'problem')).toBe(t.problems.email_invalid({}));
  expect(badEmail.html).toContain('value="anna@"');
  const badPhone = await postForm(`${url}/contact`, { _csrf: csrf, email: '', phone: '12' });
  expect(testId(badPhone.html, 'problem')).toBe(t.problems.phone_invalid({}));

  const saved = await postForm(`${url}/contact`, { _csrf: csrf, email: 'anna.new@example.nl', phone: '06 12345678' });
  expect(saved.status).toBe(303);
  expect(testId((await getPage(`${stack.baseUrl}${saved.location}`)).html, 'notice')).toBe(t.notices.contact_saved({}));
  expect((await invoiceOf(stack, partner.key, id)).debtor).toMatchObject({ email: 'anna.new@example.nl', phone: '+31612345678' });
  const updated = (await eventsOf(stack, partner.key, id)).filter((e) => e.type === 'invoice.contact_updated');
  expect(updated.map((e) => e.data)).toEqual([expect.objectContaining({ changed: ['email', 'phone'], via: 'portal' })]);
});

test('an email another debtor of the company is known by is refused (409) with a message, and nothing changes', async () => {
  const mine = await transmittedInvoice(stack, partner.key, partner.companyId, { debtor: { last_name: 'Mine', email: 'mine@example.nl', locale: 'en' } });
  await transmittedInvoice(stack, partner.key, partner.companyId, { debtor: { last_name: 'Theirs', email: 'theirs@example.nl', locale: 'en' } });
  const { url } = portalLink(stack, mine);
  const { csrf } = await getPage(url);
  const taken = await postForm(`${url}/contact`, { _csrf: csrf, email: 'theirs@example.nl', phone: '' });
  expect(taken.status).toBe(409);
  expect(testId(taken.html, 'problem')).toBe(portalTexts.en.problems.contact_taken({}));
  expect((await invoiceOf(stack, partner.key, mine)).debtor.email).toBe('mine@example.nl');
  expect((await eventsOf(stack, partner.key, mine)).filter((e) => e.type === 'invoice.contact_updated')).toEqual([]);
});

/**
 * Makes the database refuse a write for one debtor or invoice, as a full disk or a dropped
 * connection would, until the returned undo runs.
 */
async function refuseWrites(op: 'INSERT' | 'UPDATE', table: string, condition: string): Promise<() => Promise<void>> {
  const db = stack.database.db;
  await db.execute(sql.raw(`CREATE OR REPLACE FUNCTION refuse_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'write refused'; END $$`));
  await db.execute(sql.raw(`CREATE TRIGGER refuse_write BEFORE ${op} ON ${table} FOR EACH ROW WHEN (${condition}) EXECUTE FUNCTION refuse_write()`));
  return async () => {
    await db.execute(sql.raw(`DROP TRIGGER refuse_write ON ${table}`));
  };
}

interface ThreadCase {
  action: string;
  /** The form, for the case's own debtor (`tag`). */
  fields: (tag: string) => Record<string, string>;
  /** What the action keeps, read as a user would notice it. */
  kept: (invoiceId: string) => Promise<unknown>;
  none: unknown;
  done: unknown;
  entry: { kind: string; channel: string; body: string };
}

describe.each<ThreadCase>([
  {
    action: 'opt_out',
    fields: () => ({ channel: 'sms' }),
    kept: async (id: string) => debtorOptOuts(stack.database.db, id),
    none: [],
    done: ['sms'],
    entry: { kind: 'opt_out', channel: 'portal', body: 'Opted out of SMS.' },
  },
  {
    action: 'income_expenditure',
    fields: () => ({ monthly_income: '1500', monthly_expenses: '1450' }),
    kept: async (id: string) => (await eventsOf(stack, partner.key, id)).filter((e) => e.type === 'message.received').map((e) => e.data.monthly_income_cents),
    none: [],
    done: [150_000],
    entry: { kind: 'income_expenditure', channel: 'portal', body: 'Filled in income and expenditure: €1,500.00 in, €1,450.00 out a month.' },
  },
  {
    action: 'contact',
    fields: (tag) => ({ email: `moved-${tag}@example.nl`, phone: '' }),
    kept: async (id: string) => ((await invoiceOf(stack, partner.key, id)).debtor.email as string).startsWith('moved-'),
    none: false,
    done: true,
    entry: { kind: 'contact', channel: 'portal', body: 'Changed their contact details.' },
  },
])('the portal action $action and its entry on the debtor’s thread', ({ action, fields, kept, none, done, entry }) => {
  test.each([
    ['its thread entry', (ids: { debtorId: string; invoiceId: string }) => refuseWrites('INSERT', 'conversation_entries', `NEW.debtor_id = '${ids.debtorId}'`)],
    ['its own write', (ids: { debtorId: string; invoiceId: string }) =>
      action === 'income_expenditure' ? refuseWrites('INSERT', 'events', `NEW.invoice_id = '${ids.invoiceId}'`) : refuseWrites('UPDATE', 'debtors', `NEW.id = '${ids.debtorId}'`)],
  ])('commit together: when %s cannot be written neither is kept; done, it is on the thread once', async (what, refuse) => {
    // A debtor of its own in each case: the thread is the debtor's.
    const tag = `${action}-${what.replace(/\W/g, '-')}`;
    const id = await transmittedInvoice(stack, partner.key, partner.companyId, {
      debtor: { last_name: 'Visser', external_id: `thread-${tag}`, email: `thread-${tag}@example.nl`, phone: '+31612345678', locale: 'nl' },
    });
    const debtorId = (await invoiceOf(stack, partner.key, id)).debtor_id as string;
    const { url } = portalLink(stack, id);
    const { csrf } = await getPage(url);

    const allow = await refuse({ debtorId, invoiceId: id });
    try {
      expect((await postForm(`${url}/${action}`, { _csrf: csrf, ...fields(tag) })).status).toBe(503);
    } finally {
      await allow();
    }
    expect(await kept(id)).toEqual(none);
    expect(await threadOf(stack, debtorId)).toEqual([]);

    // Sent again: done, and on the thread once.
    expect((await postForm(`${url}/${action}`, { _csrf: csrf, ...fields(tag) })).status).toBe(303);
    expect(await kept(id)).toEqual(done);
    expect(await threadOf(stack, debtorId)).toEqual([entry]);
  });
});

test('the messages switches turn email and SMS off and on again for the debtor, with debtor.opted_out / debtor.opted_in, once each', async () => {
  const id = await transmittedInvoice(stack, partner.key, partner.companyId, { debtor: { last_name: 'Jansen', phone: '+31612345678', locale: 'nl' } });
  const debtorId = (await invoiceOf(stack, partner.key, id)).debtor_id as string;
  const { url } = portalLink(stack, id);
  const t = portalTexts.nl;
  const debtorEvents = async () =>
    (await stack.database.db.select().from(events).where(eq(events.companyId, partner.companyId)).orderBy(asc(events.seq)))
      .filter((e) => e.type.startsWith('debtor.opted_') && e.data.debtor_id === debtorId)
      .map((e) => ({ type: e.type, ...e.data }));
  const { csrf, html } = await getPage(url);
  expect(testId(html, 'channel-email')).toBe(`${t.messages.channels.email}: ${t.messages.on}`);
  expect(testId(html, 'channel-sms')).toBe(`${t.messages.channels.sms}: ${t.messages.on}`);

  // Twice (a double click): one change, one event.
  for (let i = 0; i < 2; i++) expect((await postForm(`${url}/opt_out`, { _csrf: csrf, channel: 'sms' })).status).toBe(303);
  const off = await postForm(`${url}/opt_out`, { _csrf: csrf, channel: 'email' });
  const page = await getPage(`${stack.baseUrl}${off.location}`);
  expect(testId(page.html, 'notice')).toBe(t.notices.opted_out_email({ company: 'Portal Club' }));
  expect(testId(page.html, 'channel-email')).toBe(`${t.messages.channels.email}: ${t.messages.off}`);
  expect(testId(page.html, 'channel-sms')).toBe(`${t.messages.channels.sms}: ${t.messages.off}`);
  expect(page.html).toContain(t.messages.turnOn.sms);
  expect(await debtorOptOuts(stack.database.db, id)).toEqual(['email', 'sms']);
  expect((await stack.request('GET', `/api/v2/debtors/${debtorId}`, { key: partner.key })).body.opt_outs).toEqual(['email', 'sms']);

  expect((await postForm(`${url}/opt_in`, { _csrf: csrf, channel: 'sms' })).status).toBe(303);
  expect(await debtorOptOuts(stack.database.db, id)).toEqual(['email']);
  // A channel the page does not offer changes nothing.
  expect((await postForm(`${url}/opt_out`, { _csrf: csrf, channel: 'letter' })).status).toBe(422);
  expect(await debtorEvents()).toEqual([
    { type: 'debtor.opted_out', debtor_id: debtorId, channel: 'sms', via: 'portal' },
    { type: 'debtor.opted_out', debtor_id: debtorId, channel: 'email', via: 'portal' },
    { type: 'debtor.opted_in', debtor_id: debtorId, channel: 'sms', via: 'portal' },
  ]);
  // The debtor's thread shows each change once, as the events do: the second click changed nothing.
  expect((await threadOf(stack, debtorId)).map((e) => e.body)).toEqual(['Opted out of SMS.', 'Opted out of email.', 'Opted in to SMS again.']);
  const partnerEvents = (await stack.request('GET', `/api/v2/events?type=debtor.opted_in&company_id=${partner.companyId}`, { key: partner.key })).body.data;
  expect(partnerEvents.map((e: { data: unknown }) => e.data)).toContainEqual({ debtor_id: debtorId, channel: 'sms', via: 'portal' });
});

test('a chargeback webhook on an invoice paid in the portal reopens it into debt collection (default policy)', async () => {
  const id = await transmittedInvoice(stack, partner.key, partner.companyId, { debtor: { first_name: 'Cas', last_name: 'Terug', email: 'cas@example.nl', locale: 'nl', timezone: 'Europe/Amsterdam' } });
  const { url } = portalLink(stack, id);
  const { csrf } = await getPage(url);
  const checkout = new URL((await postForm(`${url}/payment`, { _csrf: csrf, amount: '120,00' })).location!);
  await postForm(`${checkout.origin}${checkout.pathname}/complete`, { checkout: checkout.searchParams.get('checkout')!, outcome: 'paid' });
  await eventually(async () => expect((await invoiceOf(stack, partner.key, id)).status).toBe('paid'));
  const paymentId = checkout.pathname.split('/').pop()!;

  const dispute = JSON.stringify({ id: 'evt_dispute', type: 'charge.dispute.created', created: Math.floor(Date.now() / 1000), data: { payment_id: paymentId, invoice_id: id, amount_cents: 12_000, currency: 'EUR', reason: 'fraudulent' } });
  expect(await deliverTestWebhook(stack, dispute, signedTestWebhook(WEBHOOK_SECRET, dispute))).toEqual({ status: 200, body: { received: true, outcome: 'payment_reversed' } });
  // The status changes first; the debt case it opens is linked a moment later.
  await eventually(async () => {
    expect(await invoiceOf(stack, partner.key, id)).toMatchObject({ status: 'in_debt_collection', amount_paid_cents: 0, amount_due_cents: 12_000, debt_collection_case_id: expect.any(String) });
  }, 30_000);
  // Delivered again: the ledger already shows it.
  expect((await deliverTestWebhook(stack, dispute, signedTestWebhook(WEBHOOK_SECRET, dispute))).body.outcome).toBe('already_recorded');
  const page = await getPage(url);
  expect(testId(page.html, 'status')).toBe(portalTexts.nl.statuses.in_debt_collection);
  expect(page.html).toContain(portalTexts.nl.debtCollectionNote);
  expect(page.html).not.toContain('/promise_to_pay"');
}, 90_000);
