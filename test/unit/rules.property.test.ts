/**
 * Property tests: the analysis never throws (nor lets a rule fail) on arbitrary text, on Python-like token
 * soup, or on fixture files mutated at random; fixing is idempotent and never breaks the syntax.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from './fc';
import { fixturesDir } from './helpers';
import { analyze, analyzeParsed, DocumentAnalyzer, strictHost } from '../../src/core/rules/index';
import { fixText } from '../../src/core/lint';
import { parsePython } from '../../src/core/python/parse';

/** `analyze` runs the built-in rules with a reporter that rethrows: a rule that throws fails the property. */
function analyzeStrict(text: string): void {
  analyze(text, { instanceNormAsBatchNorm: true });
}

const fixtureFiles: { name: string; text: string }[] = [];
for (const rule of readdirSync(join(fixturesDir, 'rules'))) {
  const dir = join(fixturesDir, 'rules', rule);
  if (!rule.includes('-')) continue;
  for (const f of readdirSync(dir)) if (f.endsWith('.py')) fixtureFiles.push({ name: `${rule}/${f}`, text: readFileSync(join(dir, f), 'utf8') });
}

const TOKENS = [
  'import torch.nn as nn\n',
  'from torch import nn\n',
  'from tensorflow.keras import layers\n',
  'import flax.linen as nn\n',
  'from functools import partial\n',
  'class M(nn.Module):\n',
  '    def __init__(self, c, norm_layer=nn.BatchNorm2d):\n',
  '    def forward(self, x):\n',
  'def f(x):\n',
  '@nn.compact\n',
  '        ',
  '    ',
  '\n',
  'self.conv = ',
  'self.bn = ',
  'x = ',
  'layers = []\n',
  'layers += [',
  'layers.append(',
  'return nn.Sequential(*layers)\n',
  'nn.Conv2d(',
  'nn.BatchNorm2d(',
  'nn.Sequential(',
  'OrderedDict([(',
  'layers.Conv2D(',
  'layers.BatchNormalization()(',
  'partial(nn.Conv2d, ',
  'norm_layer(',
  'self.conv(',
  'self.bn(',
  'roi_align(',
  'torch.optim.SGD(',
  'CosineAnnealingLR(',
  'ConstantLR(',
  'lr * batch_size / 256',
  'num_classes',
  'kernel_size=3',
  'padding=1',
  'bias=True',
  'bias=False',
  'use_bias=',
  'warmup_method="constant"',
  'x',
  'c',
  '3',
  ', ',
  '(',
  ')',
  '[',
  ']',
  ':',
  '=',
  '*',
  '**',
  'if c:\n',
  'else:\n',
  'for v in cfg:\n',
  'not ',
  ' if c else ',
  '#',
  '"',
  "'''",
  '\\',
];

const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((t) => t.join(''));

interface RandomEdit {
  kind: 'delete' | 'insert' | 'duplicate' | 'swap';
  at: number;
  len: number;
  token: string;
}

/** One random edit: `at` and `len` taken modulo the text (or its lines), so any numbers make a valid edit. */
function applyEdit(text: string, e: RandomEdit): string {
  const at = text.length ? e.at % text.length : 0;
  if (e.kind === 'delete') return text.slice(0, at) + text.slice(at + e.len);
  if (e.kind === 'insert') return text.slice(0, at) + e.token + text.slice(at);
  const lines = text.split('\n');
  const i = lines.length ? e.at % lines.length : 0;
  if (e.kind === 'duplicate') lines.splice(i, 0, lines[i] ?? '');
  else if (i + 1 < lines.length) [lines[i], lines[i + 1]] = [lines[i + 1], lines[i]];
  return lines.join('\n');
}

