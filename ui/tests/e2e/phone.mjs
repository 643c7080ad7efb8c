// Debian's chromium, headless, as a 360×640 phone screen: what every UI test looks through.
import { chromium } from 'playwright-core';

/** A browser and one page at phone size; `context` options (a GPS fix, say) are added. */
export async function openPhone(context = {}) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await (await browser.newContext({ viewport: { width: 360, height: 640 }, deviceScaleFactor: 1, ...context })).newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  return { browser, page };
}
