import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { seriousAxeViolations } from '../support/axe';
import { loopbackOnlyContext, useBrowserStack } from '../support/browser';
import { eventually } from '../support/eventually';
import { addCompanyUser, signInLinkOf } from './dashboard-client';

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

browserTest('the treasurer signs in from the invitation email, uploads, sees the bad cell, fixes it, reviews and sends, and sees the invoices appear; no page has a serious accessibility violation', async () => {
  const { key, companyId } = await stack().newPartner('Gamma');
  await addCompanyUser(stack(), key, companyId, 'treasurer@gamma.example', 'admin');
  // The invitation email, as the partner's adding her sent it: its link is how she signs in.
  const invitation = await eventually(async () => {
    const mail = stack().smtp.messages.find((m) => JSON.stringify(m.to).includes('treasurer@gamma.example'));
    if (!mail) throw new Error('no invitation yet');
    return mail;
  }, 30_000);
  const { context, foreign } = await loopbackOnlyContext(browser(), stack().baseUrl, { bypassCSP: true, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  try {
    await page.goto(signInLinkOf(invitation));
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

    // The invoices appear in her list once transmitted (the import's workflow starts them).
    await eventually(async () => {
      await page.goto(`${stack().baseUrl}/dashboard/invoices`);
      const text = await page.locator('main').innerText();
      if (!text.includes('B-001') || !text.includes('B-002')) throw new Error('the invoices are not listed yet');
    }, 60_000);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(foreign).toEqual([]);
  } finally {
    await context.close();
  }
}, 180_000);