/** A fixture with a few random edits: deletions, insertions of tokens, duplicated or swapped lines. */
const mutatedFixture = fc
  .record({
    file: fc.integer({ min: 0, max: Math.max(0, fixtureFiles.length - 1) }),
    edits: fc.array(
      fc.record({
        kind: fc.constantFrom('delete', 'insert', 'duplicate', 'swap'),
        at: fc.nat(),
        len: fc.integer({ min: 1, max: 40 }),
        token: fc.constantFrom(...TOKENS),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map(({ file, edits }) => {
    let text = fixtureFiles[file].text;
    for (const e of edits) {
      text = applyEdit(text, e);
    }
    return text;
  });

describe('properties', () => {
  test('there are fixtures to mutate', () => {
    assert.ok(fixtureFiles.length > 20);
  });

  test('analysis never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => analyzeStrict(s)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => analyzeStrict(s)),
      { numRuns: 150 },
    );
  });

  test('analysis never throws on Python-like token soup', () => {
    fc.assert(fc.property(tokenSoup, (s) => analyzeStrict(s)), { numRuns: 400 });
  });

  test('analysis never throws on mutated fixtures, and the rules\' actions at a position neither', () => {
    fc.assert(
      fc.property(mutatedFixture, fc.nat(), fc.nat(), (text, line, character) => {
        analyzeStrict(text);
        const lines = text.split('\n').length;
        strictHost.actionsAt(text, { line: line % lines, character: character % 80 });
      }),
      { numRuns: 200 },
    );
  });

  test('fixing a mutated fixture keeps it parsing and is idempotent', () => {
    fc.assert(
      fc.property(mutatedFixture, (text) => {
        const first = fixText(text);
        if (first.refused && !first.applied.length) {
          assert.equal(first.output, text, 'refused text is returned unchanged');
          return;
        }
        assert.equal(parsePython(first.output).module.errors.length, 0, 'fixed text parses');
        const second = fixText(first.output);
        assert.equal(second.output, first.output, 'fixing again changes nothing');
      }),
      { numRuns: 150 },
    );
  });

  test('re-analysing a document edit by edit gives what analysing each version from scratch gives', () => {
    // The same findings as a full analysis of the same parse; for text that parses cleanly, the same as
    // analysing the text from scratch (with syntax errors, an incremental parse may recover differently).
    const check = (doc: DocumentAnalyzer, text: string, options: { instanceNormAsBatchNorm: boolean }) => {
      const got = doc.analyze(text, options).findings;
      assert.deepEqual(got, analyzeParsed(doc.lastParse!, options));
      if (!doc.lastParse!.module.errors.length) assert.deepEqual(got, analyze(text, options));
    };
    const edit = fc.record({
      kind: fc.constantFrom('delete', 'insert', 'duplicate', 'swap'),
      at: fc.nat(),
      len: fc.integer({ min: 1, max: 30 }),
      token: fc.constantFrom(...TOKENS),
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: fixtureFiles.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 6 }), fc.boolean(), (file, edits, inorm) => {
        const doc = new DocumentAnalyzer(strictHost);
        const options = { instanceNormAsBatchNorm: inorm };
        let text = fixtureFiles[file].text;
        check(doc, text, options);
        for (const e of edits) {
          text = applyEdit(text, e);
          check(doc, text, options);
        }
      }),
      { numRuns: 150 },
    );
  });

  test('a helper a module-level statement calls is analysed as it is from anywhere else (no memo of a lookup cut short)', () => {
    // Breaking `def build_model(` leaves its body at module level, calling `stem(inputs)`: the lookups of stem's layers
    // then start deep in a call chain from the module body. The findings inside stem must not change.
    const before = fixtureFiles.find((f) => f.name === 'conv-bias-before-batchnorm/keras_functional.py')!.text;
    const after = before.replace('def build_model(input_shape=(224, 224, 3), num_classes=1000):', 'def build_model(input_shape=(224, 224, 3)s=1000):');
    assert.notEqual(after, before);
    const doc = new DocumentAnalyzer(strictHost);
    doc.analyze(before);
    const lines = (fs: readonly { range: { start: { line: number } } }[]) => fs.map((f) => f.range.start.line + 1);
    const got = doc.analyze(after).findings;
    assert.deepEqual(lines(got), lines(analyzeParsed(doc.lastParse!)));
    const stemSeparable = before.split('\n').findIndex((l) => l.includes('SeparableConv2D(128')) + 1;
    assert.ok(lines(got).includes(stemSeparable), `the SeparableConv2D on line ${stemSeparable} is reported: ${lines(got).join(', ')}`);
  });

  test('a helper reached through the module body (an alias, a function declaring a global): re-analysis after the helper changes agrees', () => {
    // The class names `conv3`, which the module body binds to the helper: what the helper builds decides the finding, so
    // a change in the helper alone must reach the class, in both directions.
    const helper = ['def conv2d_same(c_in, c_out):', '    return nn.Conv2d(c_in, c_out, 3, padding=1)'];
    const viaAlias = ['conv3 = conv2d_same'];
    const viaGlobal = ['def conv3(c_in, c_out):', '    global calls', '    calls += 1', '    return conv2d_same(c_in, c_out)'];
    for (const binding of [viaAlias, viaGlobal]) {
      const withBias = [
        'import torch.nn as nn',
        '',
        'calls = 0',
        '',
        '',
        ...helper,
        '',
        '',
        ...binding,
        '',
        '',
        'class Block(nn.Module):',
        '    def __init__(self, c):',
        '        super().__init__()',
        '        self.conv = conv3(c, c)',
        '        self.bn = nn.BatchNorm2d(c)',
        '',
        '    def forward(self, x):',
        '        return self.bn(self.conv(x))',
        '',
      ].join('\n');
      const without = withBias.replace('padding=1)', 'padding=1, bias=False)');
      assert.equal(analyze(withBias).length, 1, `${binding[0]}: the conv is reported`);
      for (const [from, to] of [
        [withBias, without],
        [without, withBias],
      ]) {
        const doc = new DocumentAnalyzer(strictHost);
        doc.analyze(from);
        assert.deepEqual(doc.analyze(to).findings, analyze(to), `${binding[0]}: bias ${from === withBias ? 'turned off' : 'turned back on'} in the helper`);
      }
    }
  });

  test('a layer built by a helper or a class of the file and applied in a subclass: re-analysis after the subclass changes agrees', () => {
    // The instance is made in B and applied in B2's forward: what B2 does with it decides the finding, so a change in B2
    // alone must reach it (through B, whose signature covers its subclasses), in both directions.
    const helper = ['def sep(c):', '    return nn.Conv2d(c, c, 1)'];
    const moduleClass = ['class Sep(nn.Module):', '    def __init__(self, c):', '        super().__init__()', '        self.conv = nn.Conv2d(c, c, 1)', '', '    def forward(self, x):', '        return self.conv(x)'];
    for (const [maker, build] of [
      [helper, 'sep(c)'],
      [moduleClass, 'Sep(c)'],
    ] as const) {
      const withBn = [
        'import torch.nn as nn',
        '',
        '',
        ...maker,
        '',
        '',
        'class B(nn.Module):',
        '    def __init__(self, c):',
        '        super().__init__()',
        `        self.s = ${build}`,
        '        self.bn = nn.BatchNorm2d(c)',
        '',
        '',
        'class B2(B):',
        '    def forward(self, x):',
        '        return self.bn(self.s(x))',
        '',
      ].join('\n');
      const without = withBn.replace('return self.bn(self.s(x))', 'return self.s(x)');
      for (const [from, to] of [
        [withBn, without],
        [without, withBn],
      ]) {
        const doc = new DocumentAnalyzer(strictHost);
        doc.analyze(from);
        assert.deepEqual(doc.analyze(to).findings, analyze(to), `${build}: ${from === withBn ? 'batch norm removed' : 'batch norm added'} in the subclass`);
      }
    }
    assert.equal(analyze(['import torch.nn as nn', '', '', ...helper, '', '', 'class B(nn.Module):', '    def __init__(self, c):', '        super().__init__()', '        self.s = sep(c)', '        self.bn = nn.BatchNorm2d(c)', '', '', 'class B2(B):', '    def forward(self, x):', '        return self.bn(self.s(x))', ''].join('\n')).length, 1, 'the helper case is reported');
  });

  test('re-analysing after line edits in a whole fixture folder file gives the same findings as from scratch', () => {
    // Edits that keep the file parsing (so the per-unit cache is used): comments appended to lines.
    for (const { name, text } of fixtureFiles) {
      const doc = new DocumentAnalyzer(strictHost);
      doc.analyze(text);
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i += 3) {
        if (!lines[i].trim() || lines[i].includes('"""') || lines[i].trimEnd().endsWith('\\')) continue;
        const edited = [...lines];
        edited[i] = `${edited[i]}  # edited`;
        const t = edited.join('\n');
        assert.deepEqual(doc.analyze(t).findings, analyze(t), `${name}, after editing line ${i + 1}`);
      }
    }
  });

  test('re-parsing a document edit by edit gives the tree a parse from scratch gives', () => {
    // The statements after the edit are kept from the previous version (offsets moved) once the two versions meet
    // again; before it, those before the edit. Every offset, call list, comment and error must be where a fresh
    // parse puts it (with syntax errors, recovery may differ: compared only for text that parses).
    const edit = fc.record({
      kind: fc.constantFrom('delete', 'insert', 'duplicate', 'swap'),
      at: fc.nat(),
      len: fc.integer({ min: 1, max: 30 }),
      token: fc.constantFrom(...TOKENS, '"""', "'", '#', '\\\n', '\t', '\r\n', 'x = 1\n', '# ml-notes: ignore\n'),
    });
    const shape = (p: ReturnType<typeof parsePython>) => ({
      module: p.module,
      units: p.units.map((u) => ({ ...u, calls: u.calls.map((c) => c.from), products: u.products.map((x) => x.from), dicts: u.dicts.map((x) => x.from), warmAttrs: u.warmAttrs.map((x) => x.from) })),
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: fixtureFiles.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 6 }), (file, edits) => {
        let text = fixtureFiles[file].text;
        let parsed = parsePython(text);
        for (const e of edits) {
          text = applyEdit(text, e);
          parsed = parsePython(text, parsed);
          const fresh = parsePython(text);
          if (!fresh.module.errors.length) assert.deepEqual(shape(parsed), shape(fresh));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('an edit keeps the statements after it, moved, and re-parses what it changes until the versions meet', () => {
    const head = 'import torch.nn as nn\n\n\ndef a():\n    return nn.Conv2d(3, 8, 3)\n\n\n';
    const tail = 'class B(nn.Module):\n    def __init__(self):\n        self.conv = nn.Conv2d(3, 8, 3)  # kept\n';
    const v1 = parsePython(`${head}x = 1\n\n\n${tail}`);
    const kept = v1.units[v1.units.length - 1].stmts;
    const v2 = parsePython(`${head}xs = [1, 2]\n\n\n${tail}`, v1);
    const last = v2.units[v2.units.length - 1];
    assert.equal(last.stmts, kept, 'the class after the edit is the same statement, not parsed again');
    assert.deepEqual(shape(v2), shape(parsePython(v2.text)));
    // A bracket left open swallows what follows: parsing goes on past the class, with Python's error.
    const v3 = parsePython(`${head}xs = [1, 2\n\n\n${tail}`, v2);
    assert.deepEqual(v3.module.errors, parsePython(v3.text).module.errors);
    assert.ok(v3.module.errors.length);
    // A version whose statements moved on is never used again, even for its own text.
    assert.notEqual(parsePython(v1.text, v1), v1);
    assert.deepEqual(shape(parsePython(v1.text, v1)), shape(parsePython(v1.text)));
    const v4 = parsePython(`${head}xs = [1, 2]\n\n\n${tail}`, v3);
    assert.deepEqual(shape(v4), shape(parsePython(v4.text)));
    // Calls the statements' trees do not hold (in an f-string's fields, a lambda's defaults, an except clause, the
    // cases of a match) move with them too.
    const loose = [
      'def b(t):\n    print(f"{len(t)} {t.view(t.size(0), -1)!r}")\n    g = lambda x=nn.Conv2d(3, 8, 3): x\n',
      '    try:\n        pass\n    except getattr(nn, "Error", ValueError):\n        pass\n',
      '    match t:\n        case [x] if len(x) > 2:\n            nn.BatchNorm2d(x)\n',
    ].join('');
    const v5 = parsePython(`${head}x = 1\n\n\n${loose}`);
    const v6 = parsePython(`${head}x = 12\n\n\n${loose}`, v5);
    assert.deepEqual(v6.units.map((u) => u.calls.map((c) => [c.from, c.openParen, c.closeParen, ...c.commas])), parsePython(v6.text).units.map((u) => u.calls.map((c) => [c.from, c.openParen, c.closeParen, ...c.commas])));
    assert.deepEqual(shape(v6), shape(parsePython(v6.text)));
    // Moved again (the places holding their offsets were gathered on the first move, and are reused), the other way;
    // each version checked before the next moves the statements it shares with it.
    let v = v6;
    for (const x of ['12345', '1']) {
      v = parsePython(`${head}x = ${x}\n\n\n${loose}`, v);
      assert.deepEqual(v.units.map((u) => u.calls.map((c) => [c.from, c.openParen, c.closeParen, ...c.commas])), parsePython(v.text).units.map((u) => u.calls.map((c) => [c.from, c.openParen, c.closeParen, ...c.commas])));
      assert.deepEqual(v.module, parsePython(v.text).module);
    }
    assert.equal(v.units[v.units.length - 1].stmts, v5.units[v5.units.length - 1].stmts, 'the same statements, moved three times');
    function shape(p: ReturnType<typeof parsePython>) {
      return { module: p.module, units: p.units.map((u) => ({ from: u.from, to: u.to, key: u.key, comments: u.comments })) };
    }
  });

  test("a file's header comments stay when its first statement is edited", () => {
    const text = '# ml-notes: ignore-file[conv-bias-before-batchnorm]\nimport torch.nn as nn\n\nblock = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))\n';
    const doc = new DocumentAnalyzer(strictHost);
    assert.deepEqual(doc.analyze(text).findings, []);
    const edited = text.replace('import torch.nn as nn', 'import torch.nn as nn  # layers');
    assert.deepEqual(doc.analyze(edited).findings, [], 'the ignore-file line above the edited import still counts');
    assert.ok(analyze(edited.replace('# ml-notes: ignore-file[conv-bias-before-batchnorm]\n', '')).length, 'the finding it hides');
  });
});
