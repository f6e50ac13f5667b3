/**
 * Robustness of the Python analysis on bad and big files: 100,000-line and 20,000-line modules, syntax errors,
 * 50,000-character lines, mixed tabs and spaces. Nothing throws, nothing is lost, and the time of one analysis call
 * (the editor's analysis worker runs one per document version, on files up to mlNotes.analysis.maxLines = 10,000
 * lines) is measured for the published figures.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fixText, lintText } from '../../src/core/lint';
import { DocumentAnalyzer, strictHost } from '../../src/core/rules/index';
import { parsePython } from '../../src/core/python/parse';
import { recordFigures, watchUnhandled } from './securityFigures';

const unhandled = watchUnhandled();
const figures: Record<string, unknown> = {};
const badFiles: { name: string; outcome: string }[] = [];

/** Median of `n` timed runs of `fn` (ms), and its last result. */
function timed<T>(n: number, fn: () => T): { ms: number; result: T } {
  const times: number[] = [];
  let result!: T;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    result = fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: Math.round(times[Math.floor(times.length / 2)] * 10) / 10, result };
}

/** One model of a large generated models file: layers that trip each rule, and layers that do not. */
function modelBlock(i: number): string {
  return `class Block${i}(nn.Module):
    """Residual block ${i}."""

    def __init__(self, c, num_classes=21):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.stem = nn.Conv2d(3, c, 7, stride=2)
        self.head = nn.Sequential(
            nn.Conv2d(c, c // 2, 1),
            nn.BatchNorm2d(c // 2),
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Conv2d(c // 2, num_classes, 3, padding=1)

    def forward(self, x, boxes):
        identity = x
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.bn2(self.conv2(x))
        x = F.relu(x + identity)
        feats = roi_align(self.stem(x), boxes, (7, 7))
        return self.classifier(self.head(x)), feats


def make_optimizer_${i}(model, lr=0.1 * 512 / 256):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    return optimizer


`;
}

const HEADER = 'import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nfrom torchvision.ops import roi_align\n\n\n';

function modelsFile(lines: number): string {
  const parts = [HEADER];
  let n = HEADER.split('\n').length;
  for (let i = 0; n < lines; i++) {
    const b = modelBlock(i);
    parts.push(b);
    n += b.split('\n').length - 1;
  }
  return parts.join('').split('\n').slice(0, lines).join('\n') + '\n';
}

describe('big Python files', () => {
  const file10k = modelsFile(10000);
  const file20k = modelsFile(20000);
  const file100k = modelsFile(100000);

  test('a 10,000-line file (the editor analyses up to mlNotes.analysis.maxLines = 10,000): one analysis on open, a short one after an edit', () => {
    const doc = new DocumentAnalyzer(strictHost);
    const first = timed(1, () => doc.analyze(file10k));
    const lines = file10k.split('\n');
    lines[10] = lines[10] + '  # edited';
    const again = timed(1, () => doc.analyze(lines.join('\n')));
    assert.equal(again.result.findings.length, first.result.findings.length);
    figures.documentAnalyzer10kFirstMs = first.ms;
    figures.documentAnalyzer10kAfterEditMs = again.ms;
  });

  test('a 20,000-line file: analysed whole, and re-analysed incrementally after an edit', () => {
    assert.equal(file20k.split('\n').length - 1, 20000);
    const lint = timed(3, () => lintText(file20k));
    assert.equal(lint.result.syntaxErrors.length, 0);
    assert.ok(lint.result.findings.length > 1000, `${lint.result.findings.length} findings`);
    const doc = new DocumentAnalyzer(strictHost);
    const first = timed(1, () => doc.analyze(file20k));
    const lines = file20k.split('\n');
    lines[10] = lines[10] + '  # edited';
    const edited = lines.join('\n');
    const again = timed(1, () => doc.analyze(edited));
    assert.equal(again.result.findings.length, first.result.findings.length);
    figures.lint20kMs = lint.ms;
    figures.documentAnalyzer20kFirstMs = first.ms;
    figures.documentAnalyzer20kAfterEditMs = again.ms;
    figures.findings20k = lint.result.findings.length;
    badFiles.push({ name: '20,000-line Python file', outcome: `analysed in ${lint.ms} ms, ${lint.result.findings.length} findings` });
  });

  test('a 100,000-line file: lintText completes without throwing, every block analysed', () => {
    assert.equal(file100k.split('\n').length - 1, 100000);
    const lint = timed(1, () => lintText(file100k));
    assert.equal(lint.result.syntaxErrors.length, 0);
    const blocks = (file100k.match(/^class Block/gm) ?? []).length;
    const byRule = new Map<string, number>();
    for (const f of lint.result.findings) byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
    // Each complete block trips the conv-bias rule once (conv1 before bn1); the last block may be cut short.
    assert.ok((byRule.get('conv-bias-before-batchnorm') ?? 0) >= (blocks - 1) * 1, JSON.stringify([...byRule]));
    figures.lint100kMs = lint.ms;
    figures.findings100k = lint.result.findings.length;
    figures.lines100k = 100000;
    badFiles.push({ name: '100,000-line Python file', outcome: `analysed in ${lint.ms} ms, ${lint.result.findings.length} findings` });
  });

  test('fixing the 20,000-line file: the output parses and fixing again changes nothing', () => {
    const fix = timed(1, () => fixText(file20k));
    assert.ok(fix.result.applied.length > 500, `${fix.result.applied.length} fixes`);
    assert.equal(parsePython(fix.result.output).module.errors.length, 0);
    assert.deepEqual(fixText(fix.result.output).applied, []);
    figures.fix20kMs = fix.ms;
  });
});

