import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { startStack, type Stack } from './stack';

/** Debian's Chromium, driven by playwright-core; never a browser downloaded by a test tool. */
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * A browser and the whole product on the dev server for one test file. In CI a missing Chromium
 * fails the suite (`.ci/run` installs it); on a machine without it the tests say why they skip.
 */
export function useBrowserStack(suite: string): { browserTest: jest.It; stack: () => Stack; browser: () => Browser } {
  const haveChromium = existsSync(CHROMIUM);
  const inCi = process.env.CI === 'true';
  if (!haveChromium && !inCi) console.warn(`Skipping the ${suite} browser test: no Chromium at ${CHROMIUM} (apt-get install chromium).`);
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!haveChromium) {
      if (inCi) throw new Error(`CI=true but there is no Chromium at ${CHROMIUM}: .ci/run installs it with apt-get`);
      return;
    }
    stack = await startStack({ temporal: 'dev-server' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });
  return { browserTest: haveChromium || inCi ? test : test.skip, stack: () => stack!, browser: () => browser! };
}

/**
 * A browser context that may load only what the product under test serves: every other request
 * is refused and recorded in `foreign`, so a test can assert a page needs nothing from elsewhere.
 */
export async function loopbackOnlyContext(browser: Browser, baseUrl: string, options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; foreign: string[] }> {
  const context = await browser.newContext(options);
  const foreign: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(baseUrl)) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  return { context, foreign };
}

/** Signs in on the console's sign-in form (the page must show it) and waits for the console's home. */
export async function signInToConsole(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(`${baseUrl}/console`), page.click('button:has-text("Sign in")')]);
}
