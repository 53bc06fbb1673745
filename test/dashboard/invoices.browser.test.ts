import type { Page } from 'playwright-core';
import { createSignInLink, signInToken } from '../../services/company-users';
import { seriousAxeViolations } from '../support/axe';
import { loopbackOnlyContext, useBrowserStack } from '../support/browser';
import { eventually } from '../support/eventually';
import { invoiceBody } from '../support/stack';
import { addCompanyUser } from './dashboard-client';

/**
 * The dashboard's invoice list and invoice page in Chromium at a phone's size (390 × 844): axe
 * finds no serious or critical violation, the page never scrolls sideways (the tables scroll inside
 * their card), and the filter form is reached and sent with the keyboard alone.
 */
const { browserTest, stack: theStack, browser: theBrowser } = useBrowserStack('dashboard invoices');

/** How far the page itself scrolls sideways (0 when everything fits the screen). */
const sidewaysOverflow = (page: Page): Promise<number> => page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
/** The id of the element that has the keyboard's focus. */
const focusedId = (page: Page): Promise<string> => page.evaluate('document.activeElement ? document.activeElement.id : ""');

browserTest(
  'at phone size the list and an invoice page pass axe, fit the screen, and the filters work from the keyboard',
  async () => {
    const stack = theStack();
    const { key, companyId } = await stack.newPartner('Phone');
    const user = await addCompanyUser(stack, key, companyId, 'treasurer@phone.example', 'admin');
    const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
    const created: string[] = [];
    for (const [number, last] of [
      ['PH-1', 'de Vries'],
      ['PH-2', 'van den Berg-Oosterhuizen'],
    ] as const) {
      const body = invoiceBody(imp.body.id, { invoice_number: number });
      const res = await stack.request('POST', '/api/v2/invoices', { key, body: { ...body, debtor: { ...body.debtor, last_name: last, email: `${number.toLowerCase()}@example.nl` } } });
      created.push(res.body.id);
    }
    expect((await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key })).status).toBe(202);
    await eventually(async () => expect((await stack.request('GET', `/api/v2/invoices/${created[1]}`, { key })).body.status).not.toBe('draft'), 60_000);
    expect((await stack.request('POST', `/api/v2/invoices/${created[1]}/payments`, { key, body: { amount_cents: 2_500, external_id: 'phone-pay-1' } })).status).toBe(201);

    const { context, foreign } = await loopbackOnlyContext(theBrowser(), stack.baseUrl, { viewport: { width: 390, height: 844 }, bypassCSP: true });
    const page = await context.newPage();
    const link = await createSignInLink(stack.database.db, user.id, 'sign_in', new Date());
    await page.goto(`${stack.baseUrl}/dashboard/sign-in/${signInToken(stack.config.portalSecret, link!.id)}`);
    await Promise.all([page.waitForURL(`${stack.baseUrl}/dashboard`), page.click('main button[type=submit]')]);

    await page.goto(`${stack.baseUrl}/dashboard/invoices`);
    expect(await page.locator('[data-testid=invoice-row]').count()).toBe(2);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);

    // Keyboard only: Tab to the search field, type, Enter sends the form.
    let focused = '';
    for (let i = 0; i < 40 && focused !== 'f-q'; i++) {
      await page.keyboard.press('Tab');
      focused = await focusedId(page);
    }
    expect(focused).toBe('f-q');
    await page.keyboard.type('berg');
    await Promise.all([page.waitForURL(/\/dashboard\/invoices\?q=berg/), page.keyboard.press('Enter')]);
    expect(await page.locator('[data-testid=invoice-row]').count()).toBe(1);
    // The answer keeps what was asked in the form.
    expect(await page.inputValue('#f-q')).toBe('berg');

    await Promise.all([page.waitForURL(`${stack.baseUrl}/dashboard/invoices/${created[1]}`), page.click('[data-testid=invoice-row] a >> text=PH-2')]);
    expect(await page.locator('[data-testid=timeline]').count()).toBe(1);
    expect(await page.locator('[data-testid=ledger-entry][data-kind=payment]').count()).toBe(1);
    expect(await page.locator('[data-testid=credit-form]').count()).toBe(1);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
    expect(foreign).toEqual([]);
    await context.close();
  },
  240_000,
);
