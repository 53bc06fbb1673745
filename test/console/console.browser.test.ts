import { createConsoleUser } from '../../services/console-users';
import { caseBody, configure, createCase } from '../debt-collection/support';
import { loopbackOnlyContext, signInToConsole, useBrowserStack } from '../support/browser';

/** The console in a real browser (Debian's Chromium driven by playwright-core) against the whole product on the dev server. */
const { browserTest, stack: theStack, browser: theBrowser } = useBrowserStack('console');

browserTest('a reviewer signs in, finds the case in the queue, reads its timeline, approves it with a reason; the API shows it processing', async () => {
  const { request, baseUrl } = theStack();
  const { key, companyId, partnerId } = await theStack().newPartner('Browser');
  await configure(theStack(), key, companyId, [{ name: 'reviewed in house', collector: 'in_house', review_required: true, conditions: {} }]);
  const created = await createCase(theStack(), key, caseBody(companyId, { amountCents: 42_000 }));
  expect((await request('POST', `/api/v2/debt_collection_cases/${created.id}/mark_prepared`, { key })).body.state).toBe('reviewing');
  await createConsoleUser(theStack().database.db, { email: 'rita@recoup.test', role: 'reviewer', password: 'rita has a long password', partnerId });

  const { context, foreign } = await loopbackOnlyContext(theBrowser(), baseUrl, { viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  try {
    await page.goto(`${baseUrl}/console`);
    expect(page.url()).toBe(`${baseUrl}/console/sign-in`);
    await signInToConsole(page, baseUrl, 'rita@recoup.test', 'rita has a long password');
    expect(await page.textContent('[data-testid=me]')).toBe('rita@recoup.test (reviewer)');

    const row = page.locator(`[data-testid=queue-row][data-case-id="${created.id}"]`);
    expect(await row.count()).toBe(1);
    await Promise.all([page.waitForURL(`${baseUrl}/console/cases/${created.id}`), row.locator(`a:has-text("${created.id}")`).click()]);
    expect(await page.textContent('[data-testid=case-state]')).toBe('reviewing');
    const timeline = await page.locator('[data-testid=case-timeline-event]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
    expect(timeline).toEqual(['debt_case.created', 'debt_case.review_required']);

    await page.fill('#reason', 'Claim and contract checked');
    await Promise.all([page.waitForURL(/\?decided=approve$/), page.click('#review button:has-text("Approve")')]);
    expect(await page.textContent('[data-testid=notice]')).toBe('Approved.');
    expect(await page.textContent('[data-testid=case-review]')).toContain('approve by rita@recoup.test');
  } finally {
    await context.close();
  }
  expect(foreign).toEqual([]);

  const kase = await request('GET', `/api/v2/debt_collection_cases/${created.id}`, { key });
  expect(kase.body).toMatchObject({ state: 'processing', review: { decision: 'approve', reason: 'Claim and contract checked', reviewed_by: 'rita@recoup.test' } });
}, 180_000);
