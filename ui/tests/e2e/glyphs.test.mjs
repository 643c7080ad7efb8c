// Urdu in Noto Nastaliq reaches far above and below its line: the dots of ث, the bar of گ, the
// tails of ں and چ. On every screen in Urdu (`screens.mjs`), every input, textarea and select is
// given text with the deepest of them, and every button, and link or label styled as one, is
// measured with its own words; the ink of that text, in the control's own computed font
// (canvas `measureText`: actualBoundingBoxAscent/Descent), placed where the browser puts it
// (a Range over a button's text; a field's line centred in its content box, as Chromium lays
// out a text field), must lie inside the control's content box and, for a field, inside its
// line, which Chromium clips. Screenshot glyphs-ur.png shows a form filled so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPhone } from './phone.mjs';
import { startBridge } from './bridge.mjs';
import { seed, routes, openIn, show } from './screens.mjs';

const root = new URL('../../../', import.meta.url).pathname;
const shots = join(root, 'docs/screenshots');
// The dots of ث and ژ, the bar of گ, the tails of ں, چ and ی, and کبھی stacked highest of all.
const deep = 'گثیژ ںچ کبھی';

let bridge, browser, page, dir, ids;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daakhla-glyphs-'));
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

/** Puts the deep text into every field and select of the screen, as a user would type or choose it. */
async function fillDeep(page) {
  await page.evaluate((text) => {
    const typeable = 'input[type=text], input[type=search], input[type=tel], input[type=url], input:not([type]), textarea';
    for (const el of document.querySelectorAll(typeable)) {
      if (el.readOnly || el.disabled) continue;
      el.value = text;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }
    for (const select of document.querySelectorAll('select')) {
      // A choice worded so, shown as the select's value.
      const option = new Option(text, '__deep__');
      select.add(option);
      select.value = '__deep__';
    }
  }, deep);
}

/** Controls whose text reaches outside them: a list of messages. */
function clipped(deep) {
  const canvas = document.createElement('canvas').getContext('2d');
  const px = (v) => parseFloat(v) || 0;
  const found = [];
  const ink = (style, text) => {
    canvas.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const m = canvas.measureText(text);
    return { ascent: m.actualBoundingBoxAscent, descent: m.actualBoundingBoxDescent, fontAscent: m.fontBoundingBoxAscent, fontDescent: m.fontBoundingBoxDescent };
  };
  const contentBox = (el, style) => {
    const box = el.getBoundingClientRect();
    return {
      top: box.top + px(style.borderTopWidth) + px(style.paddingTop),
      bottom: box.bottom - px(style.borderBottomWidth) - px(style.paddingBottom),
    };
  };
  const name = (el) => `${el.tagName.toLowerCase()}${el.name ? '[name=' + el.name + ']' : ''} "${(el.innerText || el.value || '').trim().slice(0, 30)}"`;
  const visible = (el) => el.getBoundingClientRect().height > 0 && getComputedStyle(el).visibility !== 'hidden';
  const report = (el, inkTop, inkBottom, top, bottom, what) => {
    const over = Math.max(top - inkTop, inkBottom - bottom);
    if (over > 0.5) found.push(`${name(el)}: the ink reaches ${over.toFixed(1)} px outside its ${what}`);
  };

  // Fields: one line, centred in the content box; Chromium clips the text to that line.
  for (const el of document.querySelectorAll('input:not([type=file]):not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea')) {
    if (!visible(el)) continue;
    const style = getComputedStyle(el);
    const box = contentBox(el, style);
    const m = ink(style, deep);
    const contentArea = m.fontAscent + m.fontDescent;
    const line = style.lineHeight === 'normal' ? contentArea : px(style.lineHeight);
    const lineTop = el.tagName === 'TEXTAREA' ? box.top : box.top + (box.bottom - box.top - line) / 2;
    const baseline = lineTop + (line - contentArea) / 2 + m.fontAscent;
    const inkTop = baseline - m.ascent;
    const inkBottom = baseline + m.descent;
    report(el, inkTop, inkBottom, box.top, box.bottom, 'content box');
    // A select's text is clipped by its box only (Chromium centres its line there).
    if (el.tagName !== 'SELECT') report(el, inkTop, inkBottom, lineTop, lineTop + line, 'line');
  }

  // Buttons and what is styled as one: their own words, where the browser laid them out.
  const buttons = 'button, a.primary, a.secondary, a.danger, a.link-button, a.button-link, label.primary, label.secondary, .tabs a';
  for (const el of document.querySelectorAll(buttons)) {
    if (!visible(el)) continue;
    const box = contentBox(el, getComputedStyle(el));
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const m = ink(getComputedStyle(node.parentElement), node.textContent);
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const rect of range.getClientRects()) {
        // A text box spans the font's ascent and descent; the ink is placed from its baseline.
        const baseline = rect.top + (rect.height - m.fontAscent - m.fontDescent) / 2 + m.fontAscent;
        report(el, baseline - m.ascent, baseline + m.descent, box.top, box.bottom, 'content box');
      }
    }
  }
  return found;
}

test('no Urdu glyph reaches outside its input, select, textarea or button, on any screen', async () => {
  await openIn(page, bridge, 'ur');
  const problems = [];
  for (const route of routes(ids)) {
    await show(page, bridge, route);
    await fillDeep(page);
    for (const p of await page.evaluate(clipped, deep)) problems.push(`${route.name}: ${p}`);
    if (route.name === 'survey-household') await page.screenshot({ path: join(shots, 'glyphs-ur.png') });
  }
  await bridge.api('save_draft', { text: null });
  assert.deepEqual(problems, []);
});
