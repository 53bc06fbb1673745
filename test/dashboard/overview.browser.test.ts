import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seriousAxeViolations } from '../support/axe';
import { loopbackOnlyContext, useBrowserStack } from '../support/browser';
import { eventually } from '../support/eventually';
import { addCompanyUser, signInLinkOf } from './dashboard-client';
import { transmittedInvoices } from './overview-support';

/**
 * The overview in Chromium at a desktop (1280 px) and a phone (390 px) width: the treasurer signs
 * in from the invitation email and sees three charts drawn (each SVG visible with its bars, and
 * its table), the page fits the width, and axe-core finds no serious or critical violation. The
 * screenshot is compared by its size and the presence of its parts, never by pixels; it is kept
 * in a temporary folder (printed) for a person to look at.
 */
const { browserTest, stack: theStack, browser: theBrowser } = useBrowserStack('dashboard overview');
const SHOTS = join(tmpdir(), `recoup-dashboard-overview-${process.pid}`);

/** Width and height of a PNG, from its header. */
const pngSize = (png: Buffer): { width: number; height: number } => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

browserTest.each([
  ['desktop', 1280],
  ['phone', 390],
])('on a %s (%i px wide) the overview draws its three charts with their bars and tables, fits the width and passes axe', async (_, width) => {
  const stack = theStack();
  await mkdir(SHOTS, { recursive: true });
  const partner = await stack.newPartner(`Charts ${width}`);
  await transmittedInvoices(stack, partner.key, partner.companyId, [12_345, 5_000, 80_000], [undefined, 2_000, 30_000]);
  const email = `treasurer-${width}@charts.example`;
  await addCompanyUser(stack, partner.key, partner.companyId, email);
  const mail = await eventually(async () => {
    const found = stack.smtp.messages.find((m) => JSON.stringify(m.to).includes(email));
    expect(found).toBeDefined();
    return found!;
  }, 60_000);

  // The pages forbid every script; axe is injected, so this context bypasses the policy.
  const { context, foreign } = await loopbackOnlyContext(theBrowser(), stack.baseUrl, { viewport: { width, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  try {
    await page.goto(signInLinkOf(mail));
    await Promise.all([page.waitForURL(`${stack.baseUrl}/dashboard`), page.click('main form button[type=submit]')]);

    const charts = page.locator('main svg.chart');
    expect(await charts.count()).toBe(3);
    const barsPerChart = [13, 5];
    for (let i = 0; i < 3; i++) {
      const chart = charts.nth(i);
      expect(await chart.isVisible()).toBe(true);
      const box = (await chart.boundingBox())!;
      // As wide as its column on a phone; at most the dashboard's chart width (46 rem) on a desktop.
      expect(box.width).toBeGreaterThan(Math.min(width * 0.8, 700));
      expect(box.width).toBeLessThanOrEqual(width);
      expect(box.height).toBeGreaterThan(50);
      // Its bars are drawn: as many as the numbers, the largest with a visible size.
      const bars = chart.locator('rect.bar');
      if (barsPerChart[i] !== undefined) expect(await bars.count()).toBe(barsPerChart[i]);
      else expect(await bars.count()).toBeGreaterThanOrEqual(7);
      const sizes = await bars.evaluateAll((rects) => rects.map((r) => r.getBoundingClientRect()).map((b) => b.width * b.height));
      expect(Math.max(...sizes)).toBeGreaterThan(20);
      // And its table follows it in the same section.
      const table = page.locator('main section.overview-chart').nth(i).locator('table.chart-table');
      expect(await table.isVisible()).toBe(true);
      expect(await table.locator('caption').textContent()).toBe(await chart.locator('title').first().textContent());
    }
    expect(await page.locator('main svg.chart rect.rate-point').count()).toBeGreaterThanOrEqual(1);

    // Nothing runs off the side: the page is as wide as the screen.
    expect(await page.evaluate('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(width);
    const shot = await page.screenshot({ path: join(SHOTS, `overview-${width}.png`), fullPage: true });
    const size = pngSize(shot);
    expect(size.width).toBe(width);
    // Three charts and their tables make a long page, longer still on a phone where they stack.
    expect(size.height).toBeGreaterThan(width < 600 ? 2_000 : 1_200);

    expect(await seriousAxeViolations(page)).toEqual([]);
  } finally {
    await context.close();
  }
  expect(foreign).toEqual([]);
  console.log(`dashboard overview screenshots: ${SHOTS}`);
}, 240_000);
