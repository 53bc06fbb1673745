import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { createConsoleUser } from '../../services/console-users';
import { caseBody, configure, createCase } from '../debt-collection/support';
import { loopbackOnlyContext, signInToConsole, useBrowserStack } from '../support/browser';
import { eventually } from '../support/eventually';
import { invoiceBody } from '../support/stack';

/**
 * The console as a person sees it, in a real browser at a desktop (1280 px) and a phone (390 px)
 * width: the sign-in, queue and case pages are styled (not the browser's default controls), fit
 * the screen without sideways scrolling, and show a debtor, amounts and timeline in words.
 * Screenshots go to a temporary folder (printed by the test) for a person to look at.
 */
const { browserTest, stack: theStack, browser: theBrowser } = useBrowserStack('console look');
const SHOTS = join(tmpdir(), `recoup-console-look-${process.pid}`);
const USER = { email: 'lena@recoup.test', password: 'lena has a long password' };

/** A case in review for an invoice that was sent and partly paid (€40.00 of €120.00). */
async function caseWithPaidInvoice(): Promise<{ caseId: string; partnerId: string }> {
  const stack = theStack();
  const { key, companyId, partnerId } = await stack.newPartner('Looks');
  await configure(stack, key, companyId, [{ name: 'reviewed in house', collector: 'in_house', review_required: true, conditions: {} }]);
  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const debtor = {
    first_name: 'Pieter',
    last_name: 'Post',
    email: 'pieter.post@example.nl',
    phone: '+31 6 12345678',
    locale: 'nl',
    timezone: 'Europe/Amsterdam',
    address: { street: 'Brievenbuslaan 7', postal_code: '2511 AA', city: 'Den Haag', country: 'NL' },
  };
  const invoice = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id, { debtor }) });
  expect((await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key })).status).toBe(202);
  await eventually(async () => expect((await stack.request('GET', `/api/v2/invoices/${invoice.body.id}`, { key })).body.status).not.toBe('draft'), 30_000);
  const paid = await stack.request('POST', `/api/v2/invoices/${invoice.body.id}/payments`, { key, body: { amount_cents: 4_000, external_id: 'pay-look-1' } });
  expect(paid.status).toBeLessThan(300);
  const created = await createCase(stack, key, caseBody(companyId, { amountCents: 8_000, invoiceId: invoice.body.id }));
  expect((await stack.request('POST', `/api/v2/debt_collection_cases/${created.id}/mark_prepared`, { key })).body.state).toBe('reviewing');
  return { caseId: created.id, partnerId };
}

/** What Chromium gives an unstyled input and button, to tell styled controls from default ones. */
async function defaultControlStyle(context: BrowserContext) {
  const blank = await context.newPage();
  await blank.setContent('<input type="email"><button>b</button>');
  const style = await controlStyle(blank);
  await blank.close();
  return style;
}

interface ControlStyle {
  borderRadius: string;
  paddingTop: string;
  backgroundColor: string;
}

/** The computed style of the page's first text input and button (in the browser; the project's types have no DOM, hence a string). */
function controlStyle(page: Page): Promise<{ input: ControlStyle; button: ControlStyle }> {
  return page.evaluate(`(() => {
    const pick = (el) => {
      const s = getComputedStyle(el);
      return { borderRadius: s.borderTopLeftRadius, paddingTop: s.paddingTop, backgroundColor: s.backgroundColor };
    };
    return { input: pick(document.querySelector('input[type=email], input[type=text], textarea')), button: pick(document.querySelector('main button') ?? document.querySelector('button')) };
  })()`);
}

const overflow = (page: Page): Promise<number> => page.evaluate('document.scrollingElement.scrollWidth');

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  await page.screenshot({ path: join(SHOTS, `${name}-first-screen.png`) });
}

