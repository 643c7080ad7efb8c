// The supervisors' dashboard in a real browser against a real `daakhla-server` holding two
// union councils of the reference campaign: a supervisor signs in with a one-time code, the
// figures are the server's, the drill-down reaches a child and comes back, a date filter
// changes the figures, Urdu turns the page right to left, and another district is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPhone } from './phone.mjs';
import { fillDate } from './dates.mjs';

const root = new URL('../../../', import.meta.url).pathname;
const shots = join(root, 'docs/screenshots');
const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/daakhla/target');
const binary = join(target, 'debug/daakhla-server');

let dir, server, url, browser, page;
const cli = (...args) => execFileSync(binary, ['--data', join(dir, 'server'), ...args], { encoding: 'utf8' });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daakhla-dashboard-'));
  cli('reference', '--ucs', '2');
  server = spawn(binary, ['--data', join(dir, 'server'), 'serve', '--listen', '127.0.0.1:0',
    '--dashboard', join(root, 'ui/dist')], { stdio: ['ignore', 'pipe', 'inherit'] });
  url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('daakhla-server did not start')), 20000);
    server.stdout.on('data', (chunk) => {
      const found = String(chunk).match(/listening on (http:\/\/\S+)/);
      if (found) { clearTimeout(timer); resolve(found[1]); }
    });
  });
  ({ browser, page } = await openPhone());
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The district of the first reference union council, and a one-time code for its supervisor. */
function supervisorCode() {
  const admin = JSON.parse(cli('device', 'add', '--user', 'admin', '--role', 'admin', '--scope', '*')).token;
  return { admin };
}

/** A screenshot of the page from its top, or from an element scrolled to the top. */
async function shot(name, from) {
  if (from) await page.$eval(from, (el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 60));
  else await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(shots, name) });
}

const en = (n) => n.toLocaleString('en-PK');
const sum = (n) => n.girls + n.boys + n.transgender;

/** The number a chart's bar shows, as text: `chart` and `row` by test id and row id. */
async function barValue(chart, row, series) {
  const text = await page.textContent(`[data-testid=${chart}] [data-row="${row}"] [data-series="${series}"] .value`);
  return text.replace(/^.*:\s*/, '');
}

/** Every chart shows the report's own numbers, as text beside its bars. */
async function assertCharts(report) {
  // Girls and boys, found and enrolled.
  for (const row of ['out_of_school', 'enrolled']) {
    for (const sex of ['girls', 'boys']) {
      assert.equal(await barValue('sex-chart', row, sex), en(report[row][sex]), `${row} ${sex}`);
    }
  }
  const transgender = report.out_of_school.transgender + report.enrolled.transgender;
  assert.equal(await page.locator('[data-testid=sex-chart] [data-series=transgender]').count(), transgender > 0 ? 2 : 0);
  // Reasons, most common first.
  assert.ok(report.reasons.length > 0);
  const first = report.reasons[0];
  assert.equal(await page.textContent('[data-testid=reasons-chart] li:first-child .name'), first.reason.en);
  assert.equal(await barValue('reasons-chart', first.reason.code, 'children'), en(sum(first.children)));
  assert.equal(await page.locator('[data-testid=reasons-chart] li').count(), report.reasons.length);
  // Retention: the milestones due, checked and still in school.
  const due = report.retention.filter((r) => sum(r.due) > 0);
  assert.equal(await page.locator('[data-testid=retention-chart] li').count(), due.length);
  for (const r of due) {
    assert.equal(await barValue('retention-chart', r.months, 'checked'), en(sum(r.checked)));
    assert.equal(await barValue('retention-chart', r.months, 'retained'), en(sum(r.retained)));
  }
  if (due.length === 0) await page.waitForSelector('[data-testid=retention-chart] [data-testid=empty]');
  // Needs by category, open and resolved, each with its picture.
  const needs = report.needs.filter((n) => n.open + n.resolved > 0);
  assert.equal(await page.locator('[data-testid=needs-chart] li').count(), needs.length);
  for (const n of needs) {
    assert.equal(await barValue('needs-chart', n.category.code, 'open'), en(n.open));
    assert.equal(await barValue('needs-chart', n.category.code, 'resolved'), en(n.resolved));
  }
  assert.equal(await page.locator('[data-testid=needs-chart] li svg path').count(), needs.length);
  // The league table's bars: out of school and enrolled for every place.
  assert.equal(await page.locator('[data-testid=league] tbody tr .part-bars svg').count(), report.parts.length * 2);
  // Every chart is labelled for a screen reader.
  for (const chart of ['sex-chart', 'reasons-chart', 'retention-chart', 'needs-chart', 'weekly-chart']) {
    assert.ok(await page.getAttribute(`[data-testid=${chart}]`, 'aria-label'), chart);
  }
  const latest = report.weekly.at(-1);
  assert.match(await page.textContent('[data-testid=weekly-latest]'), new RegExp(`${en(sum(latest.found))} found, ${en(sum(latest.enrolled))} enrolled`));
}

