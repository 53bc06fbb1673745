import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSignInLink, signInToken } from '../../services/company-users';
import { seriousAxeViolations } from '../support/axe';
import { loopbackOnlyContext, useBrowserStack } from '../support/browser';
import { addCompanyUser } from './dashboard-client';

/**
 * The import pages in Chromium, as the treasurer uses them: upload a file with one bad row, read
 * the error table, upload the corrected file, review and send; each page keyboard-reachable and
 * without serious or critical accessibility violations (axe-core).
 */
const { browserTest, stack, browser } = useBrowserStack('dashboard import');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'recoup-import-browser-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header = 'Factuurnummer;Factuurdatum;Vervaldatum;Bedrag;Omschrijving;Voornaam;Achternaam;E-mail';
const rows = ['B-001;01-01-2027;31-01-2030;120,00;Contributie;Anna;de Vries;anna@example.nl', 'B-002;01-01-2027;31-01-2030;12,5O;Contributie;Piet;Jansen;piet@example.nl'];

browserTest('the treasurer uploads, sees the bad cell, fixes it, reviews and sends; no page has a serious accessibility violation', async () => {
  const { key, companyId } = await stack().newPartner('Gamma');
  const user = await addCompanyUser(stack(), key, companyId, 'treasurer@gamma.example', 'admin');
  const link = await createSignInLink(stack().database.db, user.id, 'sign_in', new Date());
  const { context, foreign } = await loopbackOnlyContext(browser(), stack().baseUrl, { bypassCSP: true, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  try {
    await page.goto(`${stack().baseUrl}/dashboard/sign-in/${signInToken(stack().config.portalSecret, link!.id)}`);
    await Promise.all([page.waitForURL(`${stack().baseUrl}/dashboard`), page.locator('main button[type=submit]').click()]);

    await page.goto(`${stack().baseUrl}/dashboard/imports`);
    expect(await seriousAxeViolations(page)).toEqual([]);
    const bad = path.join(dir, 'leden.csv');
    writeFileSync(bad, [header, ...rows].join('\n'));
    await page.setInputFiles('#import-file', bad);
    await page.fill('#import-title', 'Contributie 2027');
    await Promise.all([page.waitForLoadState('load'), page.locator('[data-testid=upload-form] button').click()]);
    await page.waitForSelector('[data-testid=row-error-table]');
    expect(await page.locator('[data-testid=row-error-table] tbody tr').allInnerTexts()).toEqual([expect.stringMatching(/3\s+Bedrag\s+must be an amount/)]);
    expect(await seriousAxeViolations(page)).toEqual([]);

    const fixed = path.join(dir, 'leden-verbeterd.csv');
    writeFileSync(fixed, [header, rows[0], rows[1]!.replace('12,5O', '12,50')].join('\n'));
    await page.setInputFiles('#import-file', fixed);
    await Promise.all([page.waitForURL(/\/dashboard\/imports\/imp_/), page.locator('[data-testid=upload-form] button').click()]);
    expect(await page.locator('[data-testid=first-rows] tbody tr').count()).toBe(2);
    expect(await page.locator('[data-testid=import-summary]').innerText()).toMatch(/132,50/);
    expect(await seriousAxeViolations(page)).toEqual([]);

    // Keyboard: the send button is reachable by Tab and pressed with Enter.
    const send = page.locator('[data-testid=transmit-form] button');
    for (let i = 0; i < 30 && !(await send.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)); i++) await page.keyboard.press('Tab');
    await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
    await page.waitForSelector('p.notice[role=status]');
    expect(await page.locator('[data-testid=transmit-form]').count()).toBe(0);
    expect(foreign).toEqual([]);
  } finally {
    await context.close();
  }
}, 180_000);
