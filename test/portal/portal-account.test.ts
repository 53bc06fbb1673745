import { and, eq } from 'drizzle-orm';
import { conversationEntries, conversations, ledgerEntries } from '../../db/schema';
import { portalTexts } from '../../api/portal/texts';
import { formatMoney } from '../../messaging/templates';
import { eventually } from '../support/eventually';
import { startStack, type Stack } from '../support/stack';
import { deliverTestWebhook, eventsOf, getPage, inDays, invoiceOf, portalLink, postForm, signedTestWebhook, testId, transmittedInvoice } from './portal-client';

/**
 * The portal as the debtor's account: every open invoice the debtor owes the company, paid in one
 * checkout (allocated oldest due date first, each invoice's share exactly once), one promise or one
 * plan over several invoices. Real HTTP, database and invoice workflows on the time-skipping server.
 */
let stack: Stack;
let partner: { key: string; companyId: string };
const WEBHOOK_SECRET = 'portal-account-webhook-secret-01';
const t = portalTexts.nl;

beforeAll(async () => {
  stack = await startStack({ config: { PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET } });
  partner = await stack.newPartner('Account');
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const paymentsOn = async (id: string) =>
  (await stack.database.db.select().from(ledgerEntries).where(and(eq(ledgerEntries.invoiceId, id), eq(ledgerEntries.kind, 'payment')))).map((e) => ({ amount: e.amountCents, externalId: e.externalId }));

/** One debtor (by email) owing several invoices: number, days until due, amount. */
async function account(email: string, invoices: Array<[string, number, number]>, who = partner): Promise<string[]> {
  const ids: string[] = [];
  for (const [number, dueIn, cents] of invoices) {
    ids.push(
      await transmittedInvoice(stack, who.key, who.companyId, {
        invoice_number: number,
        due_date: await inDays(stack, dueIn),
        debtor: { first_name: 'Kim', last_name: 'Jansen', email, locale: 'nl', timezone: 'Europe/Amsterdam' },
        invoice_lines: [{ description: `Contributie ${number}`, amount_cents: cents, quantity: 1, vat_rate: 0 }],
      }),
    );
  }
  return ids;
}

const deliverWebhook = (body: string) => deliverTestWebhook(stack, body, signedTestWebhook(WEBHOOK_SECRET, body));

const succeeded = (paymentId: string, invoiceIds: string[], cents: number) =>
  JSON.stringify({ id: `evt_${paymentId}`, type: 'checkout.session.completed', created: Math.floor(Date.now() / 1000), data: { payment_id: paymentId, invoice_id: invoiceIds[0], invoice_ids: invoiceIds, amount_cents: cents, currency: 'EUR' } });

test('the account page lists only this debtor’s open invoices; one checkout over two is split oldest due date first, each share arrives once (twice delivered, or concurrently), an overpaid account is recorded, another debtor’s invoice is refused', async () => {
  const [newer, oldest, newest] = await account('kim@example.org', [
    ['A-2', 20, 12_000],
    ['A-1', 10, 10_000],
    ['A-3', 30, 5_000],
  ]);
  const [stranger] = await account('other@example.org', [['X-1', 5, 9_900]]);
  const elsewhere = await stack.newPartner('Elsewhere');
  const [foreign] = await account('kim@example.org', [['F-1', 5, 7_700]], elsewhere);

  const { url, token } = portalLink(stack, newer!);
  const page = await getPage(url);
  expect(page.status).toBe(200);
  // Oldest due date first, with lines and amounts due, and the total; nothing of another debtor or company.
  const listed = [...page.html.matchAll(/data-testid="account-invoice" data-invoice-id="([^"]+)"/g)].map((m) => m[1]);
  expect(listed).toEqual([oldest, newer, newest]);
  expect(page.html).toContain('Contributie A-1');
  expect(testId(page.html, 'account-total')).toBe(formatMoney(27_000, 'EUR', 'nl'));
  for (const absent of ['X-1', 'F-1', stranger!, foreign!]) expect(page.html).not.toContain(absent);

  // Another debtor's or another company's invoice in the form: refused with a clear message, nothing happens.
  for (const intruder of [stranger!, foreign!]) {
    const refused = await postForm(`${url}/payment`, { _csrf: page.csrf, choice: '1', invoices: intruder, amount: '10' });
    expect(refused.status).toBe(422);
    expect(refused.html).toContain(t.problems.invoice_not_in_account({}));
    expect(refused.location).toBeNull();
  }
  const mixed = new URLSearchParams([['_csrf', page.csrf], ['choice', '1'], ['invoices', oldest!], ['invoices', stranger!]]);
  const refusedMixed = await fetch(`${url}/payment`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: mixed, redirect: 'manual' });
  expect(refusedMixed.status).toBe(422);
  expect(await invoiceOf(stack, partner.key, stranger!)).toMatchObject({ amount_paid_cents: 0 });
  expect(await invoiceOf(stack, elsewhere.key, foreign!)).toMatchObject({ amount_paid_cents: 0 });

  // €150 over the newer two (chosen in any order): the oldest due is paid in full first, the rest goes to the next.
  const chosen = new URLSearchParams([['_csrf', page.csrf], ['choice', '1'], ['invoices', newer!], ['invoices', oldest!], ['amount', '150']]);
  const started = await fetch(`${url}/payment`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: chosen, redirect: 'manual' });
  expect(started.status).toBe(303);
  const checkout = new URL(started.headers.get('location')!);
  expect(testId((await getPage(checkout.href)).html, 'checkout-amount')).toBe('€150.00');
  const paid = await postForm(`${checkout.origin}${checkout.pathname}/complete`, { checkout: checkout.searchParams.get('checkout')!, outcome: 'paid' });
  expect(paid.location).toBe(`${stack.baseUrl}/pay/${token}?payment=success`);
  const paymentId = checkout.pathname.split('/').pop()!;
  await eventually(async () => expect(await invoiceOf(stack, partner.key, oldest!)).toMatchObject({ status: 'paid', amount_paid_cents: 10_000 }));
  expect(await invoiceOf(stack, partner.key, newer!)).toMatchObject({ status: 'open', amount_paid_cents: 5_000, amount_due_cents: 7_000 });
  expect(await invoiceOf(stack, partner.key, newest!)).toMatchObject({ amount_paid_cents: 0 });

  // The provider delivers the same event again: nothing more is recorded.
  const again = succeeded(paymentId, [oldest!, newer!], 15_000);
  expect(await deliverWebhook(again)).toMatchObject({ status: 200, body: { outcome: 'already_recorded' } });
  expect(await paymentsOn(oldest!)).toEqual([{ amount: 10_000, externalId: `${paymentId}:${oldest}` }]);
  expect(await paymentsOn(newer!)).toEqual([{ amount: 5_000, externalId: `${paymentId}:${newer}` }]);

  // Two identical deliveries at the same moment, of €150 for €120 due: each share once, the €30 over recorded on the last invoice.
  const both = succeeded('tpay_concurrent', [newer!, newest!], 15_000);
  const outcomes = await Promise.all([deliverWebhook(both), deliverWebhook(both)]);
  expect(outcomes.map((o) => o.status)).toEqual([200, 200]);
  // Both may answer `payment_registered` (the second joined the first's update of the same id); the ledgers below tell.
  for (const o of outcomes) expect(['payment_registered', 'already_recorded']).toContain(o.body.outcome);
  await eventually(async () => expect(await invoiceOf(stack, partner.key, newest!)).toMatchObject({ status: 'paid', amount_paid_cents: 8_000, overpaid_cents: 3_000 }));
  expect(await invoiceOf(stack, partner.key, newer!)).toMatchObject({ status: 'paid', amount_paid_cents: 12_000, overpaid_cents: 0 });
  expect(await paymentsOn(newer!)).toEqual([
    { amount: 5_000, externalId: `${paymentId}:${newer}` },
    { amount: 7_000, externalId: `tpay_concurrent:${newer}` },
  ]);
  expect(await paymentsOn(newest!)).toEqual([{ amount: 8_000, externalId: `tpay_concurrent:${newest}` }]);
  expect((await eventsOf(stack, partner.key, newest!)).find((e) => e.type === 'invoice.paid')?.data).toMatchObject({ overpaid_cents: 3_000 });
  // A checkout naming an invoice of another debtor is not allocated at all.
  expect(await deliverWebhook(succeeded('tpay_mixed', [stranger!, foreign!], 1_000))).toMatchObject({ status: 200, body: { outcome: 'unknown_invoice' } });
  expect(await invoiceOf(stack, partner.key, stranger!)).toMatchObject({ amount_paid_cents: 0 });
}, 120_000);

