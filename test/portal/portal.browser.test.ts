import { addDays, localDateTime } from '../../domain/local-time';
import { createPortalToken } from '../../messaging/portal-link';
import { formatMoney } from '../../messaging/templates';
import { portalTexts } from '../../api/portal/texts';
import { eventually } from '../support/eventually';
import { loopbackOnlyContext, useBrowserStack } from '../support/browser';
import { invoiceBody } from '../support/stack';
import { daytimeTimezone } from '../support/daytime';

/**
 * The debtor portal in a real browser (Debian's Chromium driven by playwright-core) on a phone-
 * sized viewport, against the whole product: dev server, database, SMTP, HTTP.
 */
const SCREENSHOT = '/tmp/recoup-portal-390x844.png';
const { browserTest, stack: theStack, browser: theBrowser } = useBrowserStack('portal');

browserTest('on a phone, a debtor opens the portal link from the invoice email, pays part through the checkout and promises the rest; the API shows both', async () => {
  const { request, smtp, baseUrl } = theStack();
  const { key, companyId } = await theStack().newPartner('Browser');
  // The dev server keeps real time: a debtor for whom it is daytime now gets the notice at once.
  const timezone = daytimeTimezone();
  const today = localDateTime(Date.now(), timezone).date;
  const imp = await request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const invoice = await request('POST', '/api/v2/invoices', {
    key,
    body: invoiceBody(imp.body.id, {
      debtor: { ...invoiceBody(imp.body.id).debtor, timezone },
      invoice_number: 'B-2027-001',
      issue_date: today,
      due_date: addDays(today, 20),
      invoice_lines: [
        { description: 'Contributie senioren 2027', amount_cents: 10_000, quantity: 1, vat_rate: 0 },
        { description: 'Bardienst afkoop', amount_cents: 1_000, quantity: 2, vat_rate: 21 },
      ],
    }),
  });
  expect((await request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key })).status).toBe(202);

  // The link comes from the email the debtor received.
  const mails = await smtp.waitFor(1);
  const mail = mails.find((m) => m.subject?.includes('B-2027-001'))!;
  const link = /(http:\/\/127\.0\.0\.1:\d+\/pay\/[A-Za-z0-9._-]+)/.exec(mail.text ?? '')![1]!;
  await eventually(async () => expect((await request('GET', `/api/v2/invoices/${invoice.body.id}`, { key })).body.status).toBe('open'));

  // Everything the page needs comes from Recoup itself: any other request is recorded and refused.
  const { context, foreign } = await loopbackOnlyContext(theBrowser(), baseUrl, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'nl-NL' });
  const page = await context.newPage();
  const t = portalTexts.nl;
  try {
    await page.goto(link);
    expect(await page.textContent('h1')).toBe(t.title({ company: 'Browser Club' }));
    expect(await page.getAttribute('html', 'lang')).toBe('nl');
    expect(await page.textContent('[data-testid=amount-due]')).toBe(formatMoney(12_000, 'EUR', 'nl'));
    expect(await page.textContent('[data-testid=status]')).toBe(t.statuses.open);
    // Readable on a phone: nothing wider than the screen, text not shrunk.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(await page.evaluate<number>('parseFloat(getComputedStyle(document.body).fontSize)')).toBeGreaterThanOrEqual(16);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Pay 50 euros of it through the test provider's checkout.
    await page.fill('#amount', '50,00');
    await Promise.all([page.waitForURL(/\/pay\/test-provider\/tpay_/), page.click(`#pay button:has-text("${t.pay.button}")`)]);
    expect(await page.textContent('[data-testid=checkout-amount]')).toBe('€50.00');
    await Promise.all([page.waitForURL(`${link}?payment=success`), page.click('button:has-text("Pay")')]);
    expect(await page.textContent('[data-testid=notice]')).toBe(t.notices.payment_success({}));
    expect(await page.textContent('[data-testid=amount-due]')).toBe(formatMoney(7_000, 'EUR', 'nl'));

    // Promise to pay the rest within ten days.
    const date = addDays(today, 10);
    await page.click('#promise summary');
    await page.fill('#date', date);
    await Promise.all([page.waitForURL(/\?notice=promise_made$/), page.click(`#promise button:has-text("${t.promise.button}")`)]);
    expect(await page.textContent('[data-testid=notice]')).toBe(t.notices.promise_made({}));
    expect(await page.textContent('[data-testid=status]')).toBe(t.statuses.promise_to_pay);
  } finally {
    await context.close();
  }
  expect(foreign).toEqual([]);

  const after = await request('GET', `/api/v2/invoices/${invoice.body.id}`, { key });
  expect(after.body).toMatchObject({ status: 'promise_to_pay', amount_paid_cents: 5_000, amount_due_cents: 7_000 });
  const events = await request('GET', `/api/v2/invoices/${invoice.body.id}/events`, { key });
  expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(['invoice.transmitted', 'message.sent', 'invoice.payment_received', 'invoice.promise_to_pay_made']);
}, 180_000);