browserTest.each([
  ['desktop', 1280],
  ['phone', 390],
])('on a %s (%i px wide) the sign-in, queue, case and ops pages are styled, fit the width and read as words', async (_, width) => {
  const { baseUrl, database } = theStack();
  await mkdir(SHOTS, { recursive: true });
  const { caseId, partnerId } = await caseWithPaidInvoice();
  await createConsoleUser(database.db, { ...USER, email: `${width}-${USER.email}`, role: 'reviewer', partnerId });

  const { context, foreign } = await loopbackOnlyContext(theBrowser(), baseUrl, { viewport: { width, height: 900 } });
  const browserDefault = await defaultControlStyle(context);
  const page = await context.newPage();
  try {
    // Sign-in: styled form, and how to get an account.
    await page.goto(`${baseUrl}/console/sign-in`);
    await shoot(page, `sign-in-${width}`);
    expect(await overflow(page)).toBeLessThanOrEqual(width);
    const signIn = await controlStyle(page);
    expect(signIn.input).not.toEqual(browserDefault.input);
    expect(signIn.button).not.toEqual(browserDefault.button);
    expect(signIn.input.borderRadius).toBe('8px');
    expect(signIn.button.backgroundColor).toBe('rgb(11, 110, 79)'); // the portal's accent
    const help = await page.textContent('[data-testid=sign-in-help]');
    expect(help).toContain('npm run recoup -- users:create --email you@example.org --role reviewer --password');
    expect(help).toContain('Temporal Web UI');

    await signInToConsole(page, baseUrl, `${width}-${USER.email}`, USER.password);

    // Queue: the case with its debtor's name and its amount as money; the nav wraps, the table fits.
    const row = page.locator(`[data-testid=queue-row][data-case-id="${caseId}"]`);
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('Anna de Vries');
    expect(await row.textContent()).toContain('€80.00');
    await shoot(page, `queue-${width}`);
    expect(await overflow(page)).toBeLessThanOrEqual(width);
    const queue = await controlStyle(page);
    expect(queue.input).not.toEqual(browserDefault.input);
    expect(queue.button).not.toEqual(browserDefault.button);

    // Case: the debtor as a name and address block, amounts as money, the timeline in sentences.
    await Promise.all([page.waitForURL(`${baseUrl}/console/cases/${caseId}`), row.locator(`a:has-text("${caseId}")`).click()]);
    await shoot(page, `case-${width}`);
    await page.locator('[data-testid=invoice]').screenshot({ path: join(SHOTS, `case-${width}-invoice.png`) });
    expect(await overflow(page)).toBeLessThanOrEqual(width);
    expect(await page.textContent('[data-testid=debtor-name]')).toBe('Anna de Vries');
    expect(await page.locator('[data-testid=debtor]').innerText()).toBe('Anna de Vries\nOudegracht 1\n3511 AB Utrecht\nNetherlands');
    expect(await page.locator('[data-testid=invoice-debtor]').innerText()).toBe('Pieter Post\nBrievenbuslaan 7\n2511 AA Den Haag\nNetherlands\npieter.post@example.nl\n+31612345678');
    expect(await page.textContent('[data-testid=case-amount]')).toBe('€80.00');
    const paymentRow = page.locator('[data-testid=invoice-timeline-event][data-type="invoice.payment_received"]');
    expect(await paymentRow.locator('[data-testid=event-details]').textContent()).toBe('Payment received: €40.00 (external id pay-look-1, via partner)');
    const text = await page.locator('main').innerText();
    expect(text).not.toMatch(/given_name|post_code|first_name|postal_code|_cents|[{}]/);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/); // no raw timestamps
    const decide = await controlStyle(page);
    expect(decide.input).not.toEqual(browserDefault.input);
    expect(decide.button).not.toEqual(browserDefault.button);

    // Ops: seven links (with Conversations) in the nav, which wraps rather than running off a phone's screen.
    await createConsoleUser(database.db, { email: `${width}-ops-${USER.email}`, password: USER.password, role: 'ops' });
    await page.click('header button:has-text("Sign out")');
    await page.waitForURL(`${baseUrl}/console/sign-in`);
    await signInToConsole(page, baseUrl, `${width}-ops-${USER.email}`, USER.password);
    await Promise.all([page.waitForURL(`${baseUrl}/console/print-batches`), page.click('nav a:has-text("Print batches")')]);
    await shoot(page, `print-batches-${width}`);
    expect(await overflow(page)).toBeLessThanOrEqual(width);
    const links = await page.locator('header nav a').evaluateAll((as) => as.map((a) => a.getBoundingClientRect().right));
    expect(links).toHaveLength(7);
    for (const right of links) expect(right).toBeLessThanOrEqual(width);
  } finally {
    await context.close();
  }
  expect(foreign).toEqual([]);
  // Where to look at the screenshots.
  console.log(`console screenshots: ${SHOTS}`);
}, 180_000);
