// Every screen of the field app, in English and in Urdu, at 360×640 in a real browser against
// `daakhla-app-http` on a seeded store (`screens.mjs`):
// - every tap target is at least 48 px high (and 48 px wide where it is only an icon): buttons,
//   links styled as buttons, the tabs, selects, inputs, labels of checkboxes and file pickers,
//   the summaries that open a section;
// - every button is styled by the app, not the browser's grey default;
// - an Urdu screen shows no English: no Latin letters in visible text, placeholders, options or
//   button labels, except what the user typed, codes (union council codes, formats, addresses,
//   marked `translate="no"`), a language's own name marked `lang="en"`, and numbers; and no
//   browser date or time input, whose placeholder and picker are in the browser's English.
// Screenshots of every screen in both languages go to docs/screenshots/screens/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPhone } from './phone.mjs';
import { startBridge } from './bridge.mjs';
import { seed, routes, openIn, show, typed } from './screens.mjs';

const root = new URL('../../../', import.meta.url).pathname;
const shots = join(root, 'docs/screenshots/screens');

let bridge, browser, page, dir, ids;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daakhla-screens-'));
  bridge = await startBridge(join(dir, 'store.sqlite'));
  ({ browser, page } = await openPhone());
  mkdirSync(shots, { recursive: true });
  ids = await seed(bridge.api);
});

after(async () => {
  await browser?.close();
  bridge?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Tap targets on the screen smaller than a finger, and buttons the app left unstyled. */
function smallTargets() {
  const targets = [
    'button', 'select', 'summary', '.tabs a',
    'input:not([type=hidden]):not([type=file]):not([type=checkbox]):not([type=radio])',
    'a.primary', 'a.secondary', 'a.danger', 'a.link-button', 'a.button-link', 'a.card', 'a.tile',
    'label:has(input[type=checkbox])', 'label:has(input[type=radio])', 'label:has(input[type=file])',
  ].join(',');
  const found = [];
  const describe = (el) => `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ')[0] : ''} "${(el.innerText || el.getAttribute('name') || el.getAttribute('placeholder') || '').trim().slice(0, 40)}"`;
  for (const el of document.querySelectorAll(targets)) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    if (el.closest('[hidden], [aria-hidden=true]')) continue;
    const text = (el.innerText ?? '').trim();
    if (box.height < 47.5) found.push(`${describe(el)} is ${box.height.toFixed(1)} px high`);
    // An icon alone (no words): wide enough for a finger too.
    if (text.length <= 1 && el.tagName !== 'INPUT' && el.tagName !== 'SELECT' && box.width < 47.5) {
      found.push(`${describe(el)} is ${box.width.toFixed(1)} px wide`);
    }
    if (el.tagName === 'BUTTON' && style.borderStyle === 'outset') found.push(`${describe(el)} has the browser's default look`);
    if (el.tagName === 'BUTTON' && style.backgroundColor === 'rgb(239, 239, 239)') found.push(`${describe(el)} has the browser's grey`);
  }
  return found;
}

/** Latin words an Urdu screen shows that are neither typed data, codes nor numbers. */
function englishLeft(allowed) {
  const found = [];
  const skip = (el) => el?.closest('[translate=no], [lang=en], script, style, noscript, svg title');
  const visible = (el) => {
    if (!el) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const check = (text, where) => {
    let rest = text;
    for (const word of allowed) rest = rest.replaceAll(word, ' ');
    // Codes: PB-BWP-T1-UC01, ABCD-EFGH-JKMN; addresses: http://10.0.0.5:8080.
    // A device's id: its first hex digits.
    rest = rest.replace(/https?:\/\/\S+/g, ' ').replace(/\b[A-Z0-9]+(?:-[A-Z0-9]+)+\b/g, ' ').replace(/\b(?=[0-9a-f]*[0-9])[0-9a-f]{8}\b/g, ' ');
    const latin = rest.match(/[A-Za-z][A-Za-z.'’-]*/g);
    if (latin) found.push(`${where}: ${latin.join(' ')} (in "${text.trim().slice(0, 60)}")`);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || skip(el) || el.closest('option') || !visible(el)) continue;
    check(node.textContent, el.tagName.toLowerCase());
  }
  for (const el of document.querySelectorAll('input, textarea')) {
    if (skip(el) || !visible(el)) continue;
    if (el.placeholder && !el.value) check(el.placeholder, `placeholder of ${el.name}`);
    if (/^(date|time|datetime-local|month|week)$/.test(el.type)) found.push(`${el.name}: a browser ${el.type} input, in the browser's English`);
  }
  for (const option of document.querySelectorAll('select option')) {
    if (!skip(option) && visible(option.parentElement)) check(option.textContent, `option of ${option.parentElement.name}`);
  }
  for (const el of document.querySelectorAll('[title], [aria-label]')) {
    if (skip(el) || !visible(el)) continue;
    for (const attribute of ['title', 'aria-label']) if (el.getAttribute(attribute)) check(el.getAttribute(attribute), `${attribute} of ${el.tagName.toLowerCase()}`);
  }
  return found;
}

const allowed = () => [typed.surveyor, typed.head, typed.school, ...typed.children];

for (const lang of ['en', 'ur']) {
  test(`every screen in ${lang === 'en' ? 'English' : 'Urdu'}: tap targets a finger can hit${lang === 'ur' ? ', and no English left' : ''}`, async () => {
    await openIn(page, bridge, lang);
    const problems = [];
    for (const route of routes(ids)) {
      await show(page, bridge, route);
      await page.screenshot({ path: join(shots, `${route.name}-${lang}.png`), fullPage: true });
      for (const p of await page.evaluate(smallTargets)) problems.push(`${route.name}: ${p}`);
      if (lang === 'ur') for (const p of await page.evaluate(englishLeft, allowed())) problems.push(`${route.name}: ${p}`);
    }
    await bridge.api('save_draft', { text: null });
    assert.deepEqual(problems, []);
  });
}
