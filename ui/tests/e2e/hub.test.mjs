// The office hub screen in a real browser against the real commands: a central
// `daakhla-server`, the coordinator's app (through `daakhla-app-http`) enrolled there, the hub
// switched on from the screen, a QR code made for a phone, and a phone that enrols at the hub
// and syncs (over its HTTP protocol). Screenshots hub-en.png and hub-ur.png at 360×640.
import { request as httpsRequest } from 'node:https';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import { openPhone } from './phone.mjs';
import { startBridge } from './bridge.mjs';

const root = new URL('../../../', import.meta.url).pathname;
const shots = join(root, 'docs/screenshots');
const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/daakhla/target');
const serverBinary = join(target, 'debug/daakhla-server');

let bridge, central, browser, page, dir;

const api = (command, request) => bridge.api(command, request);

/** A port nothing listens on now. */
const freePort = () =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

function startCentral(data) {
  const child = spawn(serverBinary, ['--data', data, 'serve', '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout.on('data', (chunk) => {
      const found = String(chunk).match(/listening on (\S+)/);
      if (found) resolve({ url: `http://${found[1].replace(/^http:\/\//, '')}`, stop: () => child.kill() });
    });
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daakhla-hub-e2e-'));
  bridge = await startBridge(join(dir, 'coordinator.sqlite'));
  const [uc] = await api('places', { union_council: null });
  const data = join(dir, 'central');
  const made = JSON.parse(
    execFileSync(serverBinary, ['--data', data, 'enrolment', 'add', '--user', 'Rukhsana',
      '--role', 'coordinator', '--scope', uc.code], { encoding: 'utf8' }),
  );
  central = await startCentral(data);
  await api('enrol', { server_url: central.url, code: made.code });
  ({ browser, page } = await openPhone());
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  bridge?.stop();
  central?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// The phone enrolled in the first test: where it syncs, its token and the pinned certificate.
let ayesha;

/** A request to the hub as a phone makes it: over HTTPS, trusting only the certificate whose
 *  SHA-256 fingerprint the enrolment link pins (the hub's own, self-signed). */
function pinned(url, fingerprint, { method = 'GET', headers = {}, body } = {}) {
  const want = fingerprint.replace(/:/g, '').toLowerCase();
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, headers, rejectUnauthorized: false }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (data += chunk));
      res.on('end', () => resolve({ status: res.statusCode, ok: res.statusCode < 300, json: () => JSON.parse(data) }));
    });
    req.on('socket', (socket) =>
      socket.once('secureConnect', () => {
        const got = socket.getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase();
        if (got !== want) req.destroy(new Error(`the link pins ${want}; the hub showed ${got}`));
      }),
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

test('the hub is switched on, a phone enrols by its QR link and syncs, the screen shows who synced when', async () => {
  await page.goto(`${bridge.url}/#/settings`);
  await page.click('[data-testid=open-hub]');
  await page.waitForSelector('[data-testid=hub-empty]');
  await page.fill('[name=hub_port]', String(await freePort()));
  await page.click('[data-testid=hub-on]');
  await page.waitForSelector('[data-testid=hub-address]');
  await page.waitForSelector('[data-testid=hub-no-devices]');

  await page.fill('[name=phone_user]', 'Ayesha');
  await page.click('[data-testid=hub-make-code]');
  await page.waitForSelector('[data-testid=hub-phone-code] svg');
  const link = await page.getAttribute('[data-testid=hub-phone-code] .qr', 'aria-label');
  const params = new URLSearchParams(link.replace('daakhla://enrol?', ''));
  // The phone exchanges the code at the hub and syncs once.
  assert.match(params.get('server'), /^https:/);
  const fp = params.get('fp');
  assert.ok(fp, 'the link pins the hub certificate');
  const enrolled = (
    await pinned(`${params.get('server')}/v1/enrol`, fp, { method: 'POST', body: JSON.stringify({ code: params.get('code') }) })
  ).json();
  assert.equal(enrolled.device.user, 'Ayesha');
  ayesha = { server: params.get('server'), token: enrolled.token, fp };
  const pulled = await pinned(`${params.get('server')}/v1/pull?after=0`, fp, {
    headers: { authorization: `Bearer ${enrolled.token}` },
  });
  assert.ok(pulled.ok);

  await page.click('[data-testid=hub-relay-now]');
  await page.waitForSelector('text=central server reached');
  await page.waitForSelector('[data-testid=hub-devices] >> text=Ayesha');
  const devices = await page.textContent('[data-testid=hub-devices]');
  assert.match(devices, /resource person/);
  assert.match(devices, /synced now/);
  assert.match(await page.textContent('[data-testid=hub-upstream]'), /Nothing waits/);

  // Addresses, codes and the QR code change on every run: masked in the screenshots.
  const mask = [page.locator('[data-testid=hub-address]'), page.locator('[data-testid=hub-phone-code]'),
    page.locator('[data-testid=hub-upstream] .address')];
  const top = () => page.evaluate(() => scrollTo(0, 0));
  await top();
  await page.screenshot({ path: join(shots, 'hub-en.png'), mask, maskColor: '#c9d3cf' });
  await page.click('[data-testid=switch-language]');
  await page.waitForSelector('[data-testid=hub-devices] >> text=ریسورس پرسن');
  await top();
  await page.screenshot({ path: join(shots, 'hub-ur.png'), mask, maskColor: '#c9d3cf' });
  await page.click('[data-testid=switch-language]');
});

test('a lost phone is revoked on the hub: its token is refused at once, and the screen says so', async () => {
  await page.click('[data-testid=hub-devices] >> [data-testid=hub-revoke]');
  await page.waitForSelector('[data-testid=hub-revoke-confirm] >> text=Ayesha');
  await page.click('[data-testid=hub-revoke-yes]');
  await page.waitForSelector('[data-testid=hub-revoked]');
  assert.match(await page.textContent('[data-testid=hub-devices]'), /revoked now/);
  const refused = await pinned(`${ayesha.server}/v1/pull?after=0`, ayesha.fp, {
    headers: { authorization: `Bearer ${ayesha.token}` },
  });
  assert.equal(refused.status, 401);
  const why = refused.json();
  assert.match(why.error, /revoked/);
  assert.doesNotMatch(why.error_ur, /[A-Za-z]{3}/);
  const mask = [page.locator('[data-testid=hub-address]')];
  await page.locator('[data-testid=hub-revoked]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, 'hub-revoked-en.png'), mask, maskColor: '#c9d3cf' });
  await page.click('[data-testid=switch-language]');
  await page.waitForSelector('[data-testid=hub-revoked] >> text=منسوخ');
  await page.locator('[data-testid=hub-revoked]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, 'hub-revoked-ur.png'), mask, maskColor: '#c9d3cf' });
  await page.click('[data-testid=switch-language]');
});
