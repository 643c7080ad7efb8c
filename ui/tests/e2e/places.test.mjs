// The places a phone records in reach the server, and until they do the dashboard says its
// records sit somewhere it cannot show. A real phone (the app's HTTP bridge on its own store)
// enrolled with a real `daakhla-server` surveys in one of the app's demo union councils, which
// the server has never heard of. Its first records travel by sync pack (a file carries changes,
// not places): the coordinator's dashboard names the households it cannot place. The phone then
// syncs over the network, its places go with it, and the dashboard shows the household where it
// lies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPhone } from './phone.mjs';
import { startBridge } from './bridge.mjs';
import { startServer, serverBinary, fieldBinary } from './server.mjs';

const root = new URL('../../../', import.meta.url).pathname;
const shots = join(root, 'docs/screenshots');

let dir, server, bridge, browser, page;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daakhla-places-'));
  server = await startServer(join(dir, 'server'), '127.0.0.1:0', { dashboard: join(root, 'ui/dist') });
  bridge = await startBridge(join(dir, 'phone.sqlite'));
  ({ browser, page } = await openPhone());
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  bridge?.stop();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function household(uc, number) {
  const [village] = await bridge.api('places', { union_council: uc });
  return {
    household: {
      uc_code: uc, village_code: village.code, household_number: number, landmark: null, consent: true,
      gps: null, respondent_name: null, respondent_relation: null, respondent_phone: null, head_name: 'Ghulam Rasool',
      head_sex: 'man', mother_schooling: null, father_schooling: null, house_type: null, members: 5,
      surveyed_by: 'Naila',
    },
    children: [{
      name: 'Sana', sex: 'girl', age_years: 9, relation_to_head: 'child', father_name: null,
      schooling: 'never_enrolled', school_name: null, class: null, last_class_passed: null, year_left: null,
      reasons_out_of_school: ['cost'], other_reason: null, willing_to_enrol: true,
    }],
  };
}

const serverCli = (...args) => execFileSync(serverBinary, ['--data', join(dir, 'server'), ...args], { encoding: 'utf8' });

test('households in places the server does not know are named on the dashboard until the phone sends its places', async () => {
  const [, , uc] = await bridge.api('places', { union_council: null });
  const { code } = server.enrolment('Naila', uc.code);
  await bridge.api('enrol', { server_url: server.url, code });
  await bridge.api('save_survey', await household(uc.code, '31'));

  // No network: the day's work goes to the office on a file.
  const device = JSON.parse(serverCli('device', 'list', '--json')).find((d) => d.user === 'Naila');
  const pack = join(dir, 'naila.pack');
  execFileSync(fieldBinary, ['--store', join(dir, 'phone.sqlite'), 'pack', 'write', pack, '--device', device.id]);
  serverCli('pack', 'import', pack);

  // The union council's coordinator signs in to the dashboard.
  await page.goto(`${server.url}/`);
  await page.fill('[name=code]', server.enrolment('Bilal', uc.code, 'coordinator').code);
  await page.click('[data-testid=login] button[type=submit]');
  const notice = page.locator('[data-testid=unplaced]');
  await notice.waitFor();
  assert.match(await notice.innerText(), /^1 household sits in a union council or village this server does not know.*sync that phone again/s);
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: join(shots, 'dashboard-unplaced-en.png') });
  await page.click('[data-testid=lang]');
  await page.waitForFunction(() => document.documentElement.dir === 'rtl');
  assert.match(await notice.innerText(), /^1 گھرانہ ایسی یونین کونسل یا گاؤں میں ہے جسے یہ سرور نہیں جانتا/);
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: join(shots, 'dashboard-unplaced-ur.png') });
  await page.click('[data-testid=lang]');

  // The phone syncs: its places go first, and the household is counted where it lies.
  const result = await bridge.api('sync', { server_url: null, token: null });
  assert.deepEqual(result.held_back_records, []);
  await page.reload();
  await page.waitForSelector(`[data-testid=league] a[data-code="${uc.code}"]`);
  assert.equal(await notice.count(), 0);
  const admin = JSON.parse(serverCli('device', 'add', '--user', 'admin', '--role', 'admin', '--scope', '*')).token;
  const report = await (await fetch(`${server.url}/v1/report?area=${uc.code}`, { headers: { Authorization: `Bearer ${admin}` } })).json();
  assert.equal(report.households, 1);
  assert.equal(report.unplaced_households, 0);
});
