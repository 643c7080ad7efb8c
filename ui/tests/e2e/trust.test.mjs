// What a resource person trips over (issue 13), in a real browser against the app's real
// commands and a real `daakhla-server`: the survey opens where the phone is enrolled and
// knows who is working; a household the server will not take is named, never silent; each
// step of the survey is checked as it is left, by the store's own rules, and a refused save
// brings the broken field into view; sync shows where it is, can be cancelled, never shows a
// resource person the server's address, and counts records. Screenshots in both languages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPhone } from './phone.mjs';
import { startBridge } from './bridge.mjs';
import { startServer } from './server.mjs';

const root = new URL('../../../', import.meta.url).pathname;
const shots = join(root, 'docs/screenshots');

let server, browser, page, dir;
const bridges = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daakhla-trust-'));
  server = await startServer(join(dir, 'server'));
  ({ browser, page } = await openPhone());
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  for (const bridge of bridges) bridge.stop();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh phone: its own store, served by its own bridge. */
async function phone(name) {
  const bridge = await startBridge(join(dir, `${name}.sqlite`));
  bridges.push(bridge);
  return bridge;
}

const next = () => page.click('[data-testid=next]');
const choose = (field, code) => page.click(`[data-field="${field}"] [data-code="${code}"]`);
const settingsOf = (lang) => ({ lang, surveyor_name: null, uc_code: null, server_url: null, token: null });

async function inLanguage(bridge, lang, hash) {
  await bridge.api('save_settings', settingsOf(lang));
  await page.goto(`${bridge.url}/${hash}`);
  // The app reads its settings as it starts: a new hash alone is no new start.
  await page.reload();
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
  await page.waitForSelector('main h2, main .card');
  await page.evaluate(() => document.fonts.ready);
}

async function shot(name, mask = []) {
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: join(shots, `${name}.png`), mask: [page.locator('[data-testid=device-id]'), ...mask] });
}

/** A survey the way the wizard sends it, in `uc`'s first village. */
async function surveyIn(bridge, uc, number, head, children) {
  const [village] = await bridge.api('places', { union_council: uc });
  const child = ([name, sex, age, schooling]) => ({
    name, sex, age_years: age, relation_to_head: 'child', father_name: null, schooling,
    school_name: null, class: null, last_class_passed: null, year_left: null,
    reasons_out_of_school: ['cost'], other_reason: null, willing_to_enrol: null,
  });
  return {
    household: {
      uc_code: uc, village_code: village.code, household_number: number, landmark: null, consent: true,
      gps: null, respondent_name: null, respondent_relation: null, respondent_phone: null, head_name: head,
      head_sex: 'man', mother_schooling: null, father_schooling: null, house_type: null, members: null,
      surveyed_by: 'Naila',
    },
    children: children.map(child),
  };
}

/** The union councils of a new store: the first (Balochistan) is not where the phone works. */
async function unionCouncils(bridge) {
  const ucs = await bridge.api('places', { union_council: null });
  assert.ok(ucs.length > 2);
  return { first: ucs[0], enrolled: ucs[2] };
}

test('the survey opens in the enrolled union council, with who is working filled in', async () => {
  const bridge = await phone('prefill');
  const { first, enrolled } = await unionCouncils(bridge);
  const { code } = server.enrolment('Naila', enrolled.code);
  await bridge.api('enrol', { server_url: server.url, code });

  await page.goto(`${bridge.url}/#/survey`);
  const uc = page.locator('select[name="household.uc_code"]');
  await uc.waitFor();
  assert.equal(await uc.inputValue(), enrolled.code, `not ${first.code}, the first of the list`);
  assert.deepEqual(await uc.locator('option').evaluateAll((os) => os.map((o) => o.value)), [enrolled.code],
    'only the union councils the phone is enrolled for');
  assert.equal(await page.inputValue('[name="household.surveyed_by"]'), 'Naila');
  for (const lang of ['en', 'ur']) {
    await inLanguage(bridge, lang, '#/survey');
    await shot(`survey-enrolled-${lang}`);
  }

  // The follow-up form knows the worker too; and either name can still be changed.
  const [village] = await bridge.api('places', { union_council: enrolled.code });
  const saved = await bridge.api('save_survey', await surveyIn(bridge, enrolled.code, '4', 'Ghulam Nabi', [['Sana', 'girl', 9, 'never_enrolled']]));
  assert.equal(saved.village_code, village.code);
  await page.goto(`${bridge.url}/#/child/${saved.children[0].id}`);
  const visitedBy = page.locator('[name=visited_by]');
  await visitedBy.waitFor();
  assert.equal(await visitedBy.inputValue(), 'Naila');
  await visitedBy.fill('Naila Bibi');
  assert.equal(await visitedBy.inputValue(), 'Naila Bibi');
});

