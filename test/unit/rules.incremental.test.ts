/**
 * The re-analysis of edited documents (DocumentAnalyzer: the unit cache, the scopes and call targets kept per
 * top-level statement) gives what a fresh analysis of each version gives, in the cases where something kept could go
 * stale: an edit in a caller changing a callee's finding, a base class edited, a helper renamed, a duplicate definition
 * added, a function assigning a module name through `global`. The parse keeps the statements before and after each
 * edit, their nodes moved in place (parse.ts): what is kept per statement must follow them.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from './helpers';
import { analyze, analyzeParsed, DocumentAnalyzer, strictHost, type Rule } from '../../src/core/rules/index';
import type { Finding } from '../../src/core/rules/types';
import { generatePyTorchFile } from '../../bench/analysis';

const HEAD = 'import torch.nn as nn\n\n\n';

/** Module text from top-level blocks. */
const py = (...blocks: string[]) => HEAD + blocks.map((b) => `${b.trim()}\n`).join('\n\n');

const BLOCK_FLAG = `
class Block(nn.Module):
    def __init__(self, c, use_bn=False):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.bn = nn.BatchNorm2d(c) if use_bn else nn.Identity()

    def forward(self, x):
        return self.bn(self.conv(x))`;

const BLOCK_BIAS = `
class Block(nn.Module):
    def __init__(self, c, bias=True):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1, bias=bias)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        return self.bn(self.conv(x))`;

const net = (call: string) => `
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = ${call}

    def forward(self, x):
        return self.block(x)`;

const helper = (name: string, bias: string) => `
def ${name}(i, o):
    return nn.Conv2d(i, o, 3, padding=1${bias})`;

const USER = `
class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = conv3x3(3, 8)
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x):
        return self.bn(self.conv(x))`;

const base = (layers: string) => `
class Base(nn.Module):
    def __init__(self):
        super().__init__()
${layers}`;

const CHILD = `
class Child(Base):
    def forward(self, x):
        return self.bn(self.conv(x))`;

const setup = (norm: string) => `
def setup():
    global Norm
    Norm = ${norm}`;

const USES_NORM = `
class UsesNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.bn = Norm(8)

    def forward(self, x):
        return self.bn(self.conv(x))`;

const make = (comment: string) => `
def make():
    return Block(4)${comment}`;

/** A caller of Gated growing by `n` lines: Gated, after it, moves without changing (and is analysed again). */
const build = (n: number) => `
def build():
${'    x = 1\n'.repeat(n)}    return Gated(8)`;

/** The batch norm under a local flag, bound after the conv (a fix cannot test it there) or before. */
const gated = (flagFirst: boolean) => `
class Gated(nn.Module):
    def __init__(self, c, use_bn=False):
        super().__init__()
${flagFirst ? '        norm = use_bn\n' : ''}        self.conv = nn.Conv2d(c, c, 3)
${flagFirst ? '' : '        norm = use_bn\n'}        self.bn = nn.BatchNorm2d(c) if norm else nn.Identity()

    def forward(self, x):
        return self.bn(self.conv(x))`;

/** USER under another name, its batch norm replaced when `norm` is given, `extra` after it. */
const user2 = (norm = 'nn.BatchNorm2d(8)', extra = '') => USER.replace('class Stem', 'class Stem2').replace('nn.BatchNorm2d(8)', norm + extra);

const COMPOSE = `
def compose(*funcs):
    return reduce(lambda f, g: lambda *a: g(f(*a)), funcs)`;

const COMPOSED_BLOCK = `
def block(c):
    return compose(nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU())`;

