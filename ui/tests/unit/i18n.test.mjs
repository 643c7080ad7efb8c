// Every string of the UI exists in English and Urdu: a missing or untranslated key fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const src = new URL('../../src/', import.meta.url).pathname;
const read = (path) => readFileSync(join(src, path), 'utf8');
const en = JSON.parse(read('lib/i18n/en.json'));
const ur = JSON.parse(read('lib/i18n/ur.json'));
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const arabicScript = /[\u0600-\u06FF]/;

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : sources(path);
    return /\.(svelte|ts)$/.test(name) ? [path] : [];
  });
}

test('English and Urdu have the same keys', () => {
  assert.deepEqual(Object.keys(ur).sort(), Object.keys(en).sort());
});

test('no string is empty and each keeps its placeholders', () => {
  for (const key of Object.keys(en)) {
    assert.ok(en[key].trim(), `en ${key} is empty`);
    assert.ok(ur[key]?.trim(), `ur ${key} is empty`);
    assert.deepEqual(placeholders(ur[key]), placeholders(en[key]), `placeholders of ${key}`);
  }
});

test('every Urdu string is written in Urdu', () => {
  for (const [key, text] of Object.entries(ur)) {
    assert.match(text, arabicScript, `ur ${key} is not translated: ${text}`);
  }
});

test('every key the screens use exists', () => {
  const used = new Set();
  for (const file of sources(src)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bt\('([\w.]+)'/g)) used.add(m[1]);
    for (const m of readFileSync(file, 'utf8').matchAll(/key: '([\w.]+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size > 50, `found only ${used.size} keys in use`);
  for (const key of used) assert.ok(key in en, `${key} is used but not defined`);
});

test('every count said with plural() has its one and other forms, each with {count}', () => {
  const used = new Set();
  for (const file of sources(src)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bplural\('([\w.]+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size >= 10, `found only ${used.size} counts`);
  for (const base of used) {
    for (const form of ['one', 'other']) {
      assert.ok(`${base}.${form}` in en, `${base}.${form} is missing`);
      assert.match(en[`${base}.${form}`], /\{count\}/, `${base}.${form} has no {count}`);
    }
  }
  // English's forms differ: "1 child", "2 children".
  for (const base of used) assert.notEqual(en[`${base}.one`], en[`${base}.other`], base);
});

test('every sync state has its words', () => {
  const bindings = read('lib/generated/bindings.ts');
  const states = bindings.match(/export type SyncState = ([^;]+);/)[1].match(/"(\w+)"/g);
  assert.ok(states.length >= 3);
  for (const state of states) assert.ok(`sync_state.${state.replaceAll('"', '')}` in en, state);
});
