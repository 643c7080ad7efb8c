// A resource person's morning, as one journey, in Urdu and in English: a phone set up with the
// office's code; a household of two children surveyed, a mistake (an age of 17) caught on the
// roster step; saved; sync with no server running says, without an address, that the work is
// safe on the phone; the server back up, sync sends it and counts it in records.
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

let browser, page, dir;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daakhla-morning-'));
  ({ browser, page } = await openPhone());
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A loopback port nobody listens on yet: the office server's fixed address. */
async function freePort() {
  const probe = createServer();
  await new Promise((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address();
  await new Promise((done) => probe.close(done));
  return port;
}

const next = () => page.click('[data-testid=next]');
const choose = (field, code) => page.click(`[data-field="${field}"] [data-code="${code}"]`);

const words = {
  en: {
    offline: 'No connection – your 1 household and 2 children are safe on this phone. Sync again when you have signal.',
    sent: 'Sent: 1 household and 2 children',
    age17: 'the roster lists children aged 5 to 16; this child is 17',
    waitingNothing: 'Waiting to be sent: nothing',
  },
  ur: {
    offline: 'رابطہ نہیں ہو سکا – آپ کے 1 گھرانہ اور 2 بچے اس فون پر محفوظ ہیں۔ سگنل ملنے پر دوبارہ ہم آہنگ کریں۔',
    sent: 'بھیجے گئے: 1 گھرانہ اور 2 بچے',
    age17: 'فہرست میں 5 سے 16 سال کے بچے درج ہوتے ہیں؛ اس بچے کی عمر 17 ہے',
    waitingNothing: 'بھیجے جانے کے منتظر: کچھ نہیں',
  },
};

for (const lang of ['ur', 'en']) {
  test(`a resource person's morning, in ${lang === 'ur' ? 'Urdu' : 'English'}`, async () => {
    const w = words[lang];
    const listen = `127.0.0.1:${await freePort()}`;
    const data = join(dir, `server-${lang}`);
    let server = await startServer(data, listen);
    const bridge = await startBridge(join(dir, `phone-${lang}.sqlite`));
    const shot = (name) => page.screenshot({ path: join(shots, `morning-${name}-${lang}.png`), mask: [page.locator('[data-testid=device-id]'), page.locator('[data-testid=sync-result] strong')] });
    try {
      const ucs = await bridge.api('places', { union_council: null });
      const uc = ucs[ucs.length - 1];
      const [village] = await bridge.api('places', { union_council: uc.code });

      // The phone in the worker's language, set up with the code the coordinator gave.
      await bridge.api('save_settings', { lang, surveyor_name: null, uc_code: null, server_url: null, token: null });
      const { code } = server.enrolment('Shazia', uc.code);
      await page.goto(`${bridge.url}/#/setup`);
      await page.waitForSelector('[name=setup_code]');
      await page.fill('[name=setup_server_url]', server.url);
      await page.fill('[name=setup_code]', code);
      await page.click('[data-testid=setup-enrol]');
      await page.waitForSelector('[data-testid=enrolled-with]');
      assert.equal(await page.locator('[data-testid=server-url]').count(), 0, 'no address for a resource person');

      // Out of signal for the morning: the office cannot be reached.
      await server.stop();

      // The survey: where (the phone's own union council, the worker's name filled in).
      await page.goto(`${bridge.url}/#/survey`);
      await page.waitForSelector('[name="household.household_number"]');
      assert.equal(await page.inputValue('select[name="household.uc_code"]'), uc.code);
      assert.equal(await page.inputValue('select[name="household.village_code"]'), village.code);
      assert.equal(await page.inputValue('[name="household.surveyed_by"]'), 'Shazia');
      await page.fill('[name="household.household_number"]', '12');
      await next();
      await page.fill('[name="household.head_name"]', 'اللہ ڈنو');
      await choose('household.head_sex', 'man');
      await next();

      // The roster: two children, the second's age typed as 17 by mistake.
      await page.click('[data-testid=add-child]');
      await page.fill('[name="children[0].name"]', 'ثنا');
      await choose('children[0].sex', 'girl');
      await page.fill('[name="children[0].age_years"]', '9');
      await page.click('[data-testid=add-child]');
      await page.fill('[name="children[1].name"]', 'بلال');
      await choose('children[1].sex', 'boy');
      await page.fill('[name="children[1].age_years"]', '17');
      await next();
      const mistake = page.locator('[data-error-for="children[1].age_years"]');
      await mistake.waitFor();
      assert.equal(await mistake.innerText(), w.age17);
      await shot('roster');
      await page.fill('[name="children[1].age_years"]', '11');
      await next();

      // Each child's schooling, then the review and save.
      await choose('children[0].schooling', 'never_enrolled');
      await choose('children[0].reasons_out_of_school', 'cost');
      await next();
      await choose('children[1].schooling', 'dropped_out');
      await choose('children[1].reasons_out_of_school', 'child_works');
      await next();
      await page.click('[data-testid=save-survey]');
      await page.waitForSelector('[data-testid=household-children]');
      assert.equal(await page.locator('[data-testid=household-children] li').count(), 2);

      // Sync with no server running: the friendly sentence, and no address anywhere.
      await page.goto(`${bridge.url}/#/sync`);
      await page.click('[data-testid=sync-now]');
      const error = page.locator('[data-testid=sync-error]');
      await error.waitFor();
      assert.equal(await error.innerText(), w.offline);
      assert.ok(!(await page.evaluate(() => document.body.innerText)).includes(listen));
      await shot('offline');

      // Back in signal: the server is up at the same address, and sync counts records.
      server = await startServer(data, listen);
      await page.click('[data-testid=sync-now]');
      await page.waitForSelector('[data-testid=sync-result]');
      assert.equal(await page.innerText('[data-testid=sync-sent]'), w.sent);
      assert.ok(!(await page.evaluate(() => document.body.innerText)).includes(listen));
      await page.evaluate(() => document.fonts.ready);
      await shot('synced');

      // Home: nothing left waiting, nothing held back.
      await page.goto(`${bridge.url}/#/home`);
      await page.waitForSelector('[data-testid=waiting-to-send]');
      assert.equal(await page.innerText('[data-testid=waiting-to-send]'), w.waitingNothing);
      assert.equal(await page.locator('[data-testid=held-back-home]').count(), 0);
    } finally {
      bridge.stop();
      await server.stop();
    }
  });
}