test('a household the server will not take is named on the sync screen and at home, with what to do', async () => {
  const bridge = await phone('held');
  const { first, enrolled } = await unionCouncils(bridge);
  // Surveyed on the demo data in the first union council, before the phone was set up for
  // another: the server refuses it from this phone.
  await bridge.api('save_survey', await surveyIn(bridge, first.code, '23', 'Muhammad Aslam', [['Bilal', 'boy', 11, 'dropped_out']]));
  const [village] = await bridge.api('places', { union_council: first.code });
  const { code } = server.enrolment('Naila', enrolled.code);
  await bridge.api('enrol', { server_url: server.url, code });

  await inLanguage(bridge, 'en', '#/sync');
  await page.click('[data-testid=sync-now]');
  const notice = page.locator('[data-testid=held-back] [data-testid=held-back-notice]');
  await notice.waitFor();
  const said = await notice.innerText();
  for (const named of ['Household 23', 'Muhammad Aslam', village.en, first.en, enrolled.en, 'coordinator']) {
    assert.ok(said.includes(named), `"${named}" in: ${said}`);
  }
  assert.match(said, /kept safe on this phone \(1 household and 1 child\)/);
  await shot('held-back-sync-en', [page.locator('[data-testid=sync-result] strong')]);

  // Home says so too, and does not count it as waiting to be sent.
  await page.goto(`${bridge.url}/#/home`);
  await page.waitForSelector('[data-testid=held-back-home]');
  assert.equal(await page.innerText('[data-testid=held-back-home] [data-testid=held-back-notice]'), said);
  assert.match(await page.innerText('[data-testid=waiting-to-send]'), /Waiting to be sent: nothing/);
  await shot('held-back-home-en');

  await inLanguage(bridge, 'ur', '#/home');
  const ur = await page.innerText('[data-testid=held-back-home] [data-testid=held-back-notice]');
  for (const named of ['گھرانہ نمبر 23', 'Muhammad Aslam', village.ur, first.ur, enrolled.ur, 'کوآرڈینیٹر']) {
    assert.ok(ur.includes(named), `"${named}" in: ${ur}`);
  }
  await shot('held-back-home-ur');
  await page.goto(`${bridge.url}/#/sync`);
  await page.click('[data-testid=sync-now]');
  await page.waitForSelector('[data-testid=held-back] [data-testid=held-back-notice]');
  await shot('held-back-sync-ur', [page.locator('[data-testid=sync-result] strong')]);
  await bridge.api('save_settings', settingsOf('en'));
});

