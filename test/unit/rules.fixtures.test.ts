/**
 * Walks test/fixtures/rules/<rule-id>/:
 *
 * - every `*.py` (not `.in.py` / `.out.py`) is a case file: a line carrying `# expect: <rule-id>` (several ids
 *   separated by commas) must get a finding of that rule starting on it; no other line may get one;
 * - every `*.in.py` has a `*.out.py`: fixing the input with the folder's rule (its preferred fixes, or the
 *   fixes whose title starts with what a first line `# fix: <title>` says) gives exactly the output,
 *   the output has no finding of that rule left, fixing it again changes nothing, and it parses with
 *   Python's own parser (`python3 -c 'import ast…'`).
 * - the fixed version of every case file parses with Python too.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedLines, fixturesDir, tempDir } from './helpers';
import { analyze, DocumentAnalyzer, strictHost, ruleIds } from '../../src/core/rules/index';
import { fixText } from '../../src/core/lint';
import type { Finding } from '../../src/core/rules/types';

const rulesDir = join(fixturesDir, 'rules');

function pythonAvailable(): boolean {
  try {
    execFileSync('python3', ['-c', 'pass'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Parses files with Python's ast module; returns the error message per failing file. */
function pythonParseErrors(files: string[]): string[] {
  if (!files.length) return [];
  const script = [
    'import ast, sys',
    'for f in sys.argv[1:]:',
    '    try:',
    '        ast.parse(open(f, encoding="utf-8").read(), filename=f)',
    '    except SyntaxError as e:',
    '        print(f"{f}:{e.lineno}: {e.msg}")',
  ].join('\n');
  const out = execFileSync('python3', ['-c', script, ...files], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

const hasPython = pythonAvailable();

describe('rule fixtures', () => {
  test('there is a fixture folder for every rule and at least 60 cases in all', () => {
    let cases = 0;
    for (const id of ruleIds) {
      const dir = join(rulesDir, id);
      assert.ok(existsSync(dir), `missing fixture folder for ${id}`);
      for (const f of readdirSync(dir)) {
        if (!f.endsWith('.py') || f.endsWith('.out.py')) continue;
        const text = readFileSync(join(dir, f), 'utf8');
        // A case: each expected finding, and each file that must not fire at all.
        const n = f.endsWith('.in.py') ? 1 : expectedLines(text, id).length;
        cases += n === 0 ? 1 : n;
      }
    }
    assert.ok(cases >= 60, `only ${cases} fixture cases`);
  });

  for (const id of ruleIds) {
    const dir = join(rulesDir, id);
    if (!existsSync(dir)) continue;
    const files = readdirSync(dir).sort();
    describe(id, () => {
      for (const f of files.filter((x) => x.endsWith('.py') && !x.endsWith('.in.py') && !x.endsWith('.out.py'))) {
        test(`${f}: findings exactly on the expected lines`, () => {
          const text = readFileSync(join(dir, f), 'utf8');
          const expected = expectedLines(text, id);
          const actual = analyze(text)
            .filter((x) => x.rule === id)
            .map((x) => x.range.start.line);
          const fmt = (lines: number[]) => lines.map((l) => l + 1).join(', ') || 'none';
          assert.deepEqual([...new Set(actual)].sort((a, b) => a - b), expected, `${f}: expected findings on lines ${fmt(expected)}, got ${fmt(actual)}`);
          assert.equal(actual.length, new Set(actual).size, `${f}: two findings start on one line`);
        });
      }
      for (const f of files.filter((x) => x.endsWith('.in.py'))) {
        const outName = f.replace(/\.in\.py$/, '.out.py');
        test(`${f} → ${outName}`, () => {
          assert.ok(files.includes(outName), `missing ${outName}`);
          const input = readFileSync(join(dir, f), 'utf8');
          const expected = readFileSync(join(dir, outName), 'utf8');
          // `# fix: <title start>` on the first line picks another fix than the preferred one.
          const first = input.split('\n')[0];
          const title = first.startsWith('# fix:') ? first.slice('# fix:'.length).trim() : undefined;
          const pick = title ? (f: Finding) => f.fixes.find((x) => x.title.startsWith(title)) : undefined;
          assert.ok(
            analyze(input).some((x) => x.rule === id && x.fixes.some((fx) => (title ? fx.title.startsWith(title) : fx.isPreferred))),
            `${f} has no ${title ? `"${title}"` : 'preferred'} fix for ${id}`,
          );
          const fixed = fixText(input, { only: [id] }, pick);
          assert.equal(fixed.refused, undefined, fixed.refused);
          assert.equal(fixed.output, expected);
          assert.deepEqual(
            analyze(fixed.output).filter((x) => x.rule === id && x.fixes.some((fx) => (title ? fx.title.startsWith(title) : fx.isPreferred))),
            [],
            'a finding with that fix is left after fixing',
          );
          const again = fixText(fixed.output, { only: [id] }, pick);
          assert.equal(again.output, fixed.output, 'fixing twice changes the text again');
        });
      }
    });
  }

  test('every fixed output parses with python3', { skip: hasPython ? false : 'python3 not found' }, () => {
    const tmp = tempDir('ml-notes-fixtures-');
    try {
      const files: string[] = [];
      for (const id of ruleIds) {
        const dir = join(rulesDir, id);
        if (!existsSync(dir)) continue;
        for (const f of readdirSync(dir)) {
          if (!f.endsWith('.py')) continue;
          if (f.endsWith('.out.py')) {
            files.push(join(dir, f));
            continue;
          }
          const fixed = fixText(readFileSync(join(dir, f), 'utf8'));
          if (fixed.refused || !fixed.applied.length) continue;
          const p = join(tmp, `${id}--${f}`);
          writeFileSync(p, fixed.output);
          files.push(p);
        }
      }
      assert.ok(files.length > 10, 'too few fixed files to check');
      assert.deepEqual(pythonParseErrors(files), []);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('re-analysis after an edit', () => {
  test('an import a fix adds goes after the imports as they are now, not where they were when the class was last analysed', () => {
    const model = [
      'class Backbone(Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.conv1 = Conv2d(3, 32, 3)',
      '        self.roi = RoIAlign(output_size=7, spatial_scale=0.25, sampling_ratio=2)',
      '',
      '    def forward(self, x, boxes):',
      '        return self.roi(self.conv1(x), boxes)',
      '',
    ].join('\n');
    // The blank lines move from between the imports to after them: the class's text stays the same.
    const before = 'from torch.nn import Conv2d, Module\n\n\nfrom torchvision.ops import RoIAlign\n' + model;
    const after = 'from torch.nn import Conv2d, Module\nfrom torchvision.ops import RoIAlign\n\n\n' + model;
    const doc = new DocumentAnalyzer(strictHost);
    doc.analyze(before);
    const incremental = doc.analyze(after).findings;
    assert.deepEqual(incremental, analyze(after));
    const importLines = incremental.flatMap((f) => f.fixes.flatMap((x) => x.edits.filter((e) => e.newText.startsWith('import ')).map((e) => e.range.start.line)));
    assert.deepEqual(importLines, [2], 'inserted right after the last import');
  });
});

describe('what conv-bias findings say at calls found by name', () => {
  const read = (file: string) => readFileSync(join(rulesDir, 'conv-bias-before-batchnorm', file), 'utf8');
  const at = (text: string, line: number) => analyze(text).filter((f) => f.rule === 'conv-bias-before-batchnorm' && f.range.start.line === line - 1);

  test('a super().__init__ call is quoted as a call of the class it runs, not with a dunder name', () => {
    const text = read('bias_parameter_routes.py');
    const line = text.split('\n').findIndex((l) => l.includes('super().__init__(c, 2 * c, stride=2)')) + 1;
    const [f] = at(text, line);
    assert.ok(f, 'a finding at the super().__init__ call');
    assert.match(f.message, /“ConvBN\(c, 2 \* c, stride=2\)” leaves bias at its default True/);
    assert.doesNotMatch(f.message, /__init__/);
  });

  test('a layer whose every path goes into batch norm, whatever its calls decide, is its own finding with its fix', () => {
    // Each branch builds its own conv and batch norm; the calls decide which branch, not whether batch norm follows.
    const text = [
      'import torch.nn as nn',
      '',
      '',
      'class Unit(nn.Module):',
      '    def __init__(self, c_in, c_out, stride):',
      '        super().__init__()',
      '        if stride != 1 or c_in != c_out:',
      '            self.branch = nn.Sequential(nn.Conv2d(c_in, c_out, 1), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))',
      '        else:',
      '            self.branch = nn.Sequential(nn.Conv2d(c_in, c_in, 1), nn.BatchNorm2d(c_in), nn.ReLU(inplace=True))',
      '',
      '    def forward(self, x):',
      '        return self.branch(x)',
      '',
      '',
      'def stage(c_in, c_out):',
      '    return nn.Sequential(Unit(c_in, c_out, 2), Unit(c_out, c_out, 1))',
      '',
    ].join('\n');
    for (const line of [8, 10]) {
      const [f] = at(text, line);
      assert.ok(f, `the conv of line ${line} is reported where it is built`);
      assert.doesNotMatch(f.message, /as at/, 'no call named');
      assert.deepEqual(
        f.fixes.filter((x) => x.isPreferred).flatMap((x) => x.edits.map((e) => e.newText)),
        [', bias=False'],
      );
    }
  });
});
