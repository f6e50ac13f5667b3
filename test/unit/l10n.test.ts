import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, DocumentAnalyzer, strictHost, fillText, ruleIds } from '../../src/core/rules/index';
import { msg } from '../../src/core/message';
import { lexicalScan } from '../../src/core/python/lexical';
import { resolveProjectSync } from '../../src/core/python/project';
import { ignoreInFileFix, ignoreOnLineFix } from '../../src/core/rules/suppressions';
import { NoteLibrary } from '../../src/core/notes/library';
import { collectNoteFiles, readNoteFile } from '../../src/core/notes/loader';
import { nodeNoteFs } from '../../src/cli/nodeFs';
import type { Finding, LocalizableText } from '../../src/core/rules/types';
import { fixturesDir, repoRoot, tempDir } from './helpers';

const read = (p: string) => JSON.parse(fs.readFileSync(path.join(repoRoot, p), 'utf8')) as Record<string, string>;

/** Every `t('…')` string literal of the extension's UI code. */
function uiStrings(): string[] {
  const dir = path.join(repoRoot, 'src', 'vscode');
  const out = new Set<string>();
  // The hover's Markdown is built in the core (shared with the language server) with the host's `t`.
  const files = [...fs.readdirSync(dir).filter((n) => n.endsWith('.ts')).map((n) => path.join(dir, n)), path.join(repoRoot, 'src', 'core', 'hoverMarkdown.ts')];
  for (const f of files) {
    const src = fs.readFileSync(f, 'utf8');
    for (const m of src.matchAll(/\bt\('((?:[^'\\]|\\.)*)'/g)) out.add(m[1].replace(/\\'/g, "'"));
  }
  return [...out];
}

/**
 * Every `msg('…')` template of the core (the rules' messages and fix titles in src/core/rules, the note loading
 * problems in src/core/notes; comments left out), and the `msg(` calls whose first argument is not a string literal
 * (their templates could not be collected).
 */
