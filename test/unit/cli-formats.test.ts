import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { main } from '../../src/cli/main';
import { workflowCommand } from '../../src/cli/formats';
import { builtinHost, rules, type Rule } from '../../src/core/rules/index';
import { runLint } from '../../src/cli/lint';
import { fixturesDir, repoRoot, tempTree } from './helpers';

async function run(args: string[], cwd = repoRoot) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s), cwd });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const CONV_BN = 'import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8))\n';
const CLEAN = 'import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8))\n';

const project = (files: Record<string, string>) => tempTree(files, 'ml-notes-lint-');

/** The official SARIF 2.1.0 schema (draft-04), with formats (uri, date-time…) checked. */
function sarifValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(fs.readFileSync(path.join(fixturesDir, 'sarif', 'sarif-schema-2.1.0.json'), 'utf8')));
}

test('--format sarif validates against the official SARIF 2.1.0 schema: rules with their notes, results with regions, fixes', async () => {
  const r = await run(['lint', 'demo', '--format', 'sarif']);
  assert.equal(r.code, 1);
  const log = JSON.parse(r.out) as { version: string; runs: Record<string, any>[] };
  const validate = sarifValidator();
  assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
  assert.equal(log.version, '2.1.0');
  assert.equal(log.runs.length, 1);
  const run0 = log.runs[0];
  // The built-in rules, and the checks of the demo's note (demo/.ml-notes.toml names demo/my-notes).
  assert.deepEqual(
    run0.tool.driver.rules.map((x: { id: string }) => x.id),
    [...rules.map((x) => x.meta.id), 'adamw-for-weight-decay', 'torch-load-weights-only', 'eval-mode-for-validation'],
  );
  const check = run0.tool.driver.rules.find((x: { id: string }) => x.id === 'torch-load-weights-only');
  assert.match(check.helpUri, /^file:\/\/.*\/demo\/my-notes\/training-practices\.md#/);
  assert.match(check.help.markdown, /weights_only=True/, 'a check\'s help is its note section');
  const conv = run0.tool.driver.rules.find((x: { id: string }) => x.id === 'conv-bias-before-batchnorm');
  assert.match(conv.helpUri, /^file:\/\/.*\/notes\/ml-basis-notes\.md#/);
  assert.match(conv.help.markdown, /假如有了BN，那么之前的Conv不再需要Bias了/, 'the help carries the note itself');
  assert.equal(conv.defaultConfiguration.level, 'warning');
  assert.equal(run0.results.length, 11, 'the demo has 11 findings');
  const first = run0.results.find((x: { ruleId: string }) => x.ruleId === 'conv-bias-before-batchnorm');
  const loc = first.locations[0].physicalLocation;
  assert.equal(loc.artifactLocation.uriBaseId, '%SRCROOT%');
  assert.match(loc.artifactLocation.uri, /^demo\/(keras|pytorch)\//);
  assert.ok(loc.region.startLine >= 1 && loc.region.startColumn >= 1);
  assert.equal(first.fixes[0].artifactChanges[0].replacements.length > 0, true);
  assert.equal(run0.invocations[0].executionSuccessful, true);
  assert.equal(run0.originalUriBaseIds['%SRCROOT%'].uri, `file://${repoRoot}/`);
});

test('the schema check can fail: a result with a made-up level is rejected', async () => {
  const r = await run(['lint', 'demo/pytorch/train.py', '--format', 'sarif']);
  const log = JSON.parse(r.out);
  log.runs[0].results[0].level = 'warn';
  assert.equal(sarifValidator()(log), false);
});

test('--format github: one workflow command per finding, levels by severity, properties escaped', async () => {
  const r = await run(['lint', 'demo', '--format', 'github']);
  assert.equal(r.code, 1);
  const lines = r.out.split('\n');
  assert.equal(lines.length, 11, 'one line per finding');
  for (const l of lines) assert.match(l, /^::(warning|notice|error) file=demo\/[^,]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=[a-z0-9-]+::\S/);
  assert.ok(lines.some((l) => l.startsWith('::warning file=demo/pytorch/detector.py,line=18,')));
  assert.ok(lines.some((l) => l.startsWith('::notice ') && l.includes('title=lr-warmup')), 'hints are notices');
  assert.equal(
    workflowCommand('warning', { file: 'a,b:c.py', line: 1, title: '100%' }, 'two\nlines, 50% done\r'),
    '::warning file=a%2Cb%3Ac.py,line=1,title=100%25::two%0Alines, 50% done%0D'.replace('50% done', '50%25 done'),
  );
});

test('--json is --format json; an unknown format or a disagreement is a usage error (exit 2)', async () => {
  const a = await run(['lint', 'demo/pytorch/train.py', '--json']);
  const b = await run(['lint', 'demo/pytorch/train.py', '--format=json']);
  assert.equal(a.out, b.out);
  assert.equal(JSON.parse(a.out)[0].rule, 'lr-warmup');
  const bad = await run(['lint', 'demo', '--format', 'xml']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--format must be one of text, json, sarif, github \(got "xml"\)/);
  const both = await run(['lint', 'demo', '--json', '--format', 'sarif']);
  assert.equal(both.code, 2);
});

test('exit codes: 0 clean, 1 findings, 2 missing path; --help documents them', async () => {
  const root = project({ 'clean.py': CLEAN, 'dirty.py': CONV_BN });
  assert.equal((await run(['lint', 'clean.py'], root)).code, 0);
  assert.equal((await run(['lint', 'dirty.py'], root)).code, 1);
  const missing = await run(['lint', 'nope.py'], root);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope\.py: no such file or folder/);
  const help = await run(['--help']);
  assert.match(help.out, /Exit codes \(lint\):\n\s+0\s+no findings\n\s+1\s+findings\n\s+2\s+usage error, a broken project config/);
  fs.rmSync(root, { recursive: true, force: true });
});

test('a rule that throws: named on stderr with the file, the other rules still report, exit 2; SARIF says so', async () => {
  const root = project({ 'model.py': CONV_BN });
  const broken: Rule = { ...rules[0], meta: { ...rules[0].meta, id: 'always-throws' }, check: () => { throw new Error('boom in the rule'); } };
  const lint = async (format: 'text' | 'sarif') => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runLint({ paths: ['.'], format, fix: false, rules: [], notes: [], bundled: true }, { out: (s) => out.push(s), err: (s) => err.push(s), cwd: root }, (report) => builtinHost(report).with([broken]));
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const r = await lint('text');
  assert.equal(r.code, 2);
  assert.match(r.err, /^ml-notes lint: model\.py: rule always-throws failed: Error: boom in the rule/m);
  assert.match(r.out, /model\.py:2:\d+: conv-bias-before-batchnorm/);
  const sarif = JSON.parse((await lint('sarif')).out) as { runs: Record<string, any>[] };
  assert.ok(sarifValidator()(sarif));
  assert.equal(sarif.runs[0].invocations[0].executionSuccessful, false);
  assert.match(sarif.runs[0].invocations[0].toolExecutionNotifications[0].message.text, /Rule always-throws failed: Error: boom in the rule/);
  fs.rmSync(root, { recursive: true, force: true });
});

test('folders are walked respecting .gitignore (nested, with negations), skipping .git, node_modules and virtual environments', async () => {
  const root = project({
    '.git/HEAD': 'ref: refs/heads/main\n',
    '.gitignore': 'generated/\n*.gen.py\n',
    'src/model.py': CONV_BN,
    'src/layers.gen.py': CONV_BN,
    'src/.gitignore': '!keep.gen.py\nscratch.py\n',
    'src/keep.gen.py': CONV_BN,
    'src/scratch.py': CONV_BN,
    'generated/model.py': CONV_BN,
    'node_modules/pkg/model.py': CONV_BN,
    'env311/pyvenv.cfg': 'home = /usr/bin\n',
    'env311/lib/site.py': CONV_BN,
    'conda/conda-meta/history': '',
    'conda/lib/x.py': CONV_BN,
    'build/model.py': CONV_BN,
    'notebooks/.ipynb_checkpoints/a-checkpoint.ipynb': '{}',
    'notes.txt': 'not python',
  });
  const r = await run(['lint', '.', '--json'], root);
  const files = [...new Set((JSON.parse(r.out) as { file: string }[]).map((f) => f.file))].sort();
  assert.deepEqual(files, ['src/keep.gen.py', 'src/model.py']);
  // A subfolder of the repository: the .gitignore files above it still count.
  const sub = await run(['lint', 'src', '--json'], root);
  assert.deepEqual([...new Set((JSON.parse(sub.out) as { file: string }[]).map((f) => f.file))].sort(), ['src/keep.gen.py', 'src/model.py']);
  // Outside a git repository .gitignore means nothing (as for git itself).
  fs.rmSync(path.join(root, '.git'), { recursive: true });
  const noGit = await run(['lint', 'src', '--json'], root);
  assert.equal(new Set((JSON.parse(noGit.out) as { file: string }[]).map((f) => f.file)).size, 4);
  fs.rmSync(root, { recursive: true, force: true });
});

test('the project config: rules, exclude / extend-exclude, analysis-max-lines; the nearest config per file', async () => {
  const root = project({
    'pyproject.toml': '[tool.ml-notes]\nextend-exclude = ["legacy/"]\nanalysis-max-lines = 3\n[tool.ml-notes.rules]\nconv-bias-before-batchnorm = "error"\n',
    'model.py': CONV_BN,
    'long.py': CONV_BN + '\n\n\n',
    'legacy/old.py': CONV_BN,
    'build/model.py': CONV_BN,
    'sub/.ml-notes.toml': 'exclude = []\n[rules]\nconv-bias-before-batchnorm = "off"\n',
    'sub/model.py': CONV_BN,
    'sub/build/model.py': CONV_BN,
  });
  const r = await run(['lint', '.', '--json'], root);
  assert.equal(r.code, 1);
  const found = JSON.parse(r.out) as { file: string; severity: string }[];
  assert.deepEqual(
    found.map((f) => `${f.file} ${f.severity}`),
    ['model.py error'],
    'legacy/ excluded, build/ by default, long.py over analysis-max-lines, sub/ turns the rule off',
  );
  assert.match(r.err, /long\.py: skipped \(6 lines, over analysis-max-lines = 3 in the project config\)/);
  // `exclude = []` in sub/ drops the default list: sub/build/ is walked (the rule is off there, so --rule shows it).
  const forced = await run(['lint', 'sub', '--json', '--rule', 'conv-bias-before-batchnorm'], root);
  assert.deepEqual((JSON.parse(forced.out) as { file: string }[]).map((f) => f.file), ['sub/build/model.py', 'sub/model.py'], '--rule runs a rule the config turns off');
  // A file named on the command line is checked unless the config's own patterns exclude it.
  assert.equal((await run(['lint', 'build/model.py'], root)).code, 1);
  assert.equal((await run(['lint', 'legacy/old.py'], root)).code, 0);
  fs.rmSync(root, { recursive: true, force: true });
});

test('a broken config: file:line:col on stderr, not applied, the files still checked, exit 2', async () => {
  const root = project({
    '.ml-notes.toml': '[rules]\nconv-bias-before-batchnorm = "of"\n',
    'model.py': CONV_BN,
  });
  const r = await run(['lint', '.'], root);
  assert.equal(r.code, 2);
  assert.match(r.err, /^ml-notes: \.ml-notes\.toml:2:30: rule "conv-bias-before-batchnorm": expected one of "off", "hint", "information", "warning", "error", found "of" \(the configuration is not applied\)$/m);
  assert.match(r.out, /model\.py:2:\d+: conv-bias-before-batchnorm /, 'checked with the defaults');
  const gh = await run(['lint', '.', '--format', 'github'], root);
  assert.match(gh.out, /^::error file=\.ml-notes\.toml,line=2,col=30,title=ml-notes configuration::rule "conv-bias-before-batchnorm"/m);
  const sarif = JSON.parse((await run(['lint', '.', '--format', 'sarif'], root)).out) as { runs: Record<string, any>[] };
  assert.ok(sarifValidator()(sarif));
  assert.equal(sarif.runs[0].invocations[0].toolConfigurationNotifications[0].locations[0].physicalLocation.region.startLine, 2);
  fs.writeFileSync(path.join(root, '.ml-notes.toml'), '[rules]\nconv-bias-before-batchnrom = "off"\n');
  const typo = await run(['lint', '.'], root);
  assert.equal(typo.code, 1, 'an unknown rule id is a warning: the config applies');
  assert.match(typo.err, /ml-notes: warning: \.ml-notes\.toml:2:1: unknown rule "conv-bias-before-batchnrom" \(did you mean "conv-bias-before-batchnorm"\?\)/);
  fs.rmSync(root, { recursive: true, force: true });
});

test('lookup and explain read the notes of the project config', async () => {
  const root = project({
    'pyproject.toml': '[tool.ml-notes]\nnotes = ["docs/notes"]\ninclude-bundled-notes = false\n',
    'docs/notes/losses.md': '---\ntitle: Losses\nterms:\n  focal-loss: [sigmoid_focal_loss]\n---\n## Focal Loss\n\nDown-weights easy examples.\n',
    'src/train.py': 'loss = sigmoid_focal_loss(x, y)\n',
  });
  const r = await run(['lookup', 'focal', '--json'], root);
  assert.equal(r.code, 0);
  const hits = JSON.parse(r.out) as { file: string; title: string }[];
  assert.ok(hits.every((h) => h.file.endsWith('losses.md')), 'only the config\'s notes (no bundled notes)');
  const ex = await run(['explain', 'src/train.py:1:10'], root);
  assert.equal(ex.code, 0);
  assert.match(ex.out, /Down-weights easy examples\./);
  fs.rmSync(root, { recursive: true, force: true });
});

test('a file Python rejects is said in every format: a line on stderr; SARIF a notification at its place, GitHub an error annotation (in a notebook, by its cell)', async () => {
  const notebook = { cells: [{ cell_type: 'code', source: ['import torch.nn as nn\n'] }, { cell_type: 'code', source: ['n = len(x) // 2)\n'] }], metadata: {}, nbformat: 4, nbformat_minor: 5 };
  const root = project({ 'bad.py': 'x = (1,\n', 'model.py': CONV_BN, 'nb.ipynb': JSON.stringify(notebook) });
  const text = await run(['lint', '.'], root);
  assert.match(text.err, /^bad\.py:1:5: syntax error: '\(' was never closed \(1 in the file; the rest is still checked\)$/m);
  for (const format of ['json', 'sarif', 'github']) {
    const r = await run(['lint', '.', '--format', format], root);
    assert.equal(r.code, 1, `${format}: the finding of model.py`);
    assert.match(r.err, /^bad\.py:1:5: syntax error: /m, `${format}: stderr names the file`);
    assert.match(r.err, /^nb\.ipynb#cell2:1:16: syntax error: unmatched '\)'/m, `${format}: and the notebook's cell`);
  }
  const json = JSON.parse((await run(['lint', '.', '--format', 'json'], root)).out) as { file: string }[];
  assert.deepEqual(json.map((f) => f.file), ['model.py'], 'the JSON lists findings only');
  const sarif = JSON.parse((await run(['lint', '.', '--format', 'sarif'], root)).out) as { runs: Record<string, any>[] };
  assert.ok(sarifValidator()(sarif));
  const notes = sarif.runs[0].invocations[0].toolExecutionNotifications as Record<string, any>[];
  assert.deepEqual(
    notes.map((n) => [n.descriptor.id, n.level, n.locations[0].physicalLocation.artifactLocation.uri, n.locations[0].physicalLocation.region?.startLine, n.message.text]),
    [
      ['syntax-error', 'error', 'bad.py', 1, "syntax error: '(' was never closed (1 in the file; the rest is still checked)"],
      ['syntax-error', 'error', 'nb.ipynb', undefined, "cell 2, line 1: syntax error: unmatched ')' (1 in the file; the rest is still checked)"],
    ],
  );
  assert.equal(sarif.runs[0].invocations[0].executionSuccessful, true, 'the run itself went well');
  const gh = (await run(['lint', '.', '--format', 'github'], root)).out.split('\n');
  assert.ok(gh.includes("::error file=bad.py,line=1,col=5,title=syntax error::syntax error: '(' was never closed (1 in the file; the rest is still checked)"), gh.join('\n'));
  assert.ok(gh.includes("::error file=nb.ipynb,title=syntax error (cell 2)::cell 2, line 1: syntax error: unmatched ')' (1 in the file; the rest is still checked)"), gh.join('\n'));
  // With --fix too (the file is left as it is).
  const fixing = JSON.parse((await run(['lint', '.', '--fix', '--format', 'sarif'], root)).out) as { runs: Record<string, any>[] };
  assert.deepEqual((fixing.runs[0].invocations[0].toolExecutionNotifications as Record<string, any>[]).map((n) => n.locations[0].physicalLocation.artifactLocation.uri), ['bad.py', 'nb.ipynb']);
  assert.equal(fs.readFileSync(path.join(root, 'bad.py'), 'utf8'), 'x = (1,\n');
  fs.rmSync(root, { recursive: true, force: true });
});
