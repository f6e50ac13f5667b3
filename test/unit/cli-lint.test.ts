import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { main } from '../../src/cli/main';
import { JobRuns, threadsFor } from '../../src/cli/parallel';
import { nodeConfigFs } from '../../src/cli/nodeFs';
import { collectFiles, walkProblems } from '../../src/cli/walk';
import { ProjectConfigs } from '../../src/core/config/projectConfigs';
import { repoRoot, tempDir, tempTree, fixturesDir } from './helpers';

async function run(args: string[], cwd = repoRoot) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s), cwd });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A code cell of a notebook's JSON: its lines, each but the last ending in a line break (as Jupyter writes them). */
const code = (...lines: string[]) => ({ cell_type: 'code', source: lines.map((l, i) => (i < lines.length - 1 ? l + '\n' : l)) });

/** A Python notebook's JSON with these cells. */
const notebook = (cells: object[]) => JSON.stringify({ cells, metadata: { language_info: { name: 'python' } }, nbformat: 4, nbformat_minor: 5 });

/** The demo workspace's known findings: what `npm start` shows as squiggles. */
const DEMO_FINDINGS = [
  'demo/keras/segmentation.py:8 conv-bias-before-batchnorm',
  'demo/keras/segmentation.py:26 segmentation-head-3x3-classifier',
  'demo/pytorch/detector.py:18 conv-bias-before-batchnorm',
  'demo/pytorch/detector.py:18 unpadded-conv-before-roi',
  'demo/pytorch/detector.py:20 conv-bias-before-batchnorm',
  'demo/pytorch/detector.py:20 unpadded-conv-before-roi',
  'demo/pytorch/detector.py:52 segmentation-head-3x3-classifier',
  'demo/pytorch/train.py:16 lr-warmup',
  // The checks of demo/my-notes/training-practices.md (demo/.ml-notes.toml names the notes).
  'demo/pytorch/finetune.py:9 torch-load-weights-only',
  'demo/pytorch/finetune.py:15 adamw-for-weight-decay',
  'demo/pytorch/finetune.py:20 eval-mode-for-validation',
];

test('ml-notes lint over the demo workspace finds exactly its known findings', async () => {
  const r = await run(['lint', 'demo', '--json']);
  assert.equal(r.code, 1, 'exit 1 when there are findings');
  const found = (JSON.parse(r.out) as { file: string; line: number; rule: string; noteRef: { slug: string } }[]).map((f) => `${f.file}:${f.line} ${f.rule}`).sort();
  assert.deepEqual(found, [...DEMO_FINDINGS].sort());
  const text = await run(['lint', 'demo/pytorch/detector.py']);
  assert.match(text.out, /^demo\/pytorch\/detector\.py:18:\d+: conv-bias-before-batchnorm /m);
});

test('--rule limits the rules; an unknown rule is a usage error', async () => {
  const r = await run(['lint', 'demo', '--json', '--rule', 'lr-warmup']);
  assert.deepEqual((JSON.parse(r.out) as { rule: string }[]).map((f) => f.rule), ['lr-warmup']);
  const bad = await run(['lint', 'demo', '--rule', 'no-such-rule']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown rule no-such-rule/);
});

