// The real app binary (Tauri + WebKitGTK) driven through tauri-driver under Xvfb: a survey
// goes through `invoke` into SQLite, and is still there after the app is closed and started
// again on the same store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import { Session, freePort, startDriver } from './webdriver.mjs';

const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/daakhla/target');
const application = process.env.DAAKHLA_FIELD_APP ?? join(target, 'debug/daakhla-field');
let driver, dir, port;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daakhla-tauri-'));
  port = await freePort();
  const nativePort = await freePort();
  driver = await startDriver(port, nativePort, { ...process.env, DAAKHLA_STORE: join(dir, 'store.sqlite') });
});

after(() => {
  driver?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a survey saved in the real app is still there after a restart', async () => {
  let app = await Session.start(port, application);
  try {
    // A new phone offers set-up first (the app's `setup` command, through Tauri).
    assert.equal(await app.text('[data-testid=setup-offer] h2'), 'Set up this phone');
    await app.click('[data-testid=tab-survey]');
    await app.type('[name="household.household_number"]', '42');
    await app.type('[name="household.surveyed_by"]', 'Ayesha');
    await app.click('[data-testid=next]');
    await app.type('[name="household.head_name"]', 'Ghulam Rasool');
    await app.click('[data-testid=next]');
    await app.click('[data-testid=add-child]');
    await app.type('[name="children[0].name"]', 'Rabia');
    await app.click('[data-field="children[0].sex"] [data-code="girl"]');
    await app.type('[name="children[0].age_years"]', '10');
    await app.click('[data-testid=next]');
    await app.click('[data-field="children[0].schooling"] [data-code="never_enrolled"]');
    await app.click('[data-testid=next]');
    await app.click('[data-testid=save-survey]');
    assert.equal(await app.text('[data-testid=household-title]'), 'Household 42');
  } catch (error) {
    writeFileSync(join(tmpdir(), 'daakhla-tauri-failure.png'), await app.screenshot());
    throw error;
  } finally {
    await app.stop();
  }

  app = await Session.start(port, application);
  try {
    await app.click('[data-testid=tab-followups]');
    assert.equal(await app.text('[data-testid=osc-row] strong'), 'Rabia');
    const inTauri = await app.script('return "__TAURI_INTERNALS__" in window');
    assert.equal(inTauri, true, 'the UI talks to the app through invoke, not HTTP');
  } finally {
    await app.stop();
  }
});
