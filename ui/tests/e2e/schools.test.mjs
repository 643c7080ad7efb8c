// Schools and their infrastructure needs in a real browser on a fresh store: the empty list
// says what to do; a school is added; a need with its dates out of order is refused under the
// field, in the reader's language; corrected, it is listed under its school. Screenshots of
// the list and both forms at 360×640 in English and Urdu.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPhone } from './phone.mjs';
import { fillDate } from './dates.mjs';
import { startBridge } from './bridge.mjs';

const root = new URL('../../../', import.meta.url).pathname;
const shots = join(root, 'docs/screenshots');

let bridge, browser, page, dir;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daakhla-schools-'));
  bridge = await startBridge(join(dir, 'store.sqlite'));
  ({ browser, page } = await openPhone());
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  bridge?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const open = async (hash) => {
  await page.goto(`${bridge.url}/${hash}`);
  await page.waitForSelector('main h2');
};

test('a school and its need are added, and dates out of order are refused under the field', async () => {
  await open('#/settings');
  await page.fill('[name=surveyor_name]', 'Ayesha');
  await page.click('[data-testid=save-settings]');
  await page.waitForSelector('text=Saved.');

  await open('#/home');
  await page.click('[data-testid=open-schools]');
  await page.waitForSelector('[data-testid=no-schools]');

  await page.click('[data-testid=add-school]');
  await page.waitForSelector('[name="school.name"]');
  // A closed school with no reason is refused, saying so under the field.
  await page.click('[data-field="school.functional"] [data-code=no]');
  await page.fill('[name="school.name"]', 'GGPS Goth Rind');
  await page.click('[data-testid=save-school]');
  await page.waitForSelector('[data-error-for=closed_reason]');
  await page.click('[data-field="school.functional"] [data-code=yes]');
  await page.click('[data-field="school.level"] [data-code=primary]');
  await page.click('[data-field="school.gender"] [data-code=girls]');
  await page.fill('[name="school.teachers"]', '2');
  await page.fill('[name="school.enrolment"]', '96');
  await page.click('[data-testid=save-school]');
  await page.waitForSelector('[data-testid=school-list]');
  assert.match(await page.locator('[data-testid=school-list]').innerText(), /GGPS Goth Rind[\s\S]*No open needs/);

  await page.click('[data-testid=add-need]');
  await page.waitForSelector('[data-field="need.category"]');
  await page.click('[data-field="need.category"] [data-code=latrines]');
  await page.click('[data-field="need.severity"] [data-code=urgent]');
  await page.fill('[name="need.description"]', 'No usable latrine for 96 girls');
  await fillDate(page, 'need.identified_on', '2025-03-10');
  await fillDate(page, 'need.raised_on', '2025-03-01');
  await page.click('[data-testid=save-need]');
  const error = page.locator('[data-error-for=raised_on]');
  await error.waitFor();
  assert.match(await error.innerText(), /identified/i);
  await fillDate(page, 'need.raised_on', '2025-03-12');
  await page.click('[data-testid=save-need]');
  await page.waitForSelector('[data-testid=open-need]');
  const listed = await page.locator('[data-testid=school-list]').innerText();
  assert.match(listed, /Latrines/);
  assert.match(listed, /Urgent/);
  assert.match(listed, /Raised with an official/);
  assert.match(listed, /Open needs: 1/);

  // Still there after a reload: it is in the store, not the page.
  await page.reload();
  await page.waitForSelector('[data-testid=open-need]');
});

test('screenshots of the school list and its forms in both languages', async () => {
  await open('#/schools');
  await page.waitForSelector('[data-testid=open-need]');
  const school = (await page.getAttribute('[data-testid=school-list] a[href^="#/school/"]', 'href'));
  const need = await page.getAttribute('[data-testid=open-need]', 'href');
  for (const lang of ['en', 'ur']) {
    await open('#/settings');
    await page.click(`[data-field=lang] button >> nth=${lang === 'en' ? 0 : 1}`);
    await page.waitForFunction((l) => document.documentElement.lang === l, lang);
    for (const [name, hash, ready] of [
      ['schools', '#/schools', '[data-testid=open-need]'],
      ['school', school, '[name="school.name"]'],
      ['need', need, '[data-field="need.category"]'],
    ]) {
      await open(hash);
      await page.waitForSelector(ready);
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: join(shots, `${name}-${lang}.png`) });
    }
  }
  // In Urdu the need's rule is explained in Urdu too.
  await open(need);
  await page.waitForSelector('[name="need.resolved_on.day"]');
  await fillDate(page, 'need.resolved_on', '2025-03-11');
  await fillDate(page, 'need.promised_on', '2025-03-20');
  await page.click('[data-testid=save-need]');
  const error = page.locator('[data-error-for=resolved_on]');
  await error.waitFor();
  assert.match(await error.innerText(), /[\u0600-\u06FF]/);
});
