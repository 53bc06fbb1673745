import { readFile } from 'node:fs/promises';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createMailer } from '../../messaging/mailer';
import { createSmsSender } from '../../messaging/sms';
import { createConsoleUser } from '../../services/console-users';
import { loopbackOnlyContext, signInToConsole, useBrowserStack } from '../support/browser';
import { silentLogger } from '../support/logger';
import { readPdf } from '../support/pdf';
import { invoiceBody } from '../support/stack';

/** Print batches in the console, in a real browser: ops download the day's letters and mark them posted; others never see the page. */
const { browserTest, stack: theStack, browser: theBrowser } = useBrowserStack('print batches');

async function queuedLetter(): Promise<string> {
  const stack = theStack();
  const { key, companyId } = await stack.newPartner('Print');
  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const debtor = { first_name: 'Pieter', last_name: 'Post', locale: 'nl', timezone: 'Europe/Amsterdam', address: { street: 'Brievenbuslaan 7', postal_code: '2511 AA', city: 'Den Haag', country: 'NL' } };
  const invoice = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id, { debtor }) });
  const activities = createActivities({
    db: stack.database.db,
    mailer: createMailer({ from: 'Recoup <noreply@recoup.test>', logger: silentLogger }),
    sms: createSmsSender({ logger: silentLogger }),
    temporal: stack.env.client,
    config: stack.config,
    logger: silentLogger,
  });
  const activity = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000 }, { logger: new DefaultLogger('ERROR') });
  await activity.run(activities.sendInvoiceMessage, { invoiceId: invoice.body.id, purpose: 'step1', channel: 'letter' as const, kind: 'reminder' as const });
  return invoice.body.id;
}

browserTest('ops open Print batches, download the day batch as a PDF with the letter, and mark it posted; the letter is then posted', async () => {
  const { baseUrl, database } = theStack();
  const invoiceId = await queuedLetter();
  await createConsoleUser(database.db, { email: 'olga@recoup.test', role: 'ops', password: 'olga has a long password' });

  const { context, foreign } = await loopbackOnlyContext(theBrowser(), baseUrl, { viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  try {
    await page.goto(`${baseUrl}/console/sign-in`);
    await signInToConsole(page, baseUrl, 'olga@recoup.test', 'olga has a long password');
    await Promise.all([page.waitForURL(`${baseUrl}/console/print-batches`), page.click('nav a:has-text("Print batches")')]);

    const row = page.locator('[data-testid=print-batch]').first();
    expect(await row.locator('[data-testid=letter-count]').textContent()).toBe('1');
    expect(await row.locator('[data-testid=batch-status]').textContent()).toBe('open');

    const [download] = await Promise.all([page.waitForEvent('download'), row.locator('a:has-text("Download PDF")').click()]);
    expect(download.suggestedFilename()).toMatch(/^print-batch-pb_.*\.pdf$/);
    const pages = await readPdf(await readFile((await download.path())!));
    expect(pages).toHaveLength(1);
    expect(pages[0]!.text).toContain('Pieter Post');
    expect(pages[0]!.text).toContain('2511 AA Den Haag');

    await Promise.all([page.waitForURL(/\/console\/print-batches\?posted=/), row.locator('button:has-text("Mark posted")').click()]);
    expect(await page.textContent('[data-testid=notice]')).toMatch(/marked posted/);
    expect(await page.locator('[data-testid=print-batch]').first().locator('[data-testid=batch-status]').textContent()).toMatch(/^posted/);
    expect(await page.locator('[data-testid=print-batch]').first().locator('button:has-text("Mark posted")').count()).toBe(0);
  } finally {
    await context.close();
  }
  expect(foreign).toEqual([]);

  const events = await theStack().database.db.query.events.findMany({ where: (e, { eq }) => eq(e.invoiceId, invoiceId) });
  expect(events.filter((e) => e.type === 'message.sent')).toEqual([expect.objectContaining({ data: expect.objectContaining({ channel: 'letter', delivery: 'posted' }) })]);
}, 180_000);

browserTest('a reviewer sees no Print batches link and is refused the page (403)', async () => {
  const { baseUrl, database } = theStack();
  await createConsoleUser(database.db, { email: 'rob@recoup.test', role: 'reviewer', password: 'rob has a long password' });
  const context = await theBrowser().newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${baseUrl}/console/sign-in`);
    await signInToConsole(page, baseUrl, 'rob@recoup.test', 'rob has a long password');
    expect(await page.locator('nav a:has-text("Print batches")').count()).toBe(0);
    const res = await page.goto(`${baseUrl}/console/print-batches`);
    expect(res!.status()).toBe(403);
    expect(await page.locator('form[action$="/posted"]').count()).toBe(0);
  } finally {
    await context.close();
  }
}, 60_000);
