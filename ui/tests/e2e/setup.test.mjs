// Setting up a phone from a photo of its coordinator's QR code, in a real browser: a real
// `daakhla-server` makes a one-time code, the test draws its link as a QR code PNG, the set-up
// screen reads the photo with the bundled decoder and enrols the phone with that server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPhone } from './phone.mjs';
import QRCode from 'qrcode';
import { startBridge } from './bridge.mjs';
import { startServer } from './server.mjs';

const root = new URL('../../../', import.meta.url).pathname;
const shots = join(root, 'docs/screenshots');

let bridge, server, browser, page, dir;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daakhla-setup-'));
  bridge = await startBridge(join(dir, 'store.sqlite'));
  server = await startServer(join(dir, 'server'));
  ({ browser, page } = await openPhone());
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  bridge?.stop();
  server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const api = (command, request) => bridge.api(command, request);

test('a phone is set up from a photo of the QR code its coordinator made', async () => {
  const [uc] = await api('places', { union_council: null });
  const { code, link } = server.enrolment('naila', uc.code);
  assert.equal(link, `daakhla://enrol?server=${encodeURIComponent(server.url)}&code=${code}`);
  const qr = join(dir, 'qr.png');
  writeFileSync(qr, await QRCode.toBuffer(link, { width: 480, margin: 4 }));

  // A new phone offers set-up on its home screen.
  await page.goto(`${bridge.url}/#/home`);
  await page.waitForSelector('[data-testid=setup-offer]');
  await page.click('[data-testid=start-setup]');
  await page.waitForSelector('[data-testid=qr-photo]', { state: 'attached' });

  // A photo with no QR code in it (a picture of the screen itself) is refused, saying why.
  const noQr = join(dir, 'no-qr.png');
  writeFileSync(noQr, await page.screenshot());
  await page.setInputFiles('[data-testid=qr-photo]', noQr);
  assert.match(await page.locator('[data-testid=setup-error]').innerText(), /No QR code/);
  assert.equal((await api('setup', {})).enrolment, null);
  // The refusal is on the screen, clear of the header and of the tab bar, not below them.
  const shown = await page.locator('[data-testid=setup-error]').boundingBox();
  const tabs = await page.locator('nav.tabs').boundingBox();
  const header = await page.locator('header.top').boundingBox();
  assert.ok(shown.y >= header.y + header.height && shown.y + shown.height <= tabs.y, JSON.stringify({ shown, tabs, header }));

  await page.setInputFiles('[data-testid=qr-photo]', qr);
  const enrolled = page.locator('[data-testid=enrolled-with]');
  await enrolled.waitFor();
  assert.match(await enrolled.innerText(), /This phone is set up/);
  assert.equal(await page.locator('[data-testid=enrolled-user]').innerText(), 'naila');
  assert.equal(await page.locator('[data-testid=enrolled-places]').innerText(), uc.en);
  // A resource person's phone does not show the server's address once it is set up.
  assert.ok(!(await enrolled.innerText()).includes(server.url));

  // The app kept it: sync needs nothing more, and the server answers this device.
  const setup = await api('setup', {});
  assert.equal(setup.enrolment.server_url, server.url);
  assert.equal(setup.enrolment.user, 'naila');
  const synced = await api('sync', { server_url: null, token: null });
  assert.equal(synced.server_url, server.url, JSON.stringify(synced));

  // The code is used: a second phone with the same photo would be refused by the server.
  await page.setInputFiles('[data-testid=qr-photo]', qr);
  assert.match(await page.locator('[data-testid=setup-error]').innerText(), /used/);

  // Home no longer offers set-up; settings shows where the phone is enrolled.
  await page.goto(`${bridge.url}/#/home`);
  await page.waitForSelector('[data-testid=last-sync]');
  assert.equal(await page.locator('[data-testid=setup-offer]').count(), 0);
  await page.goto(`${bridge.url}/#/settings`);
  assert.match(await page.locator('[data-testid=open-setup]').innerText(), /Set up for naila/);

  // Screenshots of the set-up screen, enrolled, in both languages. The server's port is new on
  // every run: masked, so a screenshot changes only with the screen.
  for (const lang of ['en', 'ur']) {
    await page.goto(`${bridge.url}/#/settings`);
    await page.click(`[data-field=lang] button >> nth=${lang === 'en' ? 0 : 1}`);
    await page.waitForFunction((l) => document.documentElement.lang === l, lang);
    await page.goto(`${bridge.url}/#/setup`);
    await page.waitForSelector('[data-testid=enrolled-with]');
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: join(shots, `setup-${lang}.png`), mask: [page.locator('[data-testid=server-url]')] });
  }
});

test('a phone carried on with the demo data is not asked again on its home screen', async () => {
  const other = await startBridge(join(dir, 'demo.sqlite'));
  try {
    await page.goto(`${other.url}/#/home`);
    await page.waitForSelector('[data-testid=setup-offer]');
    await page.click('[data-testid=use-demo-data]');
    await page.waitForSelector('[data-testid=setup-offer]', { state: 'detached' });
    await page.reload();
    await page.waitForSelector('[data-testid=last-sync]');
    assert.equal(await page.locator('[data-testid=setup-offer]').count(), 0);
    await page.goto(`${other.url}/#/settings`);
    await page.click('[data-testid=open-setup]');
    await page.waitForSelector('[data-testid=qr-photo]', { state: 'attached' });
  } finally {
    other.stop();
  }
});