test('--fix rewrites the file so that it parses and lints clean for the fixed rule, and leaves broken files alone', async () => {
  const dir = tempDir('ml-notes-fix-');
  fs.copyFileSync(path.join(repoRoot, 'demo', 'pytorch', 'detector.py'), path.join(dir, 'detector.py'));
  const broken = 'import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        self.conv = nn.Conv2d(3, 8, 3)\n        self.bn = nn.BatchNorm2d(8)\n    def forward(self, x):\n        return self.bn(self.conv(x)\n';
  fs.writeFileSync(path.join(dir, 'broken.py'), broken);
  const r = await run(['lint', dir, '--fix', '--rule', 'conv-bias-before-batchnorm']);
  assert.equal(r.code, 1, 'the unfixed finding in broken.py remains');
  assert.match(r.err, /fixed \S*detector\.py:18: conv-bias-before-batchnorm — Set bias=False \(existing checkpoints/);
  assert.match(r.err, /broken\.py: The file does not parse cleanly/);
  const fixed = fs.readFileSync(path.join(dir, 'detector.py'), 'utf8');
  assert.match(fixed, /nn\.Conv2d\(in_channels, width, kernel_size=3, stride=2, bias=False\)/);
  assert.match(fixed, /nn\.Conv2d\(width, width, kernel_size=3, bias=False\)/);
  execFileSync('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', path.join(dir, 'detector.py')]);
  assert.equal(fs.readFileSync(path.join(dir, 'broken.py'), 'utf8'), broken, 'a file that does not parse is untouched');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['broken.py', 'detector.py'], 'no temp file left behind');
  const again = await run(['lint', dir, '--fix', '--rule', 'conv-bias-before-batchnorm']);
  assert.equal(fs.readFileSync(path.join(dir, 'detector.py'), 'utf8'), fixed, 'fixing twice changes nothing');
  assert.doesNotMatch(again.err, /fixed detector/);
});

