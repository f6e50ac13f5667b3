import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatProblem, parseProjectConfig, unknownRuleProblems } from '../../src/core/config/projectConfig';
import { DEFAULT_EXCLUDE, Exclusions, ProjectConfigs, excludedByConfig, relativeLocation } from '../../src/core/config/projectConfigs';
import { nodeConfigFs } from '../../src/cli/nodeFs';
import { tempTree } from './helpers';

const parse = (text: string, name: '.ml-notes.toml' | 'pyproject.toml' = '.ml-notes.toml') => parseProjectConfig(`/p/${name}`, '/p', name, text);

test('.ml-notes.toml: every key read, relative paths kept as written', () => {
  const r = parse(`notes = ["notes", "../shared/notes.md"]
include-bundled-notes = false
exclude = ["legacy/"]
extend-exclude = ["*_pb2.py"]
analysis-max-lines = 20000

[rules]
conv-bias-before-batchnorm = "error"
lr-warmup = "off"
`);
  assert.deepEqual(r.problems, []);
  assert.ok(r.config);
  assert.deepEqual(r.config.notes, ['notes', '../shared/notes.md']);
  assert.equal(r.config.includeBundledNotes, false);
  assert.deepEqual(r.config.exclude, ['legacy/']);
  assert.deepEqual(r.config.extendExclude, ['*_pb2.py']);
  assert.equal(r.config.analysisMaxLines, 20000);
  assert.deepEqual(r.config.rules, { 'conv-bias-before-batchnorm': 'error', 'lr-warmup': 'off' });
  assert.deepEqual(r.config.ruleLocations['lr-warmup'], { line: 9, column: 1 });
  assert.equal(r.config.dir, '/p');
});

test('pyproject.toml: [tool.ml-notes], its rules as a sub-table, an inline table or dotted keys', () => {
  for (const text of [
    '[project]\nname = "x"\n[tool.ml-notes]\nnotes = ["n"]\n[tool.ml-notes.rules]\nlr-warmup = "warning"\n',
    '[tool.ml-notes]\nnotes = ["n"]\nrules = { lr-warmup = "warning" }\n',
    '[tool.ml-notes]\nnotes = ["n"]\nrules.lr-warmup = "warning"\n',
    '[tool]\nml-notes = { notes = ["n"], rules = { "lr-warmup" = "warning" } }\n',
  ]) {
    const r = parse(text, 'pyproject.toml');
    assert.deepEqual(r.problems, [], text);
    assert.equal(r.relevant, true);
    assert.deepEqual(r.config?.notes, ['n'], text);
    assert.deepEqual(r.config?.rules, { 'lr-warmup': 'warning' }, text);
  }
  const other = parse('[project]\nname = "x"\n[tool.ruff]\nline-length = 100\n', 'pyproject.toml');
  assert.equal(other.relevant, false, 'a pyproject.toml without [tool.ml-notes] configures nothing');
  assert.equal(other.config, undefined);
  // A broken pyproject.toml that never mentions ML Notes is not ours to report.
  assert.deepEqual(parse('[project\nname = "x"\n', 'pyproject.toml'), { relevant: false, problems: [] });
});

test('a TOML error is reported at its line and column, and the config is not applied', () => {
  const r = parse('notes = ["a"]\nrules = { lr-warmup = "off" } extra\n');
  assert.equal(r.config, undefined);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0].line, 2);
  assert.match(formatProblem(r.problems[0]), /^\/p\/\.ml-notes\.toml:2:\d+: TOML error: /);
  const dup = parse('[tool.ml-notes]\nnotes = ["a"]\nnotes = ["b"]\n', 'pyproject.toml');
  assert.equal(dup.config, undefined);
  assert.deepEqual([dup.problems[0].line, dup.problems[0].column], [3, 1]);
  assert.match(dup.problems[0].message, /TOML error: .*multiple times/);
});

