// The app's progress screen in a real browser against `daakhla-app-http` on a fresh store: a
// household of three out-of-school children surveyed and one enrolled through the app's
// commands, a school need raised; home leads to progress, whose figures and charts are the
// `report` command's, down to the village's children and a child's story; a date range the
// wrong way round is refused naming the field; Urdu turns it right to left with no English
// left. Screenshots progress-en.png and progress-ur.png at 360×640 go to docs/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPhone } from './phone.mjs';
import { startBridge } from './bridge.mjs';
import { fillDate } from './dates.mjs';

const root = new URL('../../../', import.meta.url).pathname;
const shots = join(root, 'docs/screenshots');

let bridge, browser, page, dir, uc, village, sana;

const api = (command, request) => bridge.api(command, request);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daakhla-progress-'));
  bridge = await startBridge(join(dir, 'store.sqlite'));
  ({ browser, page } = await openPhone());
  mkdirSync(shots, { recursive: true });

  // Two girls and a boy out of school, and a girl in school, in the device's union council.
  uc = (await api('places', { union_council: null }))[0].code;
  village = (await api('places', { union_council: uc }))[0].code;
  await api('save_settings', { lang: null, surveyor_name: 'Ayesha', uc_code: uc, server_url: null, token: null });
  const child = (name, sex, age, reasons) => ({
    name, sex, age_years: age, relation_to_head: 'child', father_name: null,
    schooling: reasons.length ? 'never_enrolled' : 'enrolled', school_name: reasons.length ? null : 'GGPS Goth',
    class: reasons.length ? null : 2, last_class_passed: null, year_left: null,
    reasons_out_of_school: reasons, other_reason: null, willing_to_enrol: reasons.length ? true : null,
  });
  const household = await api('save_survey', {
    household: {
      uc_code: uc, village_code: village, household_number: '12', landmark: null, consent: true, gps: null,
      respondent_name: null, respondent_relation: null, respondent_phone: null, head_name: 'Ghulam Rasool',
      head_sex: 'man', mother_schooling: null, father_schooling: null, house_type: null, members: 8,
      surveyed_by: 'Ayesha',
    },
    children: [
      child('Sana', 'girl', 9, ['cost', 'school_too_far']),
      child('Amna', 'girl', 12, ['cost']),
      child('Bilal', 'boy', 11, ['child_works', 'cost']),
      child('Hina', 'girl', 7, []),
    ],
  });
  sana = household.children.find((c) => c.name === 'Sana').id;
  await api('add_follow_up', {
    child_id: sana, visited_by: 'Ayesha', outcome: 'enrolled', school_name: 'GGPS Goth', class: 1,
    admitted_on: null, why: null, milestone: null, attending_regularly: null, days_attended_last_week: null,
    dropped_out: false, dropout_reasons: [], notes: null,
  });
  const school = await api('save_school', {
    id: null, name: 'GGPS Goth', emis_code: null, level: 'primary', gender: 'girls', functional: true,
    closed_reason: null, uc_code: uc, village_code: village, teachers: 2, classrooms: 3, enrolment: 90,
  });
  await api('save_need', {
    id: null, school_id: school.school.id, category: 'latrines', severity: 'urgent',
    description: 'No usable latrine', identified_on: '2025-03-10', raised_on: null, promised_on: null,
    resolved_on: null,
  });
});