test('an age of 17 is refused on the roster step, in the store\'s words, before the next step', async () => {
  const bridge = await phone('steps');
  for (const lang of ['en', 'ur']) {
    await inLanguage(bridge, lang, '#/survey');
    await page.waitForSelector('[name="household.household_number"]');
    // The place step: no household number, refused there.
    await page.fill('[name="household.household_number"]', '');
    await next();
    await page.locator('[data-error-for="household.household_number"]').waitFor();
    assert.equal(await page.locator('[name="household.household_number"]').count(), 1, 'still on the place step');
    await page.fill('[name="household.household_number"]', lang === 'en' ? '31' : '32');
    await page.fill('[name="household.surveyed_by"]', 'Naila');
    await next();
    await page.fill('[name="household.head_name"]', 'Rashid');
    await next();
    await page.click('[data-testid=add-child]');
    await page.click('[data-testid=add-child]');
    await page.fill('[name="children[0].name"]', 'Sana');
    await choose('children[0].sex', 'girl');
    await page.fill('[name="children[0].age_years"]', '9');
    await page.fill('[name="children[1].name"]', 'Zara');
    await choose('children[1].sex', 'girl');
    await page.fill('[name="children[1].age_years"]', '17');
    await next();
    const error = page.locator('[data-error-for="children[1].age_years"]');
    await error.waitFor();
    assert.equal(await page.locator('[name="children[1].age_years"]').count(), 1, 'still on the roster');
    const text = await error.innerText();
    if (lang === 'en') {
      assert.equal(text, 'the roster lists children aged 5 to 16; this child is 17');
      assert.match(await page.innerText('[data-testid=survey-error]'), /Child 2 › Age in years/);
    } else {
      assert.equal(text, 'فہرست میں 5 سے 16 سال کے بچے درج ہوتے ہیں؛ اس بچے کی عمر 17 ہے');
    }
    // The schooling the next step asks for is not asked about yet.
    assert.equal(await page.locator('[data-error-for="children[0].schooling"]').count(), 0);
    assert.ok(await page.locator('[name="children[1].age_years"]').evaluate((e) => {
      const r = e.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= innerHeight;
    }), 'the broken field is in view');
    await shot(`survey-step-check-${lang}`);
    await page.fill('[name="children[1].age_years"]', '7');
    await next();
    await page.locator('[data-field="children[0].schooling"]').waitFor();
    // Left half-way: the next language starts a survey of its own.
    await page.waitForTimeout(500);
    await page.goto(`${bridge.url}/#/home`);
    await bridge.api('save_draft', { text: null });
  }
});

test('a refused save goes to the first broken field and the message names it', async () => {
  const bridge = await phone('refused');
  const [uc] = await bridge.api('places', { union_council: null });
  const input = await surveyIn(bridge, uc.code, '40', 'Rashid', [
    ['Sana', 'girl', 9, 'never_enrolled'], ['Zara', 'girl', 17, 'never_enrolled'], ['Ali', 'boy', 8, 'never_enrolled'],
  ]);
  for (const lang of ['en', 'ur']) {
    // A draft kept at the review step (from before this build checked each step).
    await bridge.api('save_draft', { text: JSON.stringify({ step: 6, input }) });
    await inLanguage(bridge, lang, '#/survey');
    await page.click('[data-testid=resume-draft]');
    await page.click('[data-testid=save-survey]');
    const message = page.locator('[data-testid=survey-error]');
    await message.waitFor();
    // Back on the roster, the age of child 2 (below the first child's card) is brought into
    // view with the cursor in it.
    const age = page.locator('[name="children[1].age_years"]');
    await page.locator('[data-error-for="children[1].age_years"]').waitFor();
    assert.ok(await age.evaluate((e) => {
      const r = e.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= innerHeight && document.activeElement === e;
    }), 'the age of child 2 is in view, with the cursor in it');
    if (lang === 'en') {
      assert.equal(await message.innerText(),
        'Nothing was saved – Child 2 › Age in years: the roster lists children aged 5 to 16; this child is 17.');
    } else {
      assert.match(await message.innerText(), /بچہ 2 › عمر \(سال\)/);
    }
    await shot(`survey-refused-${lang}`);
    await page.waitForTimeout(500);
    await page.goto(`${bridge.url}/#/home`);
    await bridge.api('save_draft', { text: null });
  }
});