describe('bad Python files', () => {
  const broken: [string, string][] = [
    ['unterminated string', 'import torch.nn as nn\nx = "never closed\nconv = nn.Conv2d(3, 3, 3)\nbn = nn.BatchNorm2d(3)\n'],
    ['unterminated triple-quoted string', 'import torch.nn as nn\n"""\nconv = nn.Conv2d(3, 3, 3)\n'],
    ['bracket opened on line 1 and never closed', 'x = (\n' + modelBlock(0)],
    ['stray closing brackets', ')]}\n' + HEADER + modelBlock(1)],
    ['indentation error (unexpected indent)', HEADER + '        x = 1\n' + modelBlock(2)],
    ['dedent to a column never used', 'def f():\n        x = 1\n    y = 2\n'],
    ['def without body', 'def f():\n\nclass C:\n'],
    ['Python 2 print statement', 'print "hello"\nexec "x = 1"\n'],
    ['random punctuation', '@@@ ::: ;;; ->->-> ** // %% ^^ ~~ !!\n'],
    ['NUL bytes and control characters', 'import torch\u0000\u0001\u0002\nx = 1\u001b[31m\n\u0000'],
    ['lone surrogates', 'x = "\ud800"\ny = \udfff\n'],
    ['only a BOM', '\ufeff'],
    ['empty', ''],
    ['CR-only line endings', HEADER.replace(/\n/g, '\r') + modelBlock(3).replace(/\n/g, '\r')],
    ['a keyword soup', 'class def if else elif while for in not and or lambda yield return import from as with try except finally raise\n'],
    ['half a model', modelBlock(4).slice(0, 400)],
  ];

  for (const [name, text] of broken) {
    test(`${name}: lintText reports, does not throw; fixText refuses or fixes cleanly`, () => {
      const r = lintText(text);
      const parsesCleanly = parsePython(text).module.errors.length === 0;
      assert.equal(r.syntaxErrors.length > 0, !parsesCleanly);
      const fix = fixText(text);
      if (!parsesCleanly) {
        assert.equal(fix.output, text, 'a file that does not parse is left untouched');
        assert.match(fix.refused ?? '', /does not parse cleanly \(syntax error at line \d+, column \d+(: .+)?\); nothing was changed\./);
      } else {
        assert.equal(parsePython(fix.output).module.errors.length, 0);
      }
      const outcome = !parsesCleanly ? `${r.syntaxErrors.length} syntax error(s) reported; --fix refused` : 'parses; analysed';
      badFiles.push({ name: `Python: ${name}`, outcome });
    });
  }

  test('a syntax error in one class does not hide the findings of the others', () => {
    const text = HEADER + modelBlock(0) + 'class Broken(nn.Module):\n    def __init__(self):\n        self.conv = nn.Conv2d(3, 3, 3\n\n\n' + modelBlock(1);
    const r = lintText(text);
    assert.ok(r.syntaxErrors.length > 0);
    const lines = new Set(r.findings.filter((f) => f.rule === 'conv-bias-before-batchnorm').map((f) => f.range.start.line));
    const block1 = text.split('\n').findIndex((l) => l.startsWith('class Block1'));
    assert.ok([...lines].some((l) => l < block1) && [...lines].some((l) => l > block1), `findings on lines ${[...lines].join(', ')}`);
  });

  test('50,000-character lines: a weights literal, a string, an expression, statements, a Sequential', () => {
    const cases: [string, string][] = [
      ['weights literal', `W = [${Array.from({ length: 7000 }, (_, i) => (i / 7).toFixed(4)).join(', ')}]\n`],
      ['string', `S = "${'x'.repeat(50000)}"\n`],
      ['expression', `y = ${Array.from({ length: 12500 }, () => 'a').join(' + ')}\n`],
      ['statements', `${Array.from({ length: 10001 }, (_, i) => `x${i % 10}=1`).join(';')}\n`],
      ['Sequential on one line', `import torch.nn as nn\nm = nn.Sequential(${Array.from({ length: 1300 }, () => 'nn.Conv2d(8, 8, 3), nn.BatchNorm2d(8)').join(', ')})\n`],
    ];
    let longest = 0;
    for (const [name, text] of cases) {
      const line = text.split('\n').reduce((a, l) => Math.max(a, l.length), 0);
      assert.ok(line >= 50000, `${name}: ${line} characters`);
      const r = timed(1, () => lintText(text));
      longest = Math.max(longest, r.ms);
      if (name === 'Sequential on one line') {
        assert.equal(r.result.findings.length, 1300);
        const fixed = fixText(text);
        assert.equal(parsePython(fixed.output).module.errors.length, 0);
        assert.equal(lintText(fixed.output).findings.length, 0);
      }
      badFiles.push({ name: `Python: 50,000-character line (${name})`, outcome: `analysed in ${r.ms} ms` });
    }
    figures.longLineMaxMs = longest;
  });

  test('mixed tabs and spaces: analysed, findings still found, fixed output parses and is stable', () => {
    const spaces = HEADER + modelBlock(0);
    // Classes indented with tabs, their method bodies with spaces; and a file alternating per method.
    const tabs = spaces.replace(/^( {4})/gm, '\t');
    const alternating = spaces
      .split('\n')
      .map((l, i) => (i % 7 === 0 ? l.replace(/^ {4}/, '\t') : l))
      .join('\n');
    for (const [name, text] of [
      ['tab-indented classes, space-indented bodies', tabs],
      ['tabs and spaces alternating', alternating],
    ]) {
      const r = lintText(text);
      const fix = fixText(text);
      if (fix.applied.length) {
        assert.equal(parsePython(fix.output).module.errors.length, 0, name);
        assert.deepEqual(fixText(fix.output).applied, [], `${name}: fixing again changes nothing`);
        // Lines the fixes did not touch keep their indentation exactly.
        const kept = text.split('\n').filter((l) => /^\s*(def |class |super|return|x = F\.relu)/.test(l));
        for (const l of kept) assert.ok(fix.output.split('\n').includes(l), `${name}: ${JSON.stringify(l)} changed`);
      } else assert.equal(fix.output, text);
      badFiles.push({ name: `Python: mixed tabs and spaces (${name})`, outcome: `${r.findings.length} findings, ${r.syntaxErrors.length} syntax errors, ${fix.applied.length} fixes` });
    }
    assert.ok(lintText(tabs).findings.some((f) => f.rule === 'conv-bias-before-batchnorm'));
  });

  test('deeply nested literals (3,000 levels) and 20,000-term operator chains do not throw', () => {
    // In a fresh process: how deep the recursion gets before it overflows depends on what V8 has optimised so far.
    // A chain of 20,000 terms is a left-nested tree 20,000 levels deep: no syntax error for Python (its compiler gives
    // up with a RecursionError past about 1,000 levels); the analysis reads it without throwing.
    const lint = path.join(__dirname, '..', '..', 'src', 'core', 'lint.js');
    const script = `
      const assert = require('node:assert/strict');
      const { lintText } = require(${JSON.stringify(lint)});
      lintText('x = ' + '['.repeat(3000) + ']'.repeat(3000) + '\\n');
      const chains = {
        sum: 'x = ' + Array(20000).fill('a').join(' + '),
        or: 'x = ' + Array(20000).fill('a').join(' or '),
        compare: 'x = ' + Array(20000).fill('a').join(' < '),
        attributes: 'x = a' + '.b'.repeat(20000),
        calls: 'x = f' + '()'.repeat(20000),
        conv: 'import torch.nn as nn\\nx = ' + Array(20000).fill('a').join(' + ') + '\\nconv = nn.Conv2d(3, 8, 3)\\nbn = nn.BatchNorm2d(8)\\ny = bn(conv(x))',
      };
      for (const [name, text] of Object.entries(chains)) {
        const r = lintText(text + '\\n');
        assert.deepEqual(r.syntaxErrors, [], name);
        if (name === 'conv') assert.ok(r.findings.some((f) => f.rule === 'conv-bias-before-batchnorm'), 'the statements after a deep one are analysed');
      }`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr.split('\n').find((l) => /Error/.test(l)));
  });
});

after(() => {
  unhandled.stop();
  recordFigures('robust-python', { ...figures, badFiles, badFilesTried: badFiles.length, unhandledErrors: unhandled.count });
});

test('no unhandled rejection or uncaught exception', async () => {
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(unhandled.messages, []);
});