function coreTemplates(dirs: readonly string[] = ['rules', 'notes', 'authoring', 'checks']): { templates: string[]; nonLiteral: string[] } {
  const templates = new Set<string>();
  const nonLiteral: string[] = [];
  const files = dirs.flatMap((d) => {
    const dir = path.join(repoRoot, 'src', 'core', d);
    return fs.readdirSync(dir).filter((n) => n.endsWith('.ts')).map((n) => path.join(dir, n));
  });
  for (const file of files) {
    const f = path.basename(file);
    const src = fs
      .readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '')
      .replace(/\bfunction msg\(/g, '');
    for (const m of src.matchAll(/\bmsg\(\s*'((?:[^'\\]|\\.)*)'/g)) templates.add(m[1].replace(/\\'/g, "'"));
    for (const m of src.matchAll(/\bmsg\((?!\s*')/g)) nonLiteral.push(`${f}: ${src.slice(m.index, m.index + 60)}`);
  }
  return { templates: [...templates], nonLiteral };
}

/** Markdown that plain-text surfaces (Problems, quick fix titles, the output channel, notifications) show literally. */
const MARKDOWN = /`|\*\*|__|\]\(/;

test('no Markdown in the messages of diagnostics, quick fixes, notifications and the output channel (English and Chinese)', () => {
  const zh = read('l10n/bundle.l10n.zh-cn.json');
  const strings = [...uiStrings(), ...coreTemplates().templates];
  const literal = strings.filter((s) => MARKDOWN.test(s)).concat(Object.values(zh).filter((s) => MARKDOWN.test(s)));
  assert.deepEqual(literal, [], 'use quotes or plain names: these surfaces do not render Markdown');
});

const placeholders = (s: string) => [...s.matchAll(/\{\d+\}/g)].map((m) => m[0]).sort();

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
  const used = new Set([...strings, ...coreTemplates().templates]);
  const unused = Object.keys(zh).filter((k) => !used.has(k));
  assert.deepEqual(unused, [], 'translations no UI string or rule message uses');
});

test('every core message template (rules, note loading) has a Chinese (zh-cn) translation with the same placeholders', () => {
  const zh = read('l10n/bundle.l10n.zh-cn.json');
  const { templates, nonLiteral } = coreTemplates();
  assert.deepEqual(nonLiteral, [], 'msg() calls without a literal template');
  assert.ok(templates.length >= 25, `found ${templates.length} rule templates`);
  assert.deepEqual(
    templates.filter((s) => !(s in zh)),
    [],
    'rule templates without a zh-cn translation',
  );
  for (const s of templates) {
    assert.deepEqual(placeholders(zh[s]), placeholders(s), `placeholders of "${s}"`);
    // vscode.l10n.t treats any `{…}` as a placeholder: nothing else may be in braces.
    assert.doesNotMatch(s.replace(/\{\d+\}/g, ''), /[{}]/, `stray brace in "${s}"`);
    assert.doesNotMatch(zh[s].replace(/\{\d+\}/g, ''), /[{}]/, `stray brace in the translation of "${s}"`);
    assert.notEqual(zh[s], s, `"${s}" is not translated`);
  }
});

test('msg() fills placeholders once: code in an argument that looks like a placeholder stays as written', () => {
  const m = msg('Pad the conv: {0}={1}', 'padding', '{1}');
  assert.equal(m.text, 'Pad the conv: padding={1}');
  assert.deepEqual(m.l10n, { template: 'Pad the conv: {0}={1}', args: ['padding', '{1}'] });
  const nested = msg('{0}() builds it with {1}', 'conv', msg('“{0}” holds', 'x'));
  assert.equal(nested.text, 'conv() builds it with “x” holds');
  assert.equal(fillText(nested.l10n, (t) => (t === '“{0}” holds' ? '“{0}” 成立' : t)), 'conv() builds it with “x” 成立');
});

/** Sources for the phrases no fixture reaches (a negated guard, a partial, a helper with an explicit bias, a large-batch flag). */
const EXTRA_SOURCES: Record<string, string> = {
  'negated-guard.py': [
    'import torch.nn as nn',
    '',
    'def make_layers(cfg, plain=True):',
    '    layers = []',
    '    in_channels = 3',
    '    for v in cfg:',
    '        conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)',
    '        if plain:',
    '            layers += [conv2d, nn.ReLU(inplace=True)]',
    '        else:',
    '            layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]',
    '        in_channels = v',
    '    return nn.Sequential(*layers)',
    '',
  ].join('\n'),
  'partial-bias.py': [
    'from functools import partial',
    'import torch.nn as nn',
    '',
    'Conv = partial(nn.Conv2d, kernel_size=3, padding=1, bias=True)',
    '',
    'class Block(nn.Module):',
    '    def __init__(self, c):',
    '        super().__init__()',
    '        self.body = nn.Sequential(Conv(c, c), nn.BatchNorm2d(c))',
    '',
  ].join('\n'),
  'helper-explicit-bias.py': [
    'import torch.nn as nn',
    '',
    'def conv3x3(in_ch, out_ch):',
    '    return nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=True)',
    '',
    'class Block(nn.Module):',
    '    def __init__(self, c):',
    '        super().__init__()',
    '        self.body = nn.Sequential(conv3x3(c, c), nn.BatchNorm2d(c))',
    '',
  ].join('\n'),
  'large-batch-flag.py': [
    'import torch',
    '',
    'large_batch = True',
    'optimizer = torch.optim.SGD(model.parameters(), lr=0.1)',
    'scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=90)',
    '',
  ].join('\n'),
};

function ruleSources(): [string, string][] {
  const out: [string, string][] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.py')) out.push([path.relative(fixturesDir, p), fs.readFileSync(p, 'utf8')]);
    }
  };
  walk(path.join(fixturesDir, 'rules'));
  return [...out, ...Object.entries(EXTRA_SOURCES)];
}

/** The templates of a localisable text and of the phrases nested in it. */
function templatesOf(l: LocalizableText): string[] {
  return [l.template, ...l.args.flatMap((a) => (typeof a === 'object' ? templatesOf(a) : []))];
}

/** The plain (untranslated) arguments: code, names, numbers. */
function plainArgsOf(l: LocalizableText): string[] {
  return l.args.flatMap((a) => (typeof a === 'object' ? plainArgsOf(a) : [String(a)]));
}

test('every finding and fix carries a localisable form that fills to its English text, and translates fully', () => {
  const zh = read('l10n/bundle.l10n.zh-cn.json');
  const { templates } = coreTemplates(['rules']);
  const usedTemplates = new Set<string>();
  const rulesSeen = new Set<string>();
  const check = (where: string, english: string, l: LocalizableText | undefined) => {
    assert.ok(l, `${where}: no localisable form for "${english}"`);
    assert.equal(fillText(l), english, `${where}: the filled template differs from the English text`);
    for (const t of templatesOf(l)) {
      assert.ok(templates.includes(t), `${where}: template not written as a msg() literal: "${t}"`);
      usedTemplates.add(t);
    }
    const chinese = fillText(l, (t) => zh[t] ?? t);
    // The Problems panel, the hover's problem part and the quick fix menu show these as plain text.
    assert.doesNotMatch(english, MARKDOWN, `${where}: Markdown shown literally in "${english}"`);
    assert.doesNotMatch(chinese, MARKDOWN, `${where}: Markdown shown literally in "${chinese}"`);
    assert.doesNotMatch(chinese, /\{\d+\}/, `${where}: placeholder left in "${chinese}"`);
    assert.match(chinese, /[\u4e00-\u9fff]/, `${where}: no Chinese in "${chinese}"`);
    for (const a of plainArgsOf(l)) assert.ok(chinese.includes(a), `${where}: "${a}" missing from "${chinese}"`);
  };
  const checkFinding = (where: string, f: Finding) => {
    rulesSeen.add(f.rule);
    check(`${where} ${f.rule} message`, f.message, f.messageL10n);
    for (const fx of f.fixes) check(`${where} ${f.rule} fix`, fx.title, fx.titleL10n);
  };
  let findings = 0;
  for (const [name, text] of ruleSources()) {
    for (const options of [{}, { instanceNormAsBatchNorm: true }]) {
      for (const f of analyze(text, options)) {
        findings++;
        checkFinding(name, f);
      }
    }
  }
  // Findings that need the project's other modules (a block imported from another file).
  const unet = path.join(fixturesDir, 'project-modules', 'convbn', 'models', 'unet.py');
  const unetText = fs.readFileSync(unet, 'utf8');
  const readFile = (p: string) => (fs.existsSync(p) && fs.statSync(p).isFile() ? fs.readFileSync(p, 'utf8') : undefined);
  const project = resolveProjectSync(unet, unetText, path.dirname(path.dirname(unet)), readFile);
  for (const f of analyze(unetText, { project })) {
    findings++;
    checkFinding('project-modules/convbn/models/unet.py', f);
  }
  const sched = 'import torch\nopt = torch.optim.SGD(params, lr=0.1)\nsched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=90)\n';
  const actions = strictHost.actionsAt(sched, { line: 2, character: 10 }).map((a) => a.fix);
  assert.equal(actions.length, 1);
  check('warmup action', actions[0].title, actions[0].titleL10n);
  const convBn = 'import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))\n';
  const scan = lexicalScan(convBn);
  const [first] = analyze(convBn);
  for (const fx of [ignoreOnLineFix(convBn, scan, first)!, ignoreInFileFix(convBn, scan, first)]) check('suppression fix', fx.title, fx.titleL10n);
  assert.ok(findings > 100, `${findings} findings`);
  assert.deepEqual([...rulesSeen].sort(), [...ruleIds].sort(), 'every rule reported something');
  assert.deepEqual(
    templates.filter((t) => !usedTemplates.has(t)),
    [],
    'templates no finding used (add a source that reaches them)',
  );
});

test('findings reused from the incremental cache keep their localisable forms', () => {
  const file = path.join(fixturesDir, 'rules', 'conv-bias-before-batchnorm', 'builders.in.py');
  const text = fs.readFileSync(file, 'utf8');
  const doc = new DocumentAnalyzer(strictHost);
  const first = doc.analyze(text).findings;
  assert.ok(first.length > 3);
  // A new function at the end leaves every class and function above unchanged: their findings come from the cache.
  const edited = `${text}\n\ndef unrelated():\n    return 1\n`;
  const second = doc.analyze(edited).findings;
  assert.deepEqual(second, analyze(edited));
  for (const f of second) {
    assert.ok(f.messageL10n, `${f.rule}: no messageL10n`);
    assert.equal(fillText(f.messageL10n), f.message);
    for (const fx of f.fixes) assert.equal(fillText(fx.titleL10n!), fx.title);
  }
  assert.deepEqual(
    second.map((f) => f.messageL10n),
    first.map((f) => f.messageL10n),
  );
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

test('note loading problems and note warnings carry a localisable form that fills to their English text, and translate fully', async () => {
  const zh = read('l10n/bundle.l10n.zh-cn.json');
  const { templates } = coreTemplates(['notes']);
  const dir = tempDir('ml-notes-l10n-');
  const seen: string[] = [];
  const check = (where: string, english: string, l: LocalizableText | undefined) => {
    assert.ok(l, `${where}: no localisable form for "${english}"`);
    assert.equal(fillText(l), english, `${where}: the filled template differs from the English text`);
    for (const t of templatesOf(l)) assert.ok(templates.includes(t), `${where}: template not written as a msg() literal: "${t}"`);
    const chinese = fillText(l, (t) => zh[t] ?? t);
    assert.match(chinese, /[\u4e00-\u9fff]/, `${where}: no Chinese in "${chinese}"`);
    for (const a of plainArgsOf(l)) assert.ok(chinese.includes(a), `${where}: "${a}" missing from "${chinese}"`);
    seen.push(l.template);
  };
  try {
    fs.writeFileSync(path.join(dir, 'binary.md'), Buffer.from([0x23, 0x20, 0x00, 0x01, 0x02]));
    fs.writeFileSync(path.join(dir, 'big.md'), '# Big\n' + 'x'.repeat(4000));
    fs.writeFileSync(path.join(dir, 'latin1.md'), Buffer.from([0x23, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a note');
    fs.symlinkSync(path.join(dir, 'nowhere.md'), path.join(dir, 'broken.md'));
    const collected = await collectNoteFiles(nodeNoteFs, [dir, path.join(dir, 'missing'), path.join(dir, 'notes.txt')]);
    for (const p of collected.problems) check(`problem ${path.basename(p.loc)}`, p.message, p.l10n);
    for (const name of ['binary.md', 'big.md', 'latin1.md', 'gone.md']) {
      const r = await readNoteFile(nodeNoteFs, path.join(dir, name), 1024);
      if (r.ok) check(name, r.warning ?? '', r.warningL10n);
      else check(name, r.reason, r.reasonL10n);
    }
    const docs = [
      '---\ntitle: never closed\n',
      '---\n- a list\n---\n# A\n',
      '---\ntitle: [unclosed\n---\n# A\n',
      '---\nterms: just text\n---\n# A\n',
      '---\nterms:\n  nowhere: [x]\n  a/9: [y]\n---\n# A\n- one\n',
    ];
    for (const text of docs) {
      const lib = new NoteLibrary();
      for (const w of lib.setFile('doc.md', text)) check(`warning of ${JSON.stringify(text.slice(0, 30))}`, w.message, w.l10n);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const t of ['Notes path does not exist.', 'Not a Markdown file (.md or .markdown); skipped.', 'Broken symbolic link (or a link loop); skipped.', 'File looks binary (NUL bytes or mostly control characters); skipped.', 'File is {0}, over the {1} limit (mlNotes.maxNoteFileSizeKB); skipped.', 'File is not valid UTF-8; undecodable bytes are shown as �.', 'File does not exist.', 'Front matter starts with "---" but is never closed; it is read as text.', 'Front matter is not a mapping; it is ignored.', 'Front matter is not valid YAML ({0}); it is ignored.', 'Front matter "terms" names a section "{0}" that this note does not have.', 'Front matter "terms" names point {0} of "{1}", which has {2} point(s).']) {
    assert.ok(seen.includes(t), `not reached: "${t}"`);
  }
});
