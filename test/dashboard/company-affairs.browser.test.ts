import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { companies } from '../../db/schema';
import { createSignInLink, signInToken } from '../../services/company-users';
import { caseBody, configure, createCase } from '../debt-collection/support';
import { seriousAxeViolations } from '../support/axe';
import { loopbackOnlyContext, useBrowserStack } from '../support/browser';
import { addCompanyUser } from './dashboard-client';

/**
 * The company page and the debt cases pages in Chromium at a phone's size (390 × 844): the
 * treasurer uploads a document with the page's own form, reads the statements form and reviews a
 * case, everything fits the screen without sideways scrolling, and axe-core finds no serious or
 * critical accessibility violation on any of the pages.
 */
const { browserTest, stack: theStack, browser: theBrowser } = useBrowserStack('company affairs');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

const overflow = (page: Page): Promise<number> => page.evaluate('document.scrollingElement.scrollWidth');

async function expectAccessibleAndFitting(page: Page) {
  expect(await seriousAxeViolations(page)).toEqual([]);
  const wide = await page.evaluate(`[...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > 391).map((el) => el.tagName + '.' + el.className + '#' + el.id + ' ' + Math.round(el.getBoundingClientRect().right)).slice(0, 15)`);
  expect(wide).toEqual([]);
  expect(await overflow(page)).toBeLessThanOrEqual(390);
}

browserTest(
  'at phone size the treasurer uploads a document, sees the statements form and approves a case; no serious accessibility violation',
  async () => {
    const stack = theStack();
    const { key, companyId } = await stack.newPartner('Phone');
    await stack.database.db.update(companies).set({ bankAccount: { iban: 'NL91ABNA0417164300', bic: 'ABNANL2A', holder: 'Phone Club' } }).where(eq(companies.id, companyId));
    await configure(stack, key, companyId, [{ name: 'club reviews', collector: 'in_house', review_required: true, company_may_review: true, conditions: {} }]);
    const kase = await createCase(stack, key, caseBody(companyId, { amountCents: 12_000 }));
    expect((await stack.request('POST', `/api/v2/debt_collection_cases/${kase.id}/mark_prepared`, { key })).body.state).toBe('reviewing');
    const user = await addCompanyUser(stack, key, companyId, 'treasurer@phone.example', 'admin');
    const link = await createSignInLink(stack.database.db, user.id, 'sign_in', new Date());

    const { context, foreign } = await loopbackOnlyContext(theBrowser(), stack.baseUrl, { viewport: { width: 390, height: 844 }, bypassCSP: true, locale: 'nl-NL' });
    try {
      const page = await context.newPage();
      await page.goto(`${stack.baseUrl}/dashboard/sign-in/${signInToken(stack.config.portalSecret, link!.id)}`);
      await Promise.all([page.waitForURL(`${stack.baseUrl}/dashboard`), page.getByRole('button', { name: 'Inloggen' }).click()]);

      // The company page: status, masked account, the upload form; a document uploaded with it.
      await page.getByRole('link', { name: 'Organisatie' }).click();
      await page.waitForURL(`${stack.baseUrl}/dashboard/company`);
      expect(await page.getByTestId('verification-status').textContent()).toBe('Geverifieerd');
      expect(await page.getByTestId('bank-account').textContent()).toContain('4300');
      await expectAccessibleAndFitting(page);
      await page.getByLabel('Soort').selectOption('sepa_mandate');
      await page.getByLabel('Bestand').setInputFiles({ name: 'machtiging.pdf', mimeType: 'application/pdf', buffer: PDF });
      await Promise.all([page.waitForURL(/\/dashboard\/company\?uploaded=/), page.getByRole('button', { name: 'Uploaden' }).click()]);
      expect(await page.getByTestId('notice').textContent()).toContain('machtiging.pdf');
      expect(await page.getByTestId('document').first().textContent()).toContain('SEPA-machtiging');
      await expectAccessibleAndFitting(page);
      // The statements form offers both files for its period.
      await expect(page.getByRole('button', { name: 'MT940 downloaden' }).isVisible()).resolves.toBe(true);
      await expect(page.getByRole('button', { name: 'camt.053 downloaden' }).isVisible()).resolves.toBe(true);

      // The debt cases: the list, the case, its review by keyboard.
      await page.getByRole('link', { name: 'Incassozaken' }).click();
      await page.waitForURL(`${stack.baseUrl}/dashboard/debt-cases`);
      expect(await page.getByTestId('case').count()).toBe(1);
      await expectAccessibleAndFitting(page);
      await page.getByTestId('case').getByRole('link').first().click();
      await page.waitForURL(`${stack.baseUrl}/dashboard/debt-cases/${kase.id}`);
      await expectAccessibleAndFitting(page);
      await page.getByLabel('Reden').fill('Drie keer herinnerd');
      await page.getByRole('button', { name: 'Goedkeuren' }).focus();
      await Promise.all([page.waitForURL(/decided=approve/), page.keyboard.press('Enter')]);
      expect(await page.getByTestId('notice').textContent()).toContain('Goedgekeurd');
      expect(await page.getByTestId('review-decision').textContent()).toContain('treasurer@phone.example');
      await expectAccessibleAndFitting(page);
      expect(foreign).toEqual([]);
    } finally {
      await context.close();
    }
  },
  180_000,
);