test('lint reads notebooks and reports findings per cell', async () => {
  const dir = tempDir('ml-notes-nb-');
  const cells = [
    { cell_type: 'markdown', source: ['# Model'] },
    { cell_type: 'code', source: ['import torch.nn as nn\n', '%matplotlib inline\n'] },
    { cell_type: 'code', source: ['net = nn.Sequential(\n', '    nn.Conv2d(3, 16, 3, padding=1),\n', '    nn.BatchNorm2d(16),\n', ')\n'] },
  ];
  fs.writeFileSync(path.join(dir, 'model.ipynb'), notebook(cells));
  const r = await run(['lint', dir]);
  assert.equal(r.code, 1);
  assert.match(r.out, /model\.ipynb#cell2:2:\d+: conv-bias-before-batchnorm /);
});

test('lint reads IPython’s own syntax in notebooks as IPython runs it: no syntax error, findings where the code is Python', async () => {
  const dir = tempDir('ml-notes-nb-');
  const cells = [
    code('import torch.nn as nn', "logger = 'tb'", "if logger == 'comet':", '  %pip install -q comet_ml', "elif logger == 'tb':", '  %load_ext tensorboard', '  !ls runs'),
    code('%%bash', 'for f in *.py; do', '  echo $f', 'done'),
    code('files = !ls *.pt', 'best = %timeit -o sum(range(10))', 'nn.Conv2d?', '?nn.BatchNorm2d', 'nn.Module.forward??'),
    // A command goes on while its brackets are open or it ends in a backslash.
    code("%timeit sum((x * 2 for x in range(10)),", '              start=0)', '!echo one \\', '    two', 'x = 1'),
    // IPython takes the first line's indentation off the cell and drops leading blank lines; a line continuing
    // Python is Python (`!= y`, `% n`); several names take a command's output.
    code(' !pip install timm'),
    code('', '%%bash', 'echo hi > out.txt'),
    code('a, b = !echo 1 2', 'ok = (a', '      != b)', 'r = (len(a)', '     % 2)'),
    // Inside a triple-quoted string nothing is a command; a backslash ending a comment continues nothing.
    code('cfg = load("""', 'model: resnet', '!important (see notes', '""")', '!nvidia-smi', 'x = 1  # D:\\', '%matplotlib inline'),
    code('%%time', 'net = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16))'),
    // What `%time` times is Python: the conv fed to batch norm there is found.
    code('conv = nn.Conv2d(3, 8, 3)', 'bn = nn.BatchNorm2d(8)', '%time y = bn(conv(x))', '%timeit -n 3 f()'),
  ];
  fs.writeFileSync(path.join(dir, 'train.ipynb'), notebook(cells));
  const r = await run(['lint', dir]);
  assert.doesNotMatch(r.err, /syntax error/);
  assert.match(r.out, /train\.ipynb#cell9:2:\d+: conv-bias-before-batchnorm /);
  assert.equal(r.out.trim().split('\n').filter((l) => l.includes('conv-bias')).length, 2);
  assert.match(r.out, /train\.ipynb#cell10:1:\d+: conv-bias-before-batchnorm /);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('lint compiles a notebook as IPython compiles its cells: top-level await and a later cell\'s `from __future__` import are no syntax error; a future import inside a block is', async () => {
  const dir = tempDir('ml-notes-nb-async-');
  const cells = [
    code('import asyncio', 'import torch.nn as nn'),
    code('from __future__ import annotations', 'await asyncio.sleep(0)'),
    code('async with lock:', '    batches = [await load(i) async for i in shards()]', 'net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))'),
  ];
  fs.writeFileSync(path.join(dir, 'served.ipynb'), notebook(cells));
  const r = await run(['lint', dir]);
  assert.doesNotMatch(r.err, /syntax error/);
  assert.match(r.out, /served\.ipynb#cell3:3:\d+: conv-bias-before-batchnorm /);
  // The same code as a Python file is refused, as python3 refuses it; so is a future import inside a block of a cell.
  fs.writeFileSync(path.join(dir, 'served.py'), cells.map((c) => (c.source as string[]).join('')).join('\n'));
  fs.writeFileSync(path.join(dir, 'late.ipynb'), notebook([code('import os'), code('if os.name:', '    from __future__ import annotations')]));
  const again = await run(['lint', dir]);
  assert.match(again.err, /served\.py:\d+:\d+: syntax error: from __future__ imports must occur at the beginning of the file/);
  assert.match(again.err, /late\.ipynb#cell2:2:5: syntax error: from __future__ imports must occur at the beginning of the file/);
  assert.doesNotMatch(again.err, /served\.ipynb/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('lint reads a notebook cell whose first line is indented as IPython does (indentation taken off), and cells broken by lone CRs', async () => {
  const dir = tempDir('ml-notes-nb-indent-');
  const cells = [
    code('import torch.nn as nn'),
    // Pasted from inside a function: IPython takes the first line's indentation off every line that starts with it.
    code('', '    net = nn.Sequential(', '        nn.Conv2d(3, 16, 3, padding=1),', '        nn.BatchNorm2d(16),', '    )'),
    // Lines broken by lone CRs (old Mac line ends), as the cell's editor breaks them.
    { cell_type: 'code', source: 'x = 1\rhead = nn.Sequential(nn.Conv2d(3, 8, 3),\r    nn.BatchNorm2d(8))\r' },
    code('y = 2', 'tail = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))'),
  ];
  fs.writeFileSync(path.join(dir, 'pasted.ipynb'), notebook(cells));
  const r = await run(['lint', dir]);
  assert.doesNotMatch(r.err, /syntax error/);
  // Columns are the cell's own: the indentation counts.
  assert.match(r.out, /pasted\.ipynb#cell2:3:9: conv-bias-before-batchnorm /);
  assert.match(r.out, /pasted\.ipynb#cell3:2:\d+: conv-bias-before-batchnorm /);
  assert.match(r.out, /pasted\.ipynb#cell4:2:\d+: conv-bias-before-batchnorm /);
  // --json: the range and the fix's edits in the cell's own lines and columns, each edit naming its cell.
  type At = { line: number; character: number };
  const json = JSON.parse((await run(['lint', dir, '--json'])).out) as { cell: number; range: { start: At }; fixes: { edits: { cell: number; range: { start: At }; newText: string }[] }[] }[];
  const pasted = json.find((f) => f.cell === 2)!;
  assert.deepEqual(pasted.range.start, { line: 2, character: 8 });
  const edit = pasted.fixes[0].edits[0];
  assert.equal(edit.cell, 2);
  assert.deepEqual(edit.range.start, { line: 2, character: '        nn.Conv2d(3, 16, 3, padding=1'.length });
  assert.equal(edit.newText, ', bias=False');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('lint --json leaves out a fix that would put lines into a notebook cell whose indentation was taken off, as the editor does', async () => {
  const dir = tempDir('ml-notes-nb-dedent-');
  const head = [
    'class SegHead(nn.Module):',
    '    def __init__(self, num_classes):',
    '        super().__init__()',
    '        self.classifier = nn.Conv2d(256, num_classes, kernel_size=3, padding=1)',
  ];
  const cells = [
    code('import torch.nn as nn'),
    // Pasted from inside a function, indented: the fix's new lines would lack the cell's indentation.
    code(...head.map((l) => `    ${l}`)),
    code(...head),
  ];
  fs.writeFileSync(path.join(dir, 'heads.ipynb'), notebook(cells));
  type Json = { cell: number; rule: string; fixes: { edits: { cell: number; newText: string }[] }[] }[];
  const json = (JSON.parse((await run(['lint', dir, '--json'])).out) as Json).filter((f) => f.rule === 'segmentation-head-3x3-classifier');
  assert.deepEqual(json.map((f) => f.cell), [2, 3], 'both heads are reported');
  const [indented, plain] = json;
  assert.ok(plain.fixes.some((x) => x.edits.some((e) => e.cell === 3 && e.newText.includes('\n'))), 'the plain cell keeps its multi-line fix');
  assert.equal(indented.fixes.filter((x) => x.edits.some((e) => e.newText.includes('\n'))).length, 0, 'no multi-line fix into the indented cell');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('lint names the first syntax error of a file, in Python\'s words, and still reports the findings around it', async () => {
  const dir = tempDir('ml-notes-syntax-');
  const text = 'import torch.nn as nn\nname = "unterminated\nm = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))\n';
  fs.writeFileSync(path.join(dir, 'model.py'), text);
  const r = await run(['lint', dir]);
  assert.equal(r.code, 1);
  assert.match(r.err, /model\.py:2:8: syntax error: unterminated string literal \(detected at line 2\) \(1 in the file; the rest is still checked\)/);
  assert.match(r.out, /model\.py:3:\d+: conv-bias-before-batchnorm /);
  const json = await run(['lint', dir, '--json']);
  assert.ok(JSON.parse(json.out).every((f: { rule: string }) => f.rule === 'conv-bias-before-batchnorm'), '--json output stays findings only');
  assert.match(json.err, /model\.py:2:8: syntax error: unterminated string literal/, 'the syntax error is on stderr in every format');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('lint reads files as Python does: a coding declaration, a byte order mark kept by --fix, bytes Python refuses', async () => {
  const dir = tempDir('ml-notes-encoding-');
  const model = 'import torch.nn as nn\nm = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))\n';
  // Latin-1 with its declaration: read as Python reads it (the é is one character), linted, not rewritten.
  const latin1 = Buffer.concat([Buffer.from('# -*- coding: latin-1 -*-\n# caf'), Buffer.from([0xe9]), Buffer.from('\n' + model)]);
  fs.writeFileSync(path.join(dir, 'latin.py'), latin1);
  // UTF-8 with a byte order mark: fixed, and the mark is still there.
  fs.writeFileSync(path.join(dir, 'bom.py'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(model)]));
  // Undecodable bytes with no declaration, and a declaration of an encoding that does not exist: what Python says.
  fs.writeFileSync(path.join(dir, 'bad_bytes.py'), Buffer.concat([Buffer.from('#'), Buffer.from([0xf6]), Buffer.from('\n' + model)]));
  fs.writeFileSync(path.join(dir, 'bad_coding.py'), '# coding: uft-8\n' + model);
  const r = await run(['lint', dir]);
  assert.match(r.err, /bad_bytes\.py:1:1: syntax error: \(unicode error\) 'utf-8' codec can't decode byte 0xf6 in position 1: invalid start byte/);
  assert.match(r.err, /bad_coding\.py:1:1: syntax error: unknown encoding: uft-8/);
  assert.doesNotMatch(r.err, /latin\.py|bom\.py/);
  assert.match(r.out, /latin\.py:4:\d+: conv-bias-before-batchnorm/);
  const fixed = await run(['lint', dir, '--fix']);
  assert.match(fixed.err, /latin\.py: declared iso8859-1: --fix writes UTF-8 only; nothing was changed/);
  assert.deepEqual(fs.readFileSync(path.join(dir, 'latin.py')), latin1);
  const bom = fs.readFileSync(path.join(dir, 'bom.py'));
  assert.deepEqual([...bom.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.match(bom.toString('utf8'), /nn\.Conv2d\(3, 8, 3, bias=False\)/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('note checks in lint: --rule takes their ids, --json names their note and section, --fix applies their fixes', async () => {
  const only = await run(['lint', 'demo', '--json', '--rule', 'adamw-for-weight-decay']);
  assert.equal(only.code, 1);
  const [f] = JSON.parse(only.out) as { file: string; line: number; rule: string; note: string; section: string; noteRef: { slug: string; file: string } }[];
  assert.equal(f.rule, 'adamw-for-weight-decay');
  assert.equal(f.file, 'demo/pytorch/finetune.py');
  assert.equal(f.note, 'demo/my-notes/training-practices.md');
  assert.equal(f.section, 'AdamW, not Adam with weight decay');
  assert.equal(f.noteRef.slug, 'adamw-not-adam-with-weight-decay');

  const dir = tempTree({ 'train.py': fs.readFileSync(path.join(repoRoot, 'demo', 'pytorch', 'finetune.py'), 'utf8'), '.ml-notes.toml': `notes = [${JSON.stringify(path.join(repoRoot, 'demo', 'my-notes'))}]\n` });
  const fixed = await run(['lint', dir, '--fix']);
  assert.match(fixed.err, /fixed \S*train\.py:9: torch-load-weights-only — Apply the note’s fix: torch\.load\(path, map_location="cpu", weights_only=True\)/);
  assert.match(fixed.err, /fixed \S*train\.py:15: adamw-for-weight-decay/);
  const text = fs.readFileSync(path.join(dir, 'train.py'), 'utf8');
  assert.match(text, /state = torch\.load\(path, map_location="cpu", weights_only=True\)/);
  assert.match(text, /return optim\.AdamW\(model\.parameters\(\), lr=3e-4, weight_decay=0\.05\)/);
  assert.equal(fixed.code, 1, 'the validation loop has no fix and remains');
  execFileSync('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', path.join(dir, 'train.py')]);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a broken check is named on stderr with its place in the note, left out, and the run exits 2', async () => {
  const dir = tempTree({
    'notes/checks.md': '# Checks\n\n```ml-notes-check\nid: no-print\nmessage: a print\npattern: print($$$_)\n```\n\n```ml-notes-check\nid: broken\nmessage: m\npattern: f(a,, b)\n```\n',
    'code/a.py': 'print(1)\n',
  });
  const r = await run(['lint', 'code', '--notes', 'notes', '--no-bundled'], dir);
  assert.equal(r.code, 2);
  assert.match(r.err, /^ml-notes lint: notes\/checks\.md:12:14: check left out: This is not Python: invalid syntax\.$/m);
  assert.match(r.out, /^code\/a\.py:1:1: no-print a print$/m, 'the other check still runs');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('ml-notes lint --jobs 3: the notes are read once, a broken check is named once, and the workers run the other checks', async () => {
  const files: Record<string, string> = {
    'notes/checks.md': '# Checks\n\n```ml-notes-check\nid: no-print\nmessage: a print\npattern: print($$$_)\n```\n\n```ml-notes-check\nid: broken\nmessage: m\npattern: f(a,, b)\n```\n',
  };
  for (let i = 0; i < 6; i++) files[`code/m${i}.py`] = `x = ${i}\nprint(x)\n`;
  const dir = tempTree(files);
  const r = await run(['lint', 'code', '--notes', 'notes', '--no-bundled', '--jobs', '3'], dir);
  assert.equal(r.code, 2);
  assert.equal(r.err.match(/check left out/g)?.length, 1, r.err);
  assert.deepEqual(r.out.trim().split('\n'), [0, 1, 2, 3, 4, 5].map((i) => `code/m${i}.py:2:1: no-print a print`));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('ml-notes lint --jobs N: worker threads give the same output, in the same order, as one thread', async () => {
  // The demo: Python files, a notebook, a project config whose notes carry checks (workers compile those they are sent).
  for (const format of ['text', 'json', 'sarif']) {
    const one = await run(['lint', 'demo', '--format', format, '--jobs', '1']);
    const three = await run(['lint', 'demo', '--format', format, '--jobs', '3']);
    assert.equal(three.code, one.code, format);
    assert.equal(three.out, one.out, format);
    assert.equal(three.err, one.err, format);
  }
  const json = JSON.parse((await run(['lint', 'demo', '--json', '--jobs', '2'])).out) as { file: string; line: number; rule: string }[];
  assert.deepEqual(json.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), [...DEMO_FINDINGS].sort());
  // --jobs is followed up to the number of files; by default a thread per core, once there is enough Python for it.
  const w = (files: number, mb: number) => ({ files, bytes: mb * 1024 * 1024 });
  assert.deepEqual([threadsFor(w(9, 0), 3), threadsFor(w(2, 0), 3), threadsFor(w(9, 0), 1), threadsFor(w(10, 1), undefined)], [3, 2, 1, 1]);
  assert.equal(threadsFor(w(371, 2.3), undefined), 1, 'a project the size of the development corpus stays on one thread');
  assert.equal(threadsFor(w(10_000, 400), undefined), os.availableParallelism());
  const bad = await run(['lint', 'demo', '--jobs', '0']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--jobs must be a whole number of threads, 1 or more \(got "0"\)/);
});

test('lint threads take neighbouring files (a project stays on one thread), then the last files of the longest run left', () => {
  const runs = new JobRuns(10, 2);
  assert.deepEqual([runs.take(0), runs.take(0), runs.take(1)], [0, 1, 5]);
  // Thread 1 goes on with its run (6…9); thread 0 then finishes its own (2…4) and takes what thread 1 has not.
  assert.deepEqual([runs.take(1), runs.take(0), runs.take(0), runs.take(0)], [6, 2, 3, 4]);
  assert.deepEqual([runs.take(0), runs.take(1), runs.take(0), runs.take(1)], [9, 7, 8, undefined]);
  assert.equal(runs.take(0), undefined);
  // Every job once, whatever the order of asking.
  const many = new JobRuns(101, 3);
  const taken: number[] = [];
  for (let i = 0; ; i = (i * 7 + 1) % 3) {
    const j = many.take(i);
    if (j === undefined) break;
    taken.push(j);
  }
  assert.deepEqual([...taken].sort((a, b) => a - b), Array.from({ length: 101 }, (_, i) => i));
});

test('a folder that cannot be listed is named with the reason, and the walk goes on with the others', async () => {
  const root = tempTree({ 'ok/a.py': 'x = 1\n', 'locked/b.py': 'y = 2\n', 'c.py': 'z = 3\n' });
  const locked = path.join(root, 'locked');
  const list = (dir: string) => {
    if (dir === locked) throw Object.assign(new Error(`EACCES: permission denied, scandir '${dir}'`), { code: 'EACCES' });
    return fs.readdirSync(dir, { withFileTypes: true });
  };
  const walked = await collectFiles([root], new ProjectConfigs(nodeConfigFs), undefined, list);
  assert.deepEqual(
    walked.files.map((f) => path.relative(root, f)),
    ['c.py', path.join('ok', 'a.py')],
  );
  assert.deepEqual(walked.unreadable, [{ path: locked, kind: 'folder', reason: 'EACCES' }]);
  assert.deepEqual(walkProblems(root, walked, 'checked'), { lines: ['locked: cannot read the folder (EACCES); its files are not checked'], stop: false });
});

test('a .gitignore that cannot be read is named and the run goes on; a given path that cannot be read stops the run', async () => {
  const root = tempTree({ '.git/HEAD': 'ref: refs/heads/main\n', 'a.py': 'x = 1\n', 'gen/b.py': 'y = 2\n' });
  // A folder where the file should be: reading it fails as an unreadable file does (EISDIR), even for root.
  fs.mkdirSync(path.join(root, '.gitignore'));
  const io = { out: [] as string[], err: [] as string[] };
  const code = await main(['lint', root, '--no-bundled'], { out: (s) => io.out.push(s), err: (s) => io.err.push(s), cwd: root });
  assert.equal(code, 0, io.err.join('\n'));
  assert.ok(io.err.includes('ml-notes lint: .gitignore: cannot read (EISDIR); its patterns are not applied'), io.err.join('\n'));
  // A link to itself cannot be followed (ELOOP): a path given that cannot be read, not a missing one.
  fs.symlinkSync('loop.py', path.join(root, 'loop.py'));
  const err: string[] = [];
  const stopped = await main(['lint', 'loop.py', 'a.py', '--no-bundled'], { out: () => {}, err: (s) => err.push(s), cwd: root });
  assert.equal(stopped, 2);
  assert.deepEqual(err, ['ml-notes lint: loop.py: cannot read (ELOOP)']);
});

test('--fix leaves an optimizer with no schedule as it is (a warmup schedule does nothing until stepped, where only its author knows); the fix stays on offer', async () => {
  const dir = tempDir('ml-notes-warmup-fix-');
  const file = path.join(dir, 'train.py');
  const source = fs.readFileSync(path.join(fixturesDir, 'rules', 'lr-warmup', 'torch_optimizer_only.in.py'), 'utf8');
  fs.writeFileSync(file, source);
  const r = await run(['lint', dir, '--fix', '--rule', 'lr-warmup', '--json']);
  assert.equal(r.code, 1, 'the finding stays');
  assert.equal(fs.readFileSync(file, 'utf8'), source, 'the file is untouched');
  const [finding] = JSON.parse(r.out) as { rule: string; fixes: { title: string; isPreferred: boolean }[] }[];
  assert.deepEqual(finding.fixes.map((f) => [f.title, f.isPreferred]), [['Add gradual LR warmup', false]]);
});

test('--fix says it leaves a notebook alone only of a notebook with a fix to apply', async () => {
  const nb = (source: string) => JSON.stringify({ cells: [{ cell_type: 'code', source: [source] }], metadata: {}, nbformat: 4, nbformat_minor: 5 });
  const root = tempTree({
    'fixable.ipynb': nb('import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8))\n'),
    'clean.ipynb': nb('import torch\nx = torch.zeros(3)\n'),
  });
  const r = await run(['lint', root, '--fix']);
  assert.match(r.err, /fixable\.ipynb: --fix does not edit notebooks; open it in VS Code to apply fixes/);
  assert.doesNotMatch(r.err, /clean\.ipynb/);
  fs.rmSync(root, { recursive: true, force: true });
});

test('the CLI process prints stdout and stderr in the order lint says them (stdout is written in blocks, flushed before each stderr line)', async () => {
  // A file with a syntax error (said on stderr, first), two findings (stdout), the summary (stderr, last).
  const dir = tempTree({
    'a.py': 'import torch.nn as nn\nconv = nn.Conv2d(3, 8, 3, bias=True)\nnet = nn.Sequential(conv, nn.BatchNorm2d(8))\n',
    'b.py': 'def f(:\n    pass\n',
    'c.py': 'import torch.nn as nn\nm = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))\n',
  });
  const said: string[] = [];
  const code = await main(['lint', 'a.py', 'b.py', 'c.py'], { out: (s) => said.push(s), err: (s) => said.push(s), cwd: dir });
  const cli = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');
  // One pipe for both streams, as a terminal or `2>&1` sees them.
  const r = spawnSync('bash', ['-c', `"${process.execPath}" "${cli}" lint a.py b.py c.py 2>&1`], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, code);
  assert.equal(said.filter((l) => /conv-bias-before-batchnorm/.test(l)).length, 2);
  assert.equal(r.stdout, said.map((l) => `${l}\n`).join(''));
});