async function api(token, path) {
  const response = await fetch(`${url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

test('a supervisor signs in, drills down to a child and back, filters by date, reads it in Urdu', async () => {
  const { admin } = supervisorCode();
  const everywhere = (await api(admin, '/v1/report')).body;
  const province = everywhere.parts.find((p) => p.households > 0).place.code;
  const district = (await api(admin, `/v1/report?area=${province}`)).body.parts.find((p) => p.households > 0).place;
  const { code } = JSON.parse(cli('enrolment', 'add', '--user', 'Supervisor', '--role', 'supervisor', '--scope', district.code));
  const expected = (await api(admin, `/v1/report?area=${district.code}`)).body;

  await page.goto(`${url}/`);
  await page.fill('[name=code]', code);
  await page.click('[data-testid=login] button[type=submit]');
  // A supervisor's "everywhere" is their district: its figures, as the server counts them.
  await page.waitForSelector('[data-testid=league]');
  const osc = expected.out_of_school.girls + expected.out_of_school.boys + expected.out_of_school.transgender;
  assert.match(await page.textContent('[data-testid=osc] strong'), new RegExp(osc.toLocaleString('en-PK')));
  await page.click(`[data-testid=league] a[data-code="${district.code}"]`);
  await page.waitForFunction((name) => document.querySelector('[data-testid=area-name]')?.textContent === name, district.name_en);
  await shot('dashboard-district-en.png');
  await assertCharts(expected);
  await shot('dashboard-charts-en.png', '[data-testid=sex-chart]');

  // District → union council → village → a child.
  const uc = expected.parts.find((p) => p.households > 0).place;
  await page.click(`[data-testid=league] a[data-code="${uc.code}"]`);
  await page.waitForFunction((name) => document.querySelector('[data-testid=area-name]')?.textContent === name, uc.name_en);
  await shot('dashboard-uc-en.png');
  const village = (await api(admin, `/v1/report?area=${uc.code}`)).body.parts.find((p) => p.out_of_school.girls + p.out_of_school.boys > 0).place;
  await page.click(`[data-testid=league] a[data-code="${village.code}"]`);
  await page.waitForSelector('[data-testid=children] li a');
  const first = (await api(admin, `/v1/report/children?village=${village.code}`)).body[0];
  assert.equal(await page.textContent('[data-testid=children] li a'), first.name);
  await page.click('[data-testid=children] li a');
  await page.waitForSelector('[data-testid=visits]');
  assert.equal(await page.textContent('[data-testid=child-name]'), first.name);
  // The browser's back button goes up a level; forward comes back.
  await page.goBack();
  await page.waitForSelector('[data-testid=children] li a');
  await page.goForward();
  await page.waitForSelector('[data-testid=visits]');
  assert.equal(await page.textContent('[data-testid=child-name]'), first.name);
  await shot('dashboard-child-en.png');
  await page.click('[data-testid=lang]');
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  await shot('dashboard-child-ur.png');
  // And back up through the trail.
  await page.click('a:has-text("‹")');
  await page.waitForSelector('[data-testid=children]');

  // Back to the district, in Urdu: right to left with no English left in the figures.
  await page.goto(`${url}/#`);
  await page.reload();
  await page.waitForSelector('[data-testid=league]');
  await page.click(`[data-testid=league] a[data-code="${district.code}"]`);
  await page.waitForFunction((name) => document.querySelector('[data-testid=area-name]')?.textContent === name, district.name_en);
  await page.click('[data-testid=lang]');
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  assert.equal(await page.textContent('[data-testid=area-name]'), district.name_ur);
  const urduText = await page.textContent('main');
  assert.doesNotMatch(urduText, /out-of-school|enrolled|Week by week|Girls|Boys|Why children|Still in school|Open|Resolved|[A-Za-z]{3,}/);
  assert.equal(await barValue('sex-chart', 'out_of_school', 'girls'), expected.out_of_school.girls.toLocaleString('ur-PK'));
  await shot('dashboard-district-ur.png');
  await shot('dashboard-charts-ur.png', '[data-testid=sex-chart]');
  await page.click('[data-testid=lang]');

  // A date range before anyone was surveyed: nothing found.
  await fillDate(page, 'from', '2020-01-01');
  await fillDate(page, 'to', '2020-01-31');
  await page.click('[data-testid=apply]');
  await page.waitForFunction(() => document.querySelector('[data-testid=osc] strong')?.textContent === '0');

  // Another district is refused, with the server's reason.
  await fillDate(page, 'from', '');
  await fillDate(page, 'to', '');
  const other = (await api(admin, `/v1/report?area=${province}`)).body.parts.find((p) => p.place.code !== district.code).place.code;
  const session = await page.evaluate(() => localStorage.getItem('daakhla.dashboard.token'));
  const refused = await api(session, `/v1/report?area=${other}`);
  assert.equal(refused.status, 403);
  assert.match(refused.body.error, new RegExp(other));
});