test('an unknown key, with a suggestion, at the key', () => {
  const r = parse('[tool.ml-notes]\nnotes = ["a"]\ninclude_bundled_notes = false\n', 'pyproject.toml');
  assert.equal(r.config, undefined);
  assert.deepEqual(
    r.problems.map((p) => formatProblem(p, 'pyproject.toml')),
    ['pyproject.toml:3:1: unknown key "include_bundled_notes" (did you mean "include-bundled-notes"?); known keys: notes, include-bundled-notes, rules, exclude, extend-exclude, analysis-max-lines'],
  );
  const table = parse('[tool.ml-notes.rulez]\nlr-warmup = "off"\n', 'pyproject.toml');
  assert.match(table.problems[0].message, /unknown key "rulez" \(did you mean "rules"\?\)/);
  assert.deepEqual([table.problems[0].line, table.problems[0].column], [1, 16]);
});

test('values of the wrong type, each at the value', () => {
  const r = parse(`notes = "notes"
include-bundled-notes = "yes"
analysis-max-lines = 0
exclude = ["a", 3]
[rules]
lr-warmup = "warn"
conv-bias-before-batchnorm = 2
`);
  assert.equal(r.config, undefined);
  assert.deepEqual(
    r.problems.map((p) => `${p.line}:${p.column} ${p.message}`),
    [
      '1:9 "notes" must be an array of strings, found "notes"',
      '2:25 "include-bundled-notes" must be true or false, found "yes"',
      '3:22 "analysis-max-lines" must be a positive whole number, found the number 0',
      '4:11 "exclude" must be an array of strings, found an array holding the number 3',
      '6:13 rule "lr-warmup": expected one of "off", "hint", "information", "warning", "error", found "warn"',
      '7:30 rule "conv-bias-before-batchnorm": expected one of "off", "hint", "information", "warning", "error", found the number 2',
    ],
  );
  const notTable = parse('[tool]\nml-notes = 3\n', 'pyproject.toml');
  assert.match(notTable.problems[0].message, /\[tool\.ml-notes\] must be a table/);
  const rulesNotTable = parse('rules = "off"\n');
  assert.match(rulesNotTable.problems[0].message, /"rules" must be a table of rule id = severity/);
});

test('a rule id no rule has is a warning: the config still applies', () => {
  const r = parse('[rules]\nconv-bias-before-batchnrom = "off"\nlr-warmup = "error"\n');
  assert.ok(r.config);
  const known = ['conv-bias-before-batchnorm', 'lr-warmup'];
  const w = unknownRuleProblems(r.config, (id) => known.includes(id), known);
  assert.deepEqual(
    w.map((p) => formatProblem(p, '.ml-notes.toml')),
    ['.ml-notes.toml:2:1: unknown rule "conv-bias-before-batchnrom" (did you mean "conv-bias-before-batchnorm"?); it is ignored'],
  );
  assert.equal(w[0].severity, 'warning');
});

const tree = (files: Record<string, string>) => tempTree(files, 'ml-notes-config-');