test('sync shows where it is, is cancelled at once, never shows a resource person the server, and counts records', async () => {
  const bridge = await phone('sync');
  const { enrolled } = await unionCouncils(bridge);
  const { code } = server.enrolment('Naila', enrolled.code);
  await bridge.api('enrol', { server_url: server.url, code });
  await bridge.api('save_survey', await surveyIn(bridge, enrolled.code, '7', 'Rashid', [['Sana', 'girl', 9, 'never_enrolled'], ['Ali', 'boy', 8, 'never_enrolled']]));

  // An office that takes the call and never answers: a link with no signal behind it.
  const silent = createServer(() => {});
  await new Promise((done) => silent.listen(0, '127.0.0.1', done));
  const silentUrl = `http://127.0.0.1:${silent.address().port}`;
  try {
    await bridge.api('save_settings', { ...settingsOf('en'), server_url: silentUrl });
    for (const lang of ['en', 'ur']) {
      await inLanguage(bridge, lang, '#/sync');
      assert.equal(await page.locator('[name=server_url], [name=token], [name=enrolment_code]').count(), 0);
      await page.click('[data-testid=sync-now]');
      const progress = page.locator('[data-testid=sync-progress]');
      await progress.waitFor();
      if (lang === 'en') assert.match(await progress.innerText(), /Reaching the office… it gives up after 30 seconds/);
      await shot(`sync-progress-${lang}`);
      await page.click('[data-testid=sync-cancel]');
      const error = page.locator('[data-testid=sync-error]');
      await error.waitFor({ timeout: 5000 });
      const text = await error.innerText();
      if (lang === 'en') {
        assert.equal(text, 'Sync stopped – your 1 household and 2 children are safe on this phone. Sync again when you are ready.');
      } else {
        assert.match(text, /1 گھرانہ اور 2 بچے اس فون پر محفوظ ہیں/);
      }
      const page_text = await page.evaluate(() => document.body.innerText);
      assert.ok(!page_text.includes('127.0.0.1'), 'no server address on the screen');
      await shot(`sync-cancelled-${lang}`);
    }
  } finally {
    silent.close();
  }

  // The real server again: the counts are records.
  await bridge.api('save_settings', { ...settingsOf('en'), server_url: server.url });
  await inLanguage(bridge, 'en', '#/sync');
  await page.click('[data-testid=sync-now]');
  await page.waitForSelector('[data-testid=sync-result]');
  assert.equal(await page.innerText('[data-testid=sync-sent]'), 'Sent: 1 household and 2 children');
  assert.equal(await page.innerText('[data-testid=sync-received]'), 'Received: nothing');
  assert.ok(!(await page.evaluate(() => document.body.innerText)).includes(server.url));

  // Settings and set-up keep the address from a resource person too.
  await page.goto(`${bridge.url}/#/settings`);
  await page.waitForSelector('[data-testid=open-setup]');
  assert.equal(await page.locator('[data-testid=server-card]').count(), 0);
  assert.ok(!(await page.evaluate(() => document.body.innerText)).includes(server.url));
  assert.match(await page.innerText('[data-testid=open-setup]'), /Set up for Naila/);
  await page.goto(`${bridge.url}/#/setup`);
  await page.waitForSelector('[data-testid=enrolled-with]');
  assert.ok(!(await page.evaluate(() => document.body.innerText)).includes(server.url));
});

test('a coordinator still sees the server address and token in settings', async () => {
  const bridge = await phone('coordinator');
  const { enrolled } = await unionCouncils(bridge);
  const { code } = server.enrolment('Rukhsana', enrolled.code, 'coordinator');
  await bridge.api('enrol', { server_url: server.url, code });
  assert.equal((await bridge.api('settings', {})).role, 'coordinator');
  await page.goto(`${bridge.url}/#/settings`);
  const card = page.locator('[data-testid=server-card]');
  await card.waitFor();
  assert.equal(await page.inputValue('[name=settings_server_url]'), server.url);
  // The sync screen is the same button as for anyone set up.
  await page.goto(`${bridge.url}/#/sync`);
  await page.waitForSelector('[data-testid=sync-now]');
  assert.equal(await page.locator('[name=server_url]').count(), 0);
});