/** Each scenario: successive versions of one document, at least two of them with different findings. */
const SCENARIOS: Record<string, string[]> = {
  'a caller passes the flag that puts batch norm after the callee’s conv': [
    py(BLOCK_FLAG, net('Block(8)')),
    py(BLOCK_FLAG, net('Block(8, use_bn=True)')),
    py(BLOCK_FLAG, net('Block(8)')),
  ],
  'a caller turns the callee’s bias off': [py(BLOCK_BIAS, net('Block(8)')), py(BLOCK_BIAS, net('Block(8, bias=False)')), py(BLOCK_BIAS, net('Block(8, bias=True)'))],
  'the caller comes before the callee': [py(net('Block(8)'), BLOCK_FLAG), py(net('Block(8, use_bn=True)'), BLOCK_FLAG)],
  // The edit lies between them: both are kept (the callee moved by it), and what the caller's calls were found to call
  // must be the callee of the new version's model.
  'a caller kept before the edit, its callee after it': [
    py(net('Block(8, use_bn=True)'), make(''), BLOCK_FLAG),
    py(net('Block(8, use_bn=True)'), make('  # edited'), BLOCK_FLAG),
    py(net('Block(8)'), make('  # edited'), BLOCK_FLAG),
  ],
  'a unit moved by an edit before it, where a name is bound': [py(build(1), gated(false)), py(build(30), gated(false)), py(build(30), gated(true)), py(build(1), gated(true))],
  'a base class edited': [
    py(base('        self.conv = nn.Conv2d(3, 8, 3)\n        self.bn = nn.BatchNorm2d(8)'), CHILD),
    py(base('        self.conv = nn.Conv2d(3, 8, 3, bias=False)\n        self.bn = nn.BatchNorm2d(8)'), CHILD),
    py(base('        self.conv = nn.Conv2d(3, 8, 3)\n        self.bn = nn.Identity()'), CHILD),
  ],
  // A helper whose conv has its bias off is kept when only its callers change (no finding of it can depend on them);
  // with its bias on, a caller's edit can change its finding.
  'callers of a helper edited, the helper’s bias off, then on': [
    py(helper('conv3x3', ', bias=False'), USER, user2()),
    py(helper('conv3x3', ', bias=False'), USER, user2(undefined, '\n        self.extra = nn.ReLU()')),
    py(helper('conv3x3', ''), USER, user2(undefined, '\n        self.extra = nn.ReLU()')),
    py(helper('conv3x3', ''), USER, user2()),
    py(helper('conv3x3', ''), USER, user2('nn.Identity()')),
    py(helper('conv3x3', ''), USER, user2()),
  ],
  'a helper renamed, then named back': [py(helper('conv3x3', ''), USER), py(helper('conv3x3_', ''), USER), py(helper('conv3x3', ''), USER)],
  'a duplicate definition added after, then before': [
    py(helper('conv3x3', ''), USER),
    py(helper('conv3x3', ''), helper('conv3x3', ', bias=False'), USER),
    py(helper('conv3x3', ''), USER),
    py(helper('conv3x3', ', bias=False'), helper('conv3x3', ''), USER),
  ],
  'a duplicate class added after its callers': [py(BLOCK_FLAG, net('Block(8, use_bn=True)')), py(BLOCK_FLAG, net('Block(8, use_bn=True)'), BLOCK_BIAS.replace('bias=True', 'bias=False'))],
  'a function assigns a module name through global': [py(setup('nn.BatchNorm2d'), USES_NORM), py(setup('nn.Identity'), USES_NORM), py(setup('nn.BatchNorm2d'), USES_NORM)],
  // Whether the helper composes its arguments depends on what `reduce` names: the helper is kept, the import is edited.
  'a composing helper kept while the import of reduce changes': [
    py('from functools import reduce', COMPOSE, COMPOSED_BLOCK),
    py('from mylib import reduce', COMPOSE, COMPOSED_BLOCK),
    py('from functools import reduce', COMPOSE, COMPOSED_BLOCK),
  ],
  'an alias in the module body': [py(BLOCK_FLAG, 'B = Block', net('B(8, use_bn=True)')), py(BLOCK_FLAG, 'B = nn.Identity', net('B(8, use_bn=True)'))],
};

const keyOf = (fs: Finding[]) => JSON.stringify(fs.map((f) => [f.rule, f.range.start.line, f.message]));

describe('re-analysis of edited documents', () => {
  for (const [name, versions] of Object.entries(SCENARIOS)) {
    test(name, () => {
      const doc = new DocumentAnalyzer(strictHost);
      const seen = new Set<string>();
      versions.forEach((text, i) => {
        const expected = analyze(text);
        assert.deepEqual(doc.analyze(text).findings, expected, `version ${i + 1}`);
        seen.add(keyOf(expected));
      });
      assert.ok(seen.size > 1, 'the versions differ in their findings');
    });
  }

  test('line edits in the rule fixtures, the statements after each edit kept and moved', () => {
    for (const rule of readdirSync(join(fixturesDir, 'rules'))) {
      if (!rule.includes('-')) continue;
      const dir = join(fixturesDir, 'rules', rule);
      for (const f of readdirSync(dir)) {
        if (!f.endsWith('.py')) continue;
        const text = readFileSync(join(dir, f), 'utf8');
        const doc = new DocumentAnalyzer(strictHost);
        doc.analyze(text);
        const lines = text.split('\n');
        let current = lines;
        for (let i = 0; i < lines.length; i += 3) {
          if (!lines[i].trim() || lines[i].includes('"""') || lines[i].trimEnd().endsWith('\\')) continue;
          current = [...current];
          current[i] = `${current[i]}  # edited`;
          const t = current.join('\n');
          assert.deepEqual(doc.analyze(t).findings, analyze(t), `${rule}/${f}, after editing line ${i + 1}`);
        }
      }
    }
  });
});

