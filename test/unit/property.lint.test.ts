/**
 * Property tests for the Python analysis entry points the CLI and "fix all" use (src/core/lint.ts), covering what
 * test/unit/rules.property.test.ts does not: lintText (with its syntax-error ranges) rather than analyze, fixText on
 * generated models rather than mutated fixtures, each quick fix applied on its own, line endings and indentation
 * kept by fixes, and every range a finding or syntax error reports lying inside the text.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from './fc';
import { fixText, lintText } from '../../src/core/lint';
import { parsePython } from '../../src/core/python/parse';
import { applyEdits, type Range } from '../../src/core/text';
import { propertyRuns, recordFigures, watchUnhandled } from './securityFigures';

// Larger generated values than fast-check's default ("small": strings and arrays of about ten items).
fc.configureGlobal({ ...fc.readConfigureGlobal(), baseSize: 'medium' });

const { runs, check } = propertyRuns();
const unhandled = watchUnhandled();

// ---------------------------------------------------------------------------------------------------------------
// A small grammar of PyTorch models and training set-ups that parse cleanly and trip the rules.

interface Style {
  indent: string;
  eol: string;
  /** How torch.nn is reached: `nn.`, an alias, or names imported directly. */
  ns: { header: string; p: string };
}

const NAMESPACES = [
  { header: 'import torch\nimport torch.nn as nn\n', p: 'nn.' },
  { header: 'import torch\nfrom torch import nn\n', p: 'nn.' },
  { header: 'import torch\nimport torch.nn as tnn\n', p: 'tnn.' },
  { header: 'import torch\nfrom torch.nn import Conv2d, BatchNorm2d, ReLU, Sequential, Module\n', p: '' },
];

const conv = fc.record({
  k: fc.constantFrom('1', '3', 'kernel_size=3', '(3, 3)'),
  pad: fc.constantFrom('', ', padding=1', ', padding=0', ', 1, 1', ', padding=k // 2'),
  bias: fc.constantFrom('', '', ', bias=True', ', bias=False'),
  cout: fc.constantFrom('c', '64', 'num_classes', 'c * 2'),
});

const block = fc.oneof(
  fc.record({ kind: fc.constant('sequential' as const), convs: fc.array(fc.record({ conv, bn: fc.boolean(), relu: fc.boolean() }), { minLength: 1, maxLength: 3 }), multiline: fc.boolean() }),
  fc.record({ kind: fc.constant('attributes' as const), conv, bn: fc.boolean(), nested: fc.boolean() }),
  fc.record({ kind: fc.constant('head' as const), conv }),
  fc.record({ kind: fc.constant('roi' as const), conv }),
);

const training = fc.constantFrom(
  '',
  'def setup(model):\n{i}optimizer = torch.optim.SGD(model.parameters(), lr=0.1 * 2048 / 256, momentum=0.9)\n{i}return optimizer\n',
  'def setup(model, epochs):\n{i}optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)\n{i}scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)\n{i}return optimizer, scheduler\n',
  'def setup(model):\n{i}opt = torch.optim.SGD(model.parameters(), lr=0.4)\n{i}sched = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5)\n{i}return opt, sched\n',
);

const program = fc
  .record({
    ns: fc.constantFrom(...NAMESPACES),
    indent: fc.constantFrom('    ', '  ', '\t'),
    eol: fc.constantFrom('\n', '\n', '\r\n'),
    blocks: fc.array(block, { minLength: 1, maxLength: 4 }),
    training,
    comments: fc.boolean(),
  })
  .map(({ ns, indent, eol, blocks, training: train, comments }) => renderProgram({ ns, indent, eol }, blocks, train, comments));

type Block = typeof block extends fc.Arbitrary<infer T> ? T : never;
type Conv = typeof conv extends fc.Arbitrary<infer T> ? T : never;

function renderProgram(style: Style, blocks: Block[], train: string, comments: boolean): string {
  const { p } = style.ns;
  const I = style.indent;
  // Positional stride and padding only after a positional kernel size (Python refuses them after a keyword).
  const convCall = (c: Conv, cin = 'c') => `${p}Conv2d(${cin}, ${c.cout}, ${c.k}${c.k.includes('=') && c.pad === ', 1, 1' ? ', stride=1, padding=1' : c.pad}${c.bias})`;
  const init: string[] = [];
  const forward: string[] = [];
  let roi = false;
  blocks.forEach((b, i) => {
    if (b.kind === 'sequential') {
      const layers = b.convs.flatMap((x) => [convCall(x.conv), ...(x.bn ? [`${p}BatchNorm2d(${x.conv.cout})`] : []), ...(x.relu ? [`${p}ReLU(inplace=True)`] : [])]);
      if (b.multiline) init.push(`self.block${i} = ${p}Sequential(`, ...layers.map((l) => `${I}${l},`), ')');
      else init.push(`self.block${i} = ${p}Sequential(${layers.join(', ')})`);
      forward.push(`x = self.block${i}(x)`);
    } else if (b.kind === 'attributes') {
      init.push(`self.conv${i} = ${convCall(b.conv)}`);
      if (b.bn) init.push(`self.bn${i} = ${p}BatchNorm2d(${b.conv.cout})`);
      forward.push(b.bn ? (b.nested ? `x = self.bn${i}(self.conv${i}(x))` : `x = self.conv${i}(x)\nx = self.bn${i}(x)`) : `x = self.conv${i}(x)`);
    } else if (b.kind === 'head') {
      init.push(`self.classifier${i} = ${p}Conv2d(c, num_classes, 3, padding=1)`);
      forward.push(`x = self.classifier${i}(x)`);
    } else {
      roi = true;
      init.push(`self.stem${i} = ${convCall({ ...b.conv, pad: '' })}`);
      forward.push(`x = self.stem${i}(x)`, 'x = roi_align(x, boxes, (7, 7))');
    }
  });
  const base = p ? `${p}Module` : 'Module';
  const lines = [
    style.ns.header + (roi ? 'from torchvision.ops import roi_align\n' : ''),
    '',
    `class Net(${base}):`,
    `${I}def __init__(self, c, num_classes, k=3):`,
    `${I}${I}super().__init__()`,
    ...init.map((l) => `${I}${I}${l}`),
    '',
    `${I}def forward(self, x, boxes=None):`,
    ...forward.flatMap((l) => l.split('\n')).map((l) => `${I}${I}${l}`),
    `${I}${I}return x`,
    '',
    '',
    train.replace(/\{i\}/g, I),
  ];
  let text = lines.join('\n');
  if (comments) text = text.replace(/^(\s*)(self\.\w+ = )/gm, '$1# a layer\n$1$2');
  return text.replace(/\n/g, style.eol);
}

