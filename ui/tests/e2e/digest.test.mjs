// The coordinator's evening in a real browser: preview the union council's daily digest in
// English (one SMS) and Urdu (its parts counted), copy it, add an official, record the send,
// see it in the log and note the response; then write an export from the settings screen and
// hand it on (a phone cannot open the app's own folder): saved as a copy, or shared.
// Screenshots digest-en.png and digest-ur.png at 360×640 go to docs/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPhone } from './phone.mjs';
import { startBridge } from './bridge.mjs';

const root = new URL('../../../', import.meta.url).pathname;
const shots = join(root, 'docs/screenshots');

let bridge, browser, page, dir;

const api = (command, request) => bridge.api(command, request);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daakhla-digest-'));
  bridge = await startBridge(join(dir, 'store.sqlite'));
  ({ browser, page } = await openPhone({ permissions: ['clipboard-read', 'clipboard-write'] }));
  mkdirSync(shots, { recursive: true });

  // A household of two out-of-school children (a girl and a boy) in the first union council.
  const uc = (await api('places', { union_council: null }))[0].code;
  const village = (await api('places', { union_council: uc }))[0].code;
  await api('save_settings', { lang: null, surveyor_name: 'Ayesha', uc_code: uc, server_url: null, token: null });
  const child = (name, sex, age) => ({
    name, sex, age_years: age, relation_to_head: 'child', father_name: null, schooling: 'never_enrolled',
    school_name: null, class: null, last_class_passed: null, year_left: null,
    reasons_out_of_school: ['cost'], other_reason: null, willing_to_enrol: true,
  });
  await api('save_survey', {
    household: {
      uc_code: uc, village_code: village, household_number: '7', landmark: null, consent: true, gps: null,
      respondent_name: null, respondent_relation: null, respondent_phone: null, head_name: 'Muhammad Aslam',
      head_sex: 'man', mother_schooling: null, father_schooling: null, house_type: null, members: 5,
      surveyed_by: 'Ayesha',
    },
    children: [child('Sana', 'girl', 9), child('Bilal', 'boy', 11)],
  });
});

after(async () => {
  await browser?.close();
  bridge?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const shot = (name) => page.screenshot({ path: join(shots, name), fullPage: false });

test('a digest is previewed in both languages, sent, logged and answered', async () => {
  await page.goto(`${bridge.url}/#/settings`);
  await page.click('[data-testid=open-digest]');
  await page.waitForSelector('[data-testid=digest-text]');
  const english = await page.inputValue('[data-testid=digest-text]');
  assert.match(english, /OSC found girls 1, boys 1; enrolled so far girls 0, boys 0/);
  assert.match(await page.textContent('[data-testid=digest-count]'), /of 160 characters: 1 SMS/);
  await page.waitForSelector('[data-testid=no-recipients]');
  await page.waitForSelector('[data-testid=log-empty]');

  await page.click('[data-testid=digest-copy]');
  await page.waitForSelector('[data-testid=digest-notice]');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), english);

  // A phone number that is no phone number is refused under its field; nothing is added.
  await page.fill('[name=recipient_name]', 'Rukhsana Memon');
  await page.fill('[name=recipient_phone]', 'call the office');
  await page.click('[data-testid=add-recipient]');
  await page.waitForSelector('[data-error-for=phone]');
  await page.fill('[name=recipient_phone]', '0300 1234567');
  await page.click('[data-testid=add-recipient]');
  await page.waitForSelector('[data-testid=record-send]');
  await page.click('[data-field=channel] [data-code=sms]');
  await page.click('[data-testid=record-send]');
  const entry = page.locator('[data-testid=digest-log] li').first();
  await entry.waitFor();
  assert.match(await entry.textContent(), /Rukhsana Memon, District Education Officer, by SMS/);
  assert.match(await entry.textContent(), /No response noted yet/);
  await entry.locator('input').fill('Will visit the school on Monday');
  await entry.locator('button').click();
  await page.waitForSelector('[data-testid=response]');
  assert.match(await page.textContent('[data-testid=response]'), /Will visit the school on Monday/);
  await page.evaluate(() => scrollTo(0, 0));
  await shot('digest-en.png');

  // The Urdu digest: right to left, its UCS-2 parts counted; the screen in Urdu too.
  await page.click('[data-testid=switch-language]');
  await page.click('[data-field=digest_lang] [data-code=ur]');
  await page.waitForFunction(() =>
    /لڑکیاں 1، لڑکے 1/.test(document.querySelector('[data-testid=digest-text]').value));
  const count = await page.textContent('[data-testid=digest-count]');
  const units = Number(count.match(/(\d+) حروف/)[1]);
  const parts = Number(count.match(/ایس ایم ایس کے (\d+) حصے/)[1]);
  assert.equal(parts, Math.ceil(units / 67), count);
  assert.equal(await page.getAttribute('[data-testid=digest-text]', 'dir'), 'rtl');
  await page.click('[data-field=channel] [data-code=whatsapp]');
  await page.click('[data-testid=record-send]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=digest-log] li').length === 2);
  const newest = await page.locator('[data-testid=digest-log] li').first().textContent();
  assert.match(newest, /واٹس ایپ/);
  await page.evaluate(() => scrollTo(0, 0));
  await shot('digest-ur.png');

  // Back in English, an export from the settings screen lands in the app's exports folder.
  await page.click('[data-testid=switch-language]');
  await page.goto(`${bridge.url}/#/settings`);
  await page.waitForSelector('[data-testid=export-card]');
  await page.selectOption('[name=export_kind]', 'children');
  await page.click('[data-field=export_format] [data-code=xlsx]');
  await page.click('[data-testid=write-export]');
  const done = await page.textContent('[data-testid=export-done]');
  const path = done.match(/written to (\S+\.xlsx)/)[1];
  assert.ok(path.startsWith(join(dir, 'exports')), path);
  assert.ok(existsSync(path));
  // Saved as a copy where the phone keeps downloads: the same bytes, under the export's name.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=save-export]')]);
  assert.equal(download.suggestedFilename(), 'children.xlsx');
  assert.deepEqual(readFileSync(await download.path()), readFileSync(path));
  // This browser has no share sheet for files, so none is offered; where one is (Chrome on
  // Android), the file goes to it whole. Linux's Chromium has none: one stands in here.
  assert.equal(await page.locator('[data-testid=share-export]').count(), 0);
  await page.evaluate(() => {
    window.shared = [];
    navigator.canShare = ({ files }) => files?.length > 0;
    navigator.share = async ({ files }) => { for (const f of files) window.shared.push({ name: f.name, type: f.type, size: f.size }); };
  });
  await page.click('[data-testid=write-export]');
  await page.click('[data-testid=share-export]');
  assert.deepEqual(await page.evaluate(() => window.shared), [{
    name: 'children.xlsx',
    type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    size: readFileSync(path).length,
  }]);
  await page.click('[data-field=export_format] [data-code=geojson]');
  await page.click('[data-testid=write-export]');
  assert.match(await page.textContent('[data-testid=export-error]'), /GeoJSON is for households and schools/);
});
