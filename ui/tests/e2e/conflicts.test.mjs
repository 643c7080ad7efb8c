// Conflict review in a real browser. Two app stores enrolled with a real `daakhla-server`
// share a household; each renames its head (with the `daakhla` command line, the app having
// no household edit yet) before syncing again: a real conflict. The coordinator sees both
// names, each with who wrote it on which device, and the history in the reader's language;
// chooses one, and the list is empty.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPhone } from './phone.mjs';
import { startBridge } from './bridge.mjs';
import { startServer } from './server.mjs';

const root = new URL('../../../', import.meta.url).pathname;
const shots = join(root, 'docs/screenshots');
const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/daakhla/target');
const daakhla = process.env.DAAKHLA_CLI ?? join(target, 'debug/daakhla');

let server, browser, page, dir;
const bridges = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daakhla-conflicts-'));
  server = await startServer(join(dir, 'server'));
  ({ browser, page } = await openPhone());
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  for (const b of bridges) b.stop();
  server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(store) {
  const bridge = await startBridge(join(dir, store));
  bridges.push(bridge);
  return bridge;
}
const close = (bridge) => {
  bridge.stop();
  bridges.splice(bridges.indexOf(bridge), 1);
  return new Promise((resolve) => setTimeout(resolve, 300));
};
const sync = (bridge) => bridge.api('sync', { server_url: null, token: null });

function rename(store, author, household, head) {
  const patch = join(dir, `${author}.json`);
  writeFileSync(patch, JSON.stringify({ household: { id: household, head_name: head } }));
  execFileSync(daakhla, ['--store', join(dir, store), '--as', author, 'household', 'edit', patch]);
}

test('a field two phones changed is shown with both values and resolved by choosing one', async () => {
  let a = await open('ayesha.sqlite');
  let b = await open('naila.sqlite');
  const [uc] = await a.api('places', { union_council: null });
  const [village] = await a.api('places', { union_council: uc.code });
  for (const [bridge, user] of [[a, 'ayesha'], [b, 'naila']]) {
    await bridge.api('enrol', { server_url: null, code: server.enrolment(user, uc.code).link });
  }
  const saved = await a.api('save_survey', {
    household: {
      uc_code: uc.code, village_code: village.code, household_number: '12', landmark: null, consent: true,
      gps: null, respondent_name: 'Nasreen', respondent_relation: 'mother', respondent_phone: null,
      head_name: 'Muhammad Aslam', head_sex: 'man', mother_schooling: 'none', father_schooling: 'primary',
      house_type: 'katcha', members: 5, surveyed_by: 'Ayesha',
    },
    children: [],
  });
  await sync(a);
  assert.equal((await sync(b)).received, 1);
  // Home counts each worker's own work: the household is Ayesha's, not Naila's.
  assert.equal((await a.api('today_work', {})).households, 1);
  assert.equal((await b.api('today_work', {})).households, 0);
  assert.equal((await b.api('households', { uc_code: null, village_code: null })).length, 1, 'Naila still has it');

  // Both phones rename the head while apart.
  await close(a);
  await close(b);
  rename('ayesha.sqlite', 'ayesha', saved.id, 'Muhammad Aslam Khan');
  rename('naila.sqlite', 'naila', saved.id, 'محمد اسلم');
  a = await open('ayesha.sqlite');
  b = await open('naila.sqlite');
  await sync(b);
  assert.equal((await sync(a)).conflicts, 1);
  await sync(b);
  assert.equal((await b.api('conflicts', {})).length, 1);

  await page.goto(`${a.url}/#/home`);
  await page.click('[data-testid=open-conflicts]');
  const card = page.locator('[data-testid=conflict]');
  await card.waitFor();
  const text = await card.innerText();
  assert.match(text, /Head of household's name/);
  assert.match(text, /Muhammad Aslam Khan/);
  assert.match(text, /محمد اسلم/);
  assert.match(text, new RegExp(village.en.replace(/[()]/g, '.')));
  // Each value with who wrote it, on which device, when.
  const authors = await page.locator('[data-testid=value-author]').allInnerTexts();
  assert.equal(authors.length, 2);
  const byValue = Object.fromEntries(
    await Promise.all((await page.locator('[data-testid=choose-value]').all()).map(async (b) => [await b.innerText(), b])),
  );
  const khan = Object.keys(byValue).find((v) => v.includes('Muhammad Aslam Khan'));
  const urdu = Object.keys(byValue).find((v) => v.includes('محمد اسلم'));
  assert.match(khan, /written by ayesha on this device/);
  assert.match(urdu, /written by naila on device [0-9a-f]{6}/);
  await page.click('[data-testid=conflict] summary');
  const history = await page.innerText('[data-testid=conflict-history]');
  assert.match(history, /ayesha[\s\S]*naila|naila[\s\S]*ayesha/);
  assert.doesNotMatch(history, /unknown/, 'the survey was saved by the enrolled user');
  assert.doesNotMatch(history, /head_name|household_number/, 'fields by their labels');
  assert.match(history, /Head of household's name/);

  for (const lang of ['en', 'ur']) {
    await page.goto(`${a.url}/#/settings`);
    await page.click(`[data-field=lang] button >> nth=${lang === 'en' ? 0 : 1}`);
    await page.waitForFunction((l) => document.documentElement.lang === l, lang);
    await page.goto(`${a.url}/#/conflicts`);
    await card.waitFor();
    await page.evaluate(() => document.fonts.ready);
    // The history (whose moments are new on every run) stays folded in the screenshot.
    await page.screenshot({ path: join(shots, `conflicts-${lang}.png`) });
    if (lang === 'ur') {
      await page.click('[data-testid=conflict] summary');
      const told = await page.innerText('[data-testid=conflict]');
      assert.match(told, /یہ آلہ/);
      assert.match(told, /سربراہ/, told);
      assert.doesNotMatch(told, /unknown|head_name|written by|this device/);
      await page.screenshot({ path: join(shots, 'conflicts-history-ur.png'), fullPage: true });
      await page.goto(`${a.url}/#/settings`);
      await page.click('[data-field=lang] button >> nth=0');
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      await page.goto(`${a.url}/#/conflicts`);
      await card.waitFor();
      await page.click('[data-testid=conflict] summary');
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: join(shots, 'conflicts-history-en.png'), fullPage: true });
    }
  }

  // The coordinator chooses the Urdu spelling: the list is empty, the household has it, and
  // the other phone's conflict goes with the next sync.
  await page.click('[data-testid=choose-value] >> text=محمد اسلم');
  await page.waitForSelector('[data-testid=no-conflicts]');
  assert.equal((await a.api('household', { id: saved.id })).head_name, 'محمد اسلم');
  await sync(a);
  await sync(b);
  assert.deepEqual(await b.api('conflicts', {}), []);
  assert.equal((await b.api('household', { id: saved.id })).head_name, 'محمد اسلم');
});
