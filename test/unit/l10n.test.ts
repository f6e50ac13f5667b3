import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './helpers';

const read = (p: string) => JSON.parse(fs.readFileSync(path.join(repoRoot, p), 'utf8')) as Record<string, string>;

/** Every `t('…')` string literal of the extension's UI code. */
function uiStrings(): string[] {
  const dir = path.join(repoRoot, 'src', 'vscode');
  const out = new Set<string>();
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const src = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const m of src.matchAll(/\bt\('((?:[^'\\]|\\.)*)'/g)) out.add(m[1].replace(/\\'/g, "'"));
  }
  return [...out];
}

test('every UI string has a Chinese (zh-cn) translation with the same placeholders', () => {
  const zh = read('l10n/bundle.l10n.zh-cn.json');
  const strings = uiStrings();
  assert.ok(strings.length >= 20, `found ${strings.length} UI strings`);
  const missing = strings.filter((s) => !(s in zh));
  assert.deepEqual(missing, [], 'strings without a zh-cn translation');
  for (const [k, v] of Object.entries(zh)) {
    const ph = (s: string) => [...s.matchAll(/\{\d+\}/g)].map((m) => m[0]).sort();
    assert.deepEqual(ph(v), ph(k), `placeholders of "${k}"`);
    assert.ok(v.trim(), `empty translation for "${k}"`);
  }
  const unused = Object.keys(zh).filter((k) => !strings.includes(k));
  assert.deepEqual(unused, [], 'translations no UI string uses');
});

test('the manifest strings exist in English and Chinese, and package.json uses only defined keys', () => {
  const en = read('package.nls.json');
  const zh = read('package.nls.zh-cn.json');
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  for (const [k, v] of Object.entries(zh)) assert.ok(v.trim(), `empty zh-cn string for ${k}`);
  const manifest = fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8');
  const used = [...manifest.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]);
  assert.ok(used.length > 10);
  for (const k of used) assert.ok(k in en, `package.json uses %${k}% but package.nls.json lacks it`);
});