test('the nearest config above a file applies; .ml-notes.toml wins over pyproject.toml in one folder', async () => {
  const root = tree({
    'pyproject.toml': '[tool.ml-notes]\nnotes = ["top-notes"]\n',
    'a/model.py': '',
    'b/pyproject.toml': '[project]\nname = "b"\n',
    'b/model.py': '',
    'c/pyproject.toml': '[tool.ml-notes]\nnotes = ["pyproject"]\n',
    'c/.ml-notes.toml': 'notes = ["ml-notes-toml"]\n',
    'c/deep/er/model.py': '',
    'd/.ml-notes.toml': 'notes = "oops"\n',
    'd/model.py': '',
  });
  const configs = new ProjectConfigs(nodeConfigFs);
  const a = await configs.forFile(path.join(root, 'a', 'model.py'));
  assert.equal(a.config?.file, path.join(root, 'pyproject.toml'));
  assert.deepEqual(a.config?.notes, ['top-notes']);
  const b = await configs.forFile(path.join(root, 'b', 'model.py'));
  assert.equal(b.config?.file, path.join(root, 'pyproject.toml'), 'a pyproject.toml without [tool.ml-notes] is passed over');
  const c = await configs.forFile(path.join(root, 'c', 'deep', 'er', 'model.py'));
  assert.equal(c.config?.file, path.join(root, 'c', '.ml-notes.toml'));
  assert.deepEqual(c.config?.notes, ['ml-notes-toml']);
  const d = await configs.forFile(path.join(root, 'd', 'model.py'));
  assert.equal(d.config, undefined, 'a broken config is not applied (and the one above is not used instead)');
  assert.equal(d.broken?.file, path.join(root, 'd', '.ml-notes.toml'));
  assert.match(formatProblem(d.broken!.problems[0]), /\.ml-notes\.toml:1:9: "notes" must be an array of strings/);

  // Fixed on disk: seen after invalidate.
  fs.writeFileSync(path.join(root, 'd', '.ml-notes.toml'), 'notes = ["ok"]\n');
  assert.ok((await configs.forFile(path.join(root, 'd', 'model.py'))).broken, 'cached until invalidated');
  configs.invalidate(path.join(root, 'd', '.ml-notes.toml'));
  assert.deepEqual((await configs.forFile(path.join(root, 'd', 'model.py'))).config?.notes, ['ok']);
  fs.rmSync(root, { recursive: true, force: true });
});

test('exclusions: defaults for a walk, exclude replaces them, extend-exclude adds; editors use the config\'s own patterns', () => {
  const defaults = new Exclusions(undefined, true);
  for (const d of ['build', 'src/build', '.venv', '.ipynb_checkpoints', 'pkg/__pycache__']) assert.ok(defaults.excludes(d, true), d);
  assert.ok(!defaults.excludes('src', true));
  assert.ok(!defaults.excludes('build.py'), 'a file named like a default folder is not excluded as a folder');
  assert.ok(DEFAULT_EXCLUDE.includes('dist'));

  const replaced = new Exclusions({ exclude: ['legacy/', 'gen_*.py'] }, true);
  assert.ok(replaced.excludes('legacy', true));
  assert.ok(replaced.excludes('legacy/old/model.py'), 'a file under an excluded folder');
  assert.ok(replaced.excludes('pkg/gen_layers.py'));
  assert.ok(!replaced.excludes('build', true), 'exclude replaces the defaults');

  const extended = new Exclusions({ extendExclude: ['/scratch', '!build/keep.py'] }, true);
  assert.ok(extended.excludes('build', true), 'extend-exclude keeps the defaults');
  assert.ok(extended.excludes('scratch', true));
  assert.ok(!extended.excludes('src/scratch', true), 'an anchored pattern matches at the config folder only');

  const config = { file: '/p/pyproject.toml', dir: '/p', ruleLocations: {}, extendExclude: ['vendor/'] };
  assert.ok(excludedByConfig(config, '/p/vendor/lib/model.py'));
  assert.ok(!excludedByConfig(config, '/p/build/model.py'), 'editors do not apply the default folder list');
  assert.ok(!excludedByConfig(config, '/elsewhere/vendor/model.py'));
  assert.ok(excludedByConfig({ ...config, dir: 'file:///p%20q' }, 'file:///p%20q/vendor/a%20b.py'));
});

test('relativeLocation: paths with either separator and URI strings (escapes decoded)', () => {
  assert.equal(relativeLocation('/p', '/p/a/b.py'), 'a/b.py');
  assert.equal(relativeLocation('/p/', '/p/a.py'), 'a.py');
  assert.equal(relativeLocation('/p', '/pq/a.py'), undefined);
  assert.equal(relativeLocation('C:\\p', 'C:\\p\\a\\b.py'), 'a/b.py');
  assert.equal(relativeLocation('file:///home/me/my%20proj', 'file:///home/me/my%20proj/src/%E4%B8%AD.py'), 'src/中.py');
});