test('one promise to pay covers the chosen invoices; one plan over two invoices splits the total oldest due first, and when it breaks on one both are back in dunning', async () => {
  const [p1, p2] = await account('promise@example.org', [
    ['P-1', 20, 6_000],
    ['P-2', 25, 6_000],
  ]);
  const promiseLink = portalLink(stack, p1!).url;
  const promisePage = await getPage(promiseLink);
  const promiseForm = (date: string) => new URLSearchParams([['_csrf', promisePage.csrf], ['choice', '1'], ['invoices', p1!], ['invoices', p2!], ['date', date]]);
  const post = async (link: string, action: string, form: URLSearchParams) => {
    const res = await fetch(`${link}/${action}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form, redirect: 'manual' });
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  };
  // Past the policy's limit: refused before any invoice changes.
  expect((await post(promiseLink, 'promise_to_pay', promiseForm(await inDays(stack, 90)))).status).toBe(422);
  expect((await invoiceOf(stack, partner.key, p2!)).status).toBe('open');
  const promised = await post(promiseLink, 'promise_to_pay', promiseForm(await inDays(stack, 10)));
  expect(promised.location).toMatch(/notice=promise_made/);
  expect((await invoiceOf(stack, partner.key, p1!)).status).toBe('promise_to_pay');
  expect((await invoiceOf(stack, partner.key, p2!)).status).toBe('promise_to_pay');
  // The promise is on the debtor's conversation for agents to see, once per invoice (each commits with
  // its invoice's promise); self-service waits for no answer.
  const debtorId = (await invoiceOf(stack, partner.key, p1!)).debtor_id as string;
  const date = await inDays(stack, 10);
  const entries = await stack.database.db
    .select({ invoiceId: conversationEntries.invoiceId, kind: conversationEntries.kind, channel: conversationEntries.channel, body: conversationEntries.body })
    .from(conversationEntries)
    .where(eq(conversationEntries.debtorId, debtorId));
  expect(entries).toEqual(
    expect.arrayContaining([p1, p2].map((invoiceId) => ({ invoiceId, kind: 'promise_to_pay', channel: 'portal', body: `Promised to pay by ${date}.` }))),
  );
  expect(entries).toHaveLength(2);
  expect((await stack.database.db.select().from(conversations).where(eq(conversations.debtorId, debtorId)))[0]).toMatchObject({ status: 'open', awaitingSince: null });

  const [c1, c2] = await account('plan@example.org', [
    ['C-1', 20, 7_000],
    ['C-2', 25, 8_000],
  ]);
  const planLink = portalLink(stack, c2!).url;
  const planPage = await getPage(planLink);
  const firstDue = await inDays(stack, 5);
  const planned = await post(planLink, 'payment_plan', new URLSearchParams([['_csrf', planPage.csrf], ['choice', '1'], ['invoices', c1!], ['invoices', c2!], ['installment_count', '3'], ['first_due_date', firstDue]]));
  expect({ status: planned.status, problem: testId(planned.html, 'problem') }).toEqual({ status: 303, problem: undefined });
  expect(planned.location).toMatch(/notice=plan_created/);
  const planOf = async (id: string) => (await eventsOf(stack, partner.key, id)).find((e) => e.type === 'invoice.payment_plan_created')!.data;
  const [plan1, plan2] = [await planOf(c1!), await planOf(c2!)];
  // €150 in 3 × €50: the oldest invoice takes the first €70, the newer the rest, on the plan's dates.
  expect(plan1.installments).toEqual([
    { due_date: firstDue, amount_cents: 5_000 },
    { due_date: expect.any(String), amount_cents: 2_000 },
  ]);
  expect((plan2.installments as Array<{ amount_cents: number }>).map((i) => i.amount_cents)).toEqual([3_000, 5_000]);
  expect(plan1.account_plan_id).toBe(plan2.account_plan_id);
  expect((await invoiceOf(stack, partner.key, c2!)).status).toBe('payment_plan');

  // Nothing paid: the first installment's grace ends, the oldest invoice's plan breaks, and the newer one's with it.
  await stack.env.sleep(10 * 86_400_000);
  await eventually(async () => {
    for (const id of [c1!, c2!]) expect((await eventsOf(stack, partner.key, id)).map((e) => e.type)).toContain('invoice.payment_plan_broken');
  }, 30_000);
  expect((await invoiceOf(stack, partner.key, c1!)).status).toBe('open');
  expect((await invoiceOf(stack, partner.key, c2!)).status).toBe('open');
  expect((await eventsOf(stack, partner.key, c2!)).find((e) => e.type === 'invoice.payment_plan_broken')!.data).toMatchObject({ account_plan_id: plan1.account_plan_id, broken_on_invoice_id: c1 });
  const after = await getPage(portalLink(stack, c1!).url);
  expect(after.html).toContain('/payment_plan"');
}, 120_000);