test('edits one after the other across a long model file: the findings and their positions a fresh analysis gives', () => {
  // Each edit moves every statement after it (their nodes, comments and signatures kept), by more or fewer characters
  // and lines; comments added by earlier edits move with the statements they follow.
  let text = generatePyTorchFile(1500);
  const doc = new DocumentAnalyzer(strictHost);
  doc.analyze(text);
  const edits: ((line: string) => string)[] = [(l) => `${l}  # note`, (l) => `${l}\n`, (l) => `# above\n${l}`, (l) => l.replace(/ {2}# note$/, '')];
  let changed = 0;
  for (let i = 0; i < 24; i++) {
    const lines = text.split('\n');
    const at = 30 + ((i * 397) % (lines.length - 60));
    if (lines[at].trimEnd().endsWith(',') || lines[at].trimEnd().endsWith('(')) continue;
    const before = lines[at];
    lines[at] = edits[i % edits.length](before);
    if (lines[at] === before) continue;
    text = lines.join('\n');
    const fresh = analyze(text);
    assert.deepEqual(doc.analyze(text).findings, fresh, `after edit ${i + 1}, at line ${at + 1}`);
    changed++;
  }
  assert.ok(changed >= 16, `${changed} edits`);
});

test('a fix that follows what the whole file asks Keras\' backend (the data format) is made again when that changes elsewhere', () => {
  // Edits as a random edit sequence made them (the head's statement kept, broken by an unclosed bracket, from the
  // second edit on): the last one changes the only call asking the backend for the data format.
  const fixture = readFileSync(join(fixturesDir, 'rules', 'segmentation-head-3x3-classifier', 'keras_runtime_head.in.py'), 'utf8');
  const head = "    x = Conv3x3BnReLU(segmentation_filters, name='final_stage')(x";
  const v1 = fixture.replace('models = None\n', 'models = None\nif stride != 1:\n');
  const v2 = v1.replace(`${head})\n`, `${head}\n`);
  const v3 = v2.replace(`${head}\n`, `    filters = backend.int_shape(x)[-1]\n${head}\n`);
  const v4 = v3.replace('backend.image_data_format()', 'backend.image_data_formatself.bn(x)()');
  const versions = [fixture, v1, v2, v3, v4];
  assert.equal(new Set(versions).size, versions.length);
  const doc = new DocumentAnalyzer(strictHost);
  for (const t of versions) assert.deepEqual(doc.analyze(t).findings, analyze(t));
  const fixes = (fs: Finding[]) => JSON.stringify(fs.map((f) => f.fixes));
  assert.notEqual(fixes(analyze(v3)), fixes(analyze(v4)), 'the fix reads the data format before the last edit only');
});

test('a norm class passed down constructors: editing the call two or three levels up gives the findings a fresh analysis gives', () => {
  // ConvNorm's batch norm is its default only where Stage's calls pass one on: the edits are in the class calling Stage.
  const fixture = readFileSync(join(fixturesDir, 'rules', 'conv-bias-before-batchnorm', 'norm_passed_on.py'), 'utf8');
  const v1 = fixture.replace('self.stage = PlainStage(64, norm_layer=nn.Identity)', 'self.stage = PlainStage(64)');
  const v2 = v1.replace('self.stage2 = Stage(64, norm_layer=nn.BatchNorm2d)', 'self.stage2 = Stage(64, norm_layer=nn.GroupNorm)');
  // And three levels up: the segmenter passing no batch norm to its head.
  const v3 = v2.replace('self.head = Head(256, nclass)', 'self.head = Head(256, nclass, norm_layer=nn.Identity)');
  const versions = [fixture, v1, v2, v3, v2, v1, fixture];
  assert.equal(new Set(versions).size, 4);
  const doc = new DocumentAnalyzer(strictHost);
  const lines = (t: string) => analyze(t).map((f) => f.range.start.line);
  for (const t of versions) assert.deepEqual(doc.analyze(t).findings, analyze(t));
  assert.ok(lines(v1).length > lines(fixture).length && lines(v2).length < lines(v1).length && lines(v3).length < lines(v2).length, 'each edit changes what is found');
});

test('a norm class reaching a block through a subclass, super().__init__, functools.partial or a dict of keywords: editing that route gives the findings a fresh analysis gives', () => {
  const fixture = readFileSync(join(fixturesDir, 'rules', 'conv-bias-before-batchnorm', 'norm_layer_routes.py'), 'utf8');
  const edits: [string, string][] = [
    ['def __init__(self, c_in, c_out, norm_layer=nn.InstanceNorm2d):', 'def __init__(self, c_in, c_out, norm_layer=nn.BatchNorm2d):'],
    ['StridedDownBlock(c, c * 2, 2, nn.InstanceNorm2d)', 'StridedDownBlock(c, c * 2, 2)'],
    ['partial(ResBlock, norm_layer=nn.InstanceNorm2d)', 'partial(ResBlock)'],
    ['block_kwargs = {"norm_layer": nn.GroupNorm}', 'block_kwargs = {"norm_layer": nn.BatchNorm2d}'],
    ['ForwardingBlock(c, norm_layer=nn.LayerNorm)', 'ForwardingBlock(c)'],
  ];
  const versions = [fixture];
  for (const [from, to] of edits) {
    const next = versions[versions.length - 1].replace(from, to);
    assert.notEqual(next, versions[versions.length - 1], from);
    versions.push(next);
  }
  versions.push(...versions.slice(0, -1).reverse());
  const doc = new DocumentAnalyzer(strictHost);
  const count = (t: string) => analyze(t).length;
  for (const t of versions) assert.deepEqual(doc.analyze(t).findings, analyze(t));
  for (let i = 1; i <= edits.length; i++) assert.equal(count(versions[i]), count(versions[i - 1]) + 1, `the edit ${edits[i - 1][0]} brings the batch norm default back`);
});

test('a class handed on as a value, a bias bound through super().__init__ or a partial\'s call, a block factory\'s call: editing that call gives the findings a fresh analysis gives', () => {
  const cases: [string, string, string][] = [
    ['norm_layer_routes.py', 'return block(width, norm_layer=nn.InstanceNorm2d)', 'return block(width)'],
    ['bias_parameter_routes.py', 'super().__init__(c, c, bias=False)', 'super().__init__(c, c)'],
    ['bias_parameter_routes.py', 'NoBias = functools.partial(ConvBN, bias=False)', 'NoBias = functools.partial(ConvBN)'],
    ['bias_parameter_routes.py', 'self.head = block(4 * width, 4 * width, bias=False)', 'self.head = block(4 * width, 4 * width)'],
    ['closure_factories.py', 'x = conv_bn(64, 3, use_bias=False)(x)', 'x = conv_bn(64, 3)(x)'],
  ];
  for (const [file, from, to] of cases) {
    const fixture = readFileSync(join(fixturesDir, 'rules', 'conv-bias-before-batchnorm', file), 'utf8');
    const edited = fixture.replace(from, to);
    assert.notEqual(edited, fixture, from);
    const doc = new DocumentAnalyzer(strictHost);
    for (const t of [fixture, edited, fixture]) assert.deepEqual(doc.analyze(t).findings, analyze(t), `${file}: ${from}`);
    assert.equal(analyze(edited).length, analyze(fixture).length + 1, `${file}: the edit ${from} turns the bias on at that call`);
  }
});

test('a head whose class scores another function builds on: editing that function (or its caller) gives the findings a fresh analysis gives', () => {
  const fixture = readFileSync(join(fixturesDir, 'rules', 'segmentation-head-3x3-classifier', 'keras_model_fed_on.py'), 'utf8');
  const v1 = fixture.replace('x = layers.Conv2D(64, 3, padding="same")(coarse.output)', 'coarse.summary()\n    x = layers.Conv2D(64, 3, padding="same")(coarse.input)');
  const v2 = v1.replace('x = layers.Conv2D(num_classes, 1)(x)\n    return Model(inputs, x)', 'x = layers.Activation("softmax")(x)\n    return Model(inputs, x)');
  const versions = [fixture, v1, v2, v1, fixture];
  assert.equal(new Set(versions).size, 3);
  const doc = new DocumentAnalyzer(strictHost);
  const count = (t: string) => analyze(t).length;
  for (const t of versions) assert.deepEqual(doc.analyze(t).findings, analyze(t));
  assert.ok(count(v1) === count(fixture) + 1 && count(v2) === count(v1) + 1, 'each edit leaves a class conv the last layer');
});

test('a call the parser recovers inside a broken statement still makes its unit a caller: edits there analyse the callee again', () => {
  // Edits as random edit sequences made them: the class calling HeadConv broken around the call, then at its def.
  const fixture = readFileSync(join(fixturesDir, 'rules', 'conv-bias-before-batchnorm', 'norm_passed_on.py'), 'utf8');
  const v1 = fixture.replace('HeadConv(c, c, r, norm_layer) for r in (3, 6, 12)])', 'HeadConv(c, c, r, norm_layer) felse:\nor r in (3, 6, 12)])');
  const v2 = v1.replace('class HeadBlock(nn.Module):\n    def __init__(self, c, norm_layer=nn.BatchNorm2d):', "class HeadBlock(nn.Module):\n    def __in'use_bias': Falseit__(self, c, norm_layer=nn.BatchNorm2d):");
  const versions = [fixture, v1, v2, v1, fixture];
  assert.equal(new Set(versions).size, 3);
  const doc = new DocumentAnalyzer(strictHost);
  for (const t of versions) assert.deepEqual(doc.analyze(t).findings, analyzeParsed(doc.lastParse!, {}));
});

test('a helper whose findings cannot depend on its callers is not analysed again when only a caller changes', () => {
  // Whether the re-analysis looks at the helper again: a rule that says its findings never depend on callers records it.
  const inFocus: boolean[] = [];
  const probe: Rule = {
    meta: { id: 'helper-in-focus', noteRef: { slug: 'x' }, defaultSeverity: 'hint', fixable: false, description: 'Looks at conv3x3.' },
    callerFree: () => true,
    check(ctx) {
      const fn = ctx.model.functions.find((f) => f.def.name === 'conv3x3')!;
      inFocus.push(ctx.inFocus(fn.def.from));
      return [];
    },
  };
  // Its conv's bias off: no built-in rule can find anything there whatever its callers do; on: conv-bias can.
  for (const [bias, again] of [[', bias=False', false], ['', true]] as const) {
    const doc = new DocumentAnalyzer(strictHost.with([probe]));
    doc.analyze(py(helper('conv3x3', bias), USER, user2()));
    inFocus.length = 0;
    const edited = py(helper('conv3x3', bias), USER, user2(undefined, '\n        self.extra = nn.ReLU()'));
    assert.deepEqual(doc.analyze(edited).findings, analyze(edited));
    assert.deepEqual(inFocus, [again], `bias${bias || ' on'}`);
  }
});

test('a document edited again and again holds no more memory than after its first edits', () => {
  // The statements the parse keeps across versions must not keep each version's whole text alive (strings sliced from
  // it): an editing session would grow by a copy of the file per statement edited.
  const v8 = require('node:v8') as typeof import('node:v8');
  v8.setFlagsFromString('--expose-gc');
  const gc = require('node:vm').runInNewContext('gc') as () => void;
  const blocks = Array.from({ length: 120 }, (_, i) => `class Block${i}(nn.Module):\n    """A long docstring that the tree keeps as a string of its own, block ${i}."""\n\n    def __init__(self, in_channels_of_block, out_channels_of_block):\n        super().__init__()\n        self.convolution_layer = nn.Conv2d(in_channels_of_block, out_channels_of_block, 3)\n        self.normalization_layer = nn.BatchNorm2d(out_channels_of_block)\n`);
  let text = py(...blocks);
  const doc = new DocumentAnalyzer(strictHost);
  const heapAfter = (edits: number) => {
    for (let i = 0; i < edits; i++) {
      const lines = text.split('\n');
      const at = 10 + ((i * 613) % (lines.length - 20));
      lines[at] = `${lines[at]}  # ${i}`;
      text = lines.join('\n');
      doc.analyze(text);
    }
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const early = heapAfter(20);
  const late = heapAfter(200);
  // A copy of the text (about 90 kB) kept per statement edited would add more than 5 MB here.
  assert.ok(late - early < 2.5e6, `${((late - early) / 1e6).toFixed(1)} MB more after 200 more edits`);
});