after(async () => {
  await browser?.close();
  bridge?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A screenshot with `selector` near the top of the screen. */
async function shot(name, selector) {
  await page.$eval(selector, (el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 60));
  await page.screenshot({ path: join(shots, name) });
}

async function barValue(chart, row, series) {
  const text = await page.textContent(`[data-testid=${chart}] [data-row="${row}"] [data-series="${series}"] .value`);
  return text.replace(/^.*:\s*/, '');
}

test('progress shows the device’s own figures, drills down to a child, and reads in Urdu', async () => {
  const expected = await api('report', { area: uc, from: null, to: null });
  assert.deepEqual(expected.out_of_school, { girls: 2, boys: 1, transgender: 0 });
  assert.deepEqual(expected.enrolled, { girls: 1, boys: 0, transgender: 0 });

  await page.goto(`${bridge.url}/#/home`);
  await page.click('[data-testid=open-progress]');
  assert.equal(new URL(page.url()).hash, '#/progress');
  // It opens on the device's union council.
  await page.waitForFunction((name) => document.querySelector('[data-testid=area-name]')?.textContent === name, expected.area.name_en);
  assert.equal(await page.textContent('[data-testid=osc] strong'), '3');
  assert.match(await page.textContent('[data-testid=osc]'), /girls 2, boys 1/);
  assert.match(await page.textContent('[data-testid=enrolled]'), /girls 1, boys 0/);

  // The charts say what the report says.
  assert.equal(await barValue('sex-chart', 'out_of_school', 'girls'), String(expected.out_of_school.girls));
  assert.equal(await barValue('sex-chart', 'out_of_school', 'boys'), String(expected.out_of_school.boys));
  assert.equal(await barValue('sex-chart', 'enrolled', 'girls'), '1');
  assert.equal(await barValue('sex-chart', 'enrolled', 'boys'), '0');
  assert.equal(await page.locator('[data-testid=sex-chart] [data-series=transgender]').count(), 0);
  assert.equal(expected.reasons[0].reason.code, 'cost');
  assert.equal(await page.textContent('[data-testid=reasons-chart] li:first-child .name'), 'Cost / poverty');
  assert.equal(await barValue('reasons-chart', 'cost', 'children'), '3');
  assert.equal(await page.locator('[data-testid=reasons-chart] li').count(), expected.reasons.length);
  assert.equal(await page.textContent('[data-testid=retention-chart] [data-testid=empty]'), 'No retention check is due yet.');
  assert.equal(await barValue('needs-chart', 'latrines', 'open'), '1');
  assert.equal(await barValue('needs-chart', 'latrines', 'resolved'), '0');
  assert.match(await page.textContent('[data-testid=weekly-latest]'), /3 found, 1 enrolled/);
  await shot('progress-en.png', '[data-testid=sex-chart]');

  // A date range the wrong way round: the field is named, the figures stay.
  await fillDate(page, 'from', '2025-03-10');
  await fillDate(page, 'to', '2025-03-01');
  await page.click('[data-testid=apply]');
  await page.waitForSelector('[data-testid=error]');
  assert.match(await page.textContent('[data-testid=error]'), /^To: the date range starts \(2025-03-10\) after it ends \(2025-03-01\)/);
  await fillDate(page, 'from', '');
  await fillDate(page, 'to', '');
  await page.click('[data-testid=apply]');
  await page.waitForSelector('[data-testid=error]', { state: 'detached' });

  // Down to the village's children and Sana's story.
  await page.click(`[data-testid=league] a[data-code="${village}"]`);
  await page.waitForSelector('[data-testid=children] li a');
  const children = await api('report_children', { village });
  assert.deepEqual(await page.locator('[data-testid=children] li a').allTextContents(), children.map((c) => c.name));
  await page.click('[data-testid=children] li a:text-is("Sana")');
  await page.waitForSelector('[data-testid=visits] li');
  assert.equal(await page.textContent('[data-testid=child-name]'), 'Sana');
  assert.match(await page.textContent('[data-testid=visits]'), /Enrolled/);
  // The phone's back button goes up a level, and forward down again; the screen stays.
  await page.goBack();
  await page.waitForSelector('[data-testid=children] li a');
  assert.equal(new URL(page.url()).hash, '#/progress');
  await page.goForward();
  await page.waitForSelector('[data-testid=visits] li');
  assert.equal(await page.textContent('[data-testid=child-name]'), 'Sana');

  // Urdu: right to left, the story and then the figures with no English left.
  await page.click('[data-testid=switch-language]');
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  const story = await api('report_child', { id: sana });
  assert.match(await page.textContent('[data-testid=visits]'), new RegExp(story.visits[0].outcome.ur));
  await page.click('a:has-text("‹")');
  await page.waitForSelector('[data-testid=children] li a');
  await page.click('[data-testid=back-to-area]');
  await page.waitForFunction((name) => document.querySelector('[data-testid=area-name]')?.textContent === name, expected.area.name_ur);
  const figures = await page.textContent('main');
  assert.doesNotMatch(figures, /[A-Za-z]{2,}/, 'no English left on the progress screen');
  assert.equal(await page.textContent('[data-testid=reasons-chart] li:first-child .name'), expected.reasons[0].reason.ur);
  await shot('progress-ur.png', '[data-testid=sex-chart]');
  await page.click('[data-testid=switch-language]');
});
