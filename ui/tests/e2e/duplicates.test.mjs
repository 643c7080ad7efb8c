// Duplicate households in a real browser over the app's HTTP bridge. A household is already
// stored in Roman Urdu; a resource person starts surveying it again in Urdu script, with its
// number written "07", and is shown the stored one before saving. Saved anyway, the pair is
// on the coordinator's review list with a second pair in another village: one pair is merged
// (both rosters under the kept household), the other kept as two households.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge } from './bridge.mjs';
import { openPhone } from './phone.mjs';

const root = new URL('../../../', import.meta.url).pathname;
const shots = join(root, 'docs/screenshots');

let bridge, browser, page, dir;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daakhla-duplicates-'));
  bridge = await startBridge(join(dir, 'store.sqlite'));
  ({ browser, page } = await openPhone());
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  bridge?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const api = (command, request) => bridge.api(command, request);

const next = () => page.click('[data-testid=next]');
const choose = (field, code) => page.click(`[data-field="${field}"] [data-code="${code}"]`);
const switchLanguage = async (dir) => {
  await page.click('[data-testid=switch-language]');
  await page.waitForFunction((d) => document.documentElement.dir === d, dir);
};
const shot = async (name) => {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(shots, name) });
};

function child(name, sex, age, schooling) {
  return { name, sex, age_years: age, relation_to_head: 'child', father_name: null, schooling,
    school_name: null, class: null, last_class_passed: null, year_left: null,
    reasons_out_of_school: ['cost'], other_reason: null, willing_to_enrol: null };
}

function survey(uc, village, number, head, children) {
  return {
    household: { uc_code: uc, village_code: village, household_number: number, landmark: null, consent: true,
      gps: null, respondent_name: null, respondent_relation: null, respondent_phone: null, head_name: head,
      head_sex: 'man', mother_schooling: null, father_schooling: null, house_type: null, members: null,
      surveyed_by: 'Ayesha' },
    children,
  };
}

test('a household surveyed again is shown before saving, and the coordinator merges or separates pairs', async () => {
  await api('save_settings', { lang: 'en', surveyor_name: 'Ayesha', uc_code: null, server_url: null, token: null });
  const uc = (await api('places', { union_council: null }))[0].code;
  const [village, other] = await api('places', { union_council: uc });
  const stored = await api('save_survey', survey(uc, village.code, '7', 'Muhammad Aslam',
    [child('Sana', 'girl', 9, 'never_enrolled'), child('Bilal', 'boy', 12, 'dropped_out')]));
  // In another village, Ghulam Rasool's household entered twice, under two numbers.
  await api('save_survey', survey(uc, other.code, '1', 'Ghulam Rasool', [child('Ali', 'boy', 6, 'never_enrolled')]));
  await api('save_survey', survey(uc, other.code, '2', 'غلام رسول', [child('علی', 'boy', 6, 'never_enrolled')]));

  // The wizard, in the first village: the same household, in Urdu script.
  await page.goto(`${bridge.url}/#/survey`);
  await page.waitForSelector('[name="household.household_number"]');
  assert.equal(await page.inputValue('[name="household.village_code"]').catch(() => village.code), village.code);
  await page.fill('[name="household.household_number"]', '07');
  await next();
  await page.fill('[name="household.head_name"]', 'محمد اسلم');
  await choose('household.head_sex', 'man');
  await next();

  // On the roster step, before a child is typed: the stored household, and why.
  const warning = page.locator('[data-testid=duplicate-warning]');
  await warning.waitFor();
  assert.match(await warning.innerText(), /Household 7/);
  assert.match(await warning.innerText(), /Muhammad Aslam/);
  assert.match(await warning.innerText(), /Sana/);
  for (const clue of ['same_number', 'head_name_alike']) {
    assert.equal(await warning.locator(`[data-clue=${clue}]`).count(), 1, clue);
  }
  await shot('duplicate-warning-en.png');
  await switchLanguage('rtl');
  assert.match(await warning.innerText(), /کیا یہ گھرانہ پہلے درج ہو چکا ہے؟/);
  assert.match(await warning.innerText(), /گھرانے کا نمبر ایک ہی ہے/);
  await shot('duplicate-warning-ur.png');
  await switchLanguage('ltr');

  // The children agree too; the resource person is unsure and saves it as a new household.
  for (const [i, [name, sex, age]] of [['ثنا', 'girl', '10'], ['بلال', 'boy', '12']].entries()) {
    await page.click('[data-testid=add-child]');
    await page.fill(`[name="children[${i}].name"]`, name);
    await choose(`children[${i}].sex`, sex);
    await page.fill(`[name="children[${i}].age_years"]`, age);
  }
  await page.waitForSelector('[data-clue=children_alike]');
  await next();
  await choose('children[0].schooling', 'never_enrolled');
  await next();
  await choose('children[1].schooling', 'dropped_out');
  await next();
  await page.waitForSelector('[data-testid=duplicate-warning]');
  assert.equal(await page.innerText('[data-testid=save-survey]'), 'A different household: save');
  await page.click('[data-testid=save-survey]');
  await page.waitForSelector('[data-testid=household-children]');

  // The coordinator's list: both pairs, side by side.
  await page.goto(`${bridge.url}/#/home`);
  await page.click('[data-testid=open-duplicates]');
  await page.waitForSelector('[data-testid=duplicate-pair]');
  assert.equal(await page.locator('[data-testid=duplicate-pair]').count(), 2);
  await shot('duplicates-en.png');
  await switchLanguage('rtl');
  assert.match(await page.innerText('main'), /ممکنہ دہرے اندراج/);
  await shot('duplicates-ur.png');
  await switchLanguage('ltr');

  // Aslam's pair: keep the household stored first; its roster takes the other's children.
  const aslam = page.locator('[data-testid=duplicate-pair]', { hasText: 'Muhammad Aslam' });
  await aslam.locator('.side', { hasText: 'Household 7' }).locator('[data-testid=keep-household]').click();
  await page.waitForSelector('text=Merged: household 7 kept. 2 children were on both rosters');
  assert.equal(await page.locator('[data-testid=duplicate-pair]').count(), 1);
  // Rasool's: two households after all.
  await page.click('[data-testid=two-households]');
  await page.waitForSelector('[data-testid=no-duplicates]');
  await shot('duplicates-none-en.png');

  // Sana and Bilal were on both rosters: each is there once.
  const kept = await api('household', { id: stored.id });
  assert.deepEqual(kept.children.map((c) => c.name).sort(), ['Bilal', 'Sana']);
  const households = await api('households', { uc_code: null, village_code: null });
  assert.equal(households.length, 3, 'the merged one is no longer listed');
  assert.deepEqual(await api('duplicate_pairs', { uc_code: null }), []);
});