browserTest('on a phone, a debtor who owes three invoices sees them all on one page, picks two, pays both in one checkout and sees them paid', async () => {
  const { request, baseUrl } = theStack();
  const { key, companyId } = await theStack().newPartner('Account');
  const timezone = daytimeTimezone();
  const today = localDateTime(Date.now(), timezone).date;
  const imp = await request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const ids: string[] = [];
  for (const [number, dueIn, cents] of [['R-3', 30, 4_000], ['R-1', 10, 2_500], ['R-2', 20, 3_000]] as const) {
    const created = await request('POST', '/api/v2/invoices', {
      key,
      body: invoiceBody(imp.body.id, {
        debtor: { first_name: 'Noor', last_name: 'Bakker', email: 'noor@example.nl', locale: 'nl', timezone },
        invoice_number: number,
        issue_date: today,
        due_date: addDays(today, dueIn),
        invoice_lines: [{ description: `Contributie ${number}`, amount_cents: cents, quantity: 1, vat_rate: 0 }],
      }),
    });
    ids.push(created.body.id);
  }
  const [newest, oldest, middle] = ids as [string, string, string];
  expect((await request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key })).status).toBe(202);
  for (const id of ids) await eventually(async () => expect((await request('GET', `/api/v2/invoices/${id}`, { key })).body.status).toBe('open'));

  const link = `${baseUrl}/pay/${createPortalToken(theStack().config.portalSecret, newest, new Date(Date.now() + 30 * 86_400_000))}`;
  const { context, foreign } = await loopbackOnlyContext(theBrowser(), baseUrl, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'nl-NL' });
  const page = await context.newPage();
  const t = portalTexts.nl;
  try {
    await page.goto(link);
    // Every open invoice of the debtor, the oldest due date first, and the total.
    expect(await page.$$eval('[data-testid=account-invoice]', (els) => els.map((e) => e.getAttribute('data-invoice-id')))).toEqual([oldest, middle, newest]);
    expect(await page.textContent('[data-testid=account-total]')).toBe(formatMoney(9_500, 'EUR', 'nl'));
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: '/tmp/recoup-portal-account-390x844.png', fullPage: true });

    // The two oldest: untick the newest, leave the amount empty (in full).
    await page.uncheck(`#pay-${newest}`);
    await Promise.all([page.waitForURL(/\/pay\/test-provider\/tpay_/), page.click(`#pay button:has-text("${t.pay.button}")`)]);
    expect(await page.textContent('[data-testid=checkout-amount]')).toBe('€55.00');
    await Promise.all([page.waitForURL(`${link}?payment=success`), page.click('button:has-text("Pay")')]);
    expect(await page.textContent('[data-testid=notice]')).toBe(t.notices.payment_success({}));
    // Both paid: only the newest is left to pay.
    expect(await page.$$('[data-testid=account-invoice]')).toHaveLength(0);
    expect(await page.textContent('[data-testid=amount-due]')).toBe(formatMoney(4_000, 'EUR', 'nl'));
    // The link in the oldest invoice's email now shows it paid.
    await page.goto(`${baseUrl}/pay/${createPortalToken(theStack().config.portalSecret, oldest, new Date(Date.now() + 30 * 86_400_000))}`);
    expect(await page.textContent('[data-testid=status]')).toBe(t.statuses.paid);
  } finally {
    await context.close();
  }
  expect(foreign).toEqual([]);
  expect((await request('GET', `/api/v2/invoices/${oldest}`, { key })).body).toMatchObject({ status: 'paid', amount_paid_cents: 2_500 });
  expect((await request('GET', `/api/v2/invoices/${middle}`, { key })).body).toMatchObject({ status: 'paid', amount_paid_cents: 3_000 });
  expect((await request('GET', `/api/v2/invoices/${newest}`, { key })).body).toMatchObject({ status: 'open', amount_paid_cents: 0 });
}, 180_000);