// ---------------------------------------------------------------------------------------------------------------

function assertRangeInside(text: string, r: Range, what: string): void {
  const lines = text.split(/\r\n|\r|\n/); // LSP line breaks, as LineIndex counts them
  const ok = (p: { line: number; character: number }) => p.line >= 0 && p.line < lines.length && p.character >= 0 && p.character <= lines[p.line].length;
  assert.ok(ok(r.start) && ok(r.end), `${what}: ${JSON.stringify(r)} outside the text`);
  assert.ok(r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character), `${what}: inverted range`);
}

function assertLintResult(text: string): void {
  const r = lintText(text, { instanceNormAsBatchNorm: true });
  for (const e of r.syntaxErrors) assertRangeInside(text, e, 'syntax error');
  for (const f of r.findings) {
    assertRangeInside(text, f.range, f.rule);
    for (const fix of f.fixes) for (const e of fix.edits) assertRangeInside(text, e.range, `${f.rule} fix edit`);
  }
}

const parsesCleanly = (text: string) => parsePython(text).module.errors.length === 0;

describe('properties: lintText and fixText', () => {
  test('the generated models parse cleanly and most of them trip a rule (the generator is worth running)', () => {
    const sample = fc.sample(program, { numRuns: 100, seed: 42 });
    assert.ok(sample.every(parsesCleanly), 'every generated program parses');
    assert.ok(sample.filter((t) => lintText(t).findings.some((f) => f.fixes.some((x) => x.isPreferred))).length >= 40, 'fixable findings in at least 40 of 100');
  });

  test('lintText never throws; every syntax error, finding and fix edit lies inside the text', () => {
    check('lintText: arbitrary strings (ranges inside the text)', fc.property(fc.string({ maxLength: 300 }), assertLintResult), 2000);
    check('lintText: generated models (ranges inside the text)', fc.property(program, assertLintResult), 1000);
    check(
      'lintText: generated models with a random line cut, doubled or re-indented',
      fc.property(program, fc.nat(), fc.constantFrom('cut', 'double', 'tab', 'spaces', 'long'), (text, at, kind) => {
        const lines = text.split('\n');
        const i = at % lines.length;
        if (kind === 'cut') lines[i] = lines[i].slice(0, Math.floor(lines[i].length / 2));
        else if (kind === 'double') lines.splice(i, 0, lines[i]);
        else if (kind === 'tab') lines[i] = '\t' + lines[i].trimStart();
        else if (kind === 'spaces') lines[i] = '     ' + lines[i].trimStart();
        else lines[i] = lines[i] + ' + x'.repeat(2000);
        assertLintResult(lines.join('\n'));
      }),
      1000,
    );
  });

  test('fixText never throws on arbitrary text, and text it refuses comes back unchanged', () => {
    check(
      'fixText: arbitrary strings',
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = fixText(s);
        if (!r.applied.length) assert.equal(r.output, s);
        else assert.ok(parsesCleanly(r.output));
      }),
      2000,
    );
  });

  test('fixing a generated model: the output parses, keeps its line endings and indentation, and fixing again changes nothing', () => {
    check(
      'fixText: generated models (parses, idempotent, line endings and indentation kept)',
      fc.property(program, (text) => {
        const first = fixText(text);
        assert.ok(parsesCleanly(first.output), 'fixed text parses');
        const crlf = text.includes('\r\n');
        if (crlf) assert.doesNotMatch(first.output, /(?<!\r)\n/, 'a CRLF file keeps CRLF');
        else assert.doesNotMatch(first.output, /\r/, 'an LF file gets no CR');
        const indentChars = new Set((text.match(/^[ \t]+/gm) ?? []).map((s) => s[0]));
        for (const ws of first.output.match(/^[ \t]+/gm) ?? []) assert.ok(indentChars.has(ws[0]), `indentation ${JSON.stringify(ws)} not used in the input`);
        const second = fixText(first.output);
        assert.equal(second.output, first.output, 'fixing again changes nothing');
        assert.deepEqual(second.applied, []);
      }),
      1000,
    );
  });

  test('each quick fix applied on its own (as the editor does) leaves text that parses', () => {
    check(
      'quick fixes one at a time: the result parses',
      fc.property(program, (text) => {
        for (const f of lintText(text).findings) {
          for (const fix of f.fixes) {
            const out = applyEdits(text, fix.edits);
            assert.ok(parsesCleanly(out), `${f.rule}: "${fix.title}" breaks the syntax`);
          }
        }
      }),
      1000,
    );
  });
});

after(() => {
  unhandled.stop();
  recordFigures('property-lint', { properties: runs, unhandledErrors: unhandled.count });
});

test('no unhandled rejection or uncaught exception during the properties', async () => {
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(unhandled.messages, []);
});
