import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
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
