/**
 * Following the project's own modules: a helper or class imported from another file of the project (`from .blocks
 * import ConvBN`, `from models import conv3x3`) is analysed where it is defined, as `ml-notes lint` and the editor do.
 * test/fixtures/project-modules/convbn/ is a small project; the other cases are written here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixText, lintText } from '../../src/core/lint';
import { DEFAULT_LIMITS, importStatements, resolveProject, resolveProjectSync, type ProjectSnapshot } from '../../src/core/python/project';
import { DocumentAnalyzer, strictHost } from '../../src/core/rules/index';
import { main } from '../../src/cli/main';
import { expectedLines, fixturesDir, tempTree } from './helpers';

const RULE = 'conv-bias-before-batchnorm';
const projectDir = path.join(fixturesDir, 'project-modules', 'convbn');

/** Reads a file from disk, undefined when there is none (and counts the reads). */
function diskReader(reads: string[] = []): (p: string) => string | undefined {
  return (p) => {
    reads.push(p);
    return fs.existsSync(p) && fs.statSync(p).isFile() ? fs.readFileSync(p, 'utf8') : undefined;
  };
}

function snapshotOf(file: string, root: string, reads?: string[]): ProjectSnapshot {
  return resolveProjectSync(file, fs.readFileSync(file, 'utf8'), root, diskReader(reads));
}

function lines(text: string, project?: ProjectSnapshot): number[] {
  return lintText(text, { project })
    .findings.filter((f) => f.rule === RULE)
    .map((f) => f.range.start.line)
    .sort((a, b) => a - b);
}

test('a model built from the project’s own blocks, helpers and batch norm: findings exactly on the expected lines', () => {
  const file = path.join(projectDir, 'models', 'net.py');
  const text = fs.readFileSync(file, 'utf8');
  const project = snapshotOf(file, projectDir);
  assert.deepEqual(Object.keys(project.modules).map((p) => path.relative(projectDir, p)).sort(), ['models/__init__.py', 'models/blocks.py', 'models/layers.py']);
  assert.deepEqual(lines(text, project), expectedLines(text, RULE));
  // Without the other modules none of these can be decided: no finding (precision first).
  assert.deepEqual(lines(text), []);
  const messages = lintText(text, { project }).findings.map((f) => f.message);
  assert.ok(messages.some((m) => /“ConvBN\(3, 32\)” leaves bias at its default True/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /into SyncBN2d/.test(m)), 'the project’s own batch norm is named');
});

test('a block of another module whose batch norm a flag decides: reported at the calls here that turn it on (the flag true by the defaults of the class making the call), not in its own module where its one call turns it off', () => {
  const file = path.join(projectDir, 'models', 'unet.py');
  const text = fs.readFileSync(file, 'utf8');
  const project = snapshotOf(file, projectDir);
  assert.deepEqual(lines(text, project), expectedLines(text, RULE));
  const found = lintText(text, { project }).findings.filter((f) => f.rule === RULE);
  assert.match(found[0].message, /2 layers in “DoubleConv” keep their bias, .*lines 32, 33 of its module/);
  assert.deepEqual(found[0].fixes ?? [], [], 'the change belongs in the other module: no fix here');
  const blocks = path.join(projectDir, 'models', 'blocks.py');
  const blocksText = fs.readFileSync(blocks, 'utf8');
  assert.deepEqual(lines(blocksText, snapshotOf(blocks, projectDir)), expectedLines(blocksText, RULE));
  // Without the other module nothing here can be decided.
  assert.deepEqual(lines(text), []);
});

test('a flag of the class making the call, decided by the calls of that class (a factory passing its own flag on, whose default turns it on), or off by its only call', () => {
  const file = path.join(projectDir, 'models', 'sono.py');
  const text = fs.readFileSync(file, 'utf8');
  const project = snapshotOf(file, projectDir);
  assert.deepEqual(lines(text, project), expectedLines(text, RULE));
  assert.deepEqual(lines(text), [], 'without the other module nothing here can be decided');
  // Edited as in the editor, the calls two levels up still decide: the same findings as an analysis from scratch.
  const analyzer = new DocumentAnalyzer(strictHost);
  const found = (t: string) => analyzer.analyze(t, { project }).findings.filter((f) => f.rule === RULE).map((f) => f.range.start.line);
  const off = text.replace('def sononet2(in_ch=1, is_batchnorm=True)', 'def sononet2(in_ch=1, is_batchnorm=False)');
  const on = text.replace('return Encoder(use_bn=False)', 'return Encoder(use_bn=True)');
  assert.notEqual(off, text);
  assert.notEqual(on, text);
  for (const t of [text, off, on, text, on, off, text]) assert.deepEqual(found(t), lines(t, project));
  assert.deepEqual(lines(off, project), [], 'the factory\'s default turns it off');
  assert.deepEqual(lines(on, project), [...expectedLines(text, RULE), 27].sort((a, b) => a - b), 'the only call of Encoder turns it on');
});

test('star imports of the project’s modules: the last one binding a name wins, a module’s literal __all__ says what it binds, a leading underscore is never bound', () => {
  const file = path.join(projectDir, 'models', 'star.py');
  const text = fs.readFileSync(file, 'utf8');
  const project = snapshotOf(file, projectDir);
  assert.deepEqual(lines(text, project), expectedLines(text, RULE));
  assert.deepEqual(lines(text), [], 'without the other modules nothing here can be decided');
  const line = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle));
  // hidden.py star-imported first: blocks.py's ConvBN (bias on by default) is the one bound, and its call is reported.
  const reordered = text.replace('from .blocks import *\nfrom .hidden import *', 'from .hidden import *\nfrom .blocks import *');
  assert.notEqual(reordered, text);
  assert.ok(lines(reordered, project).includes(line('self.block = ConvBN(64, 64)')));
  // Without its __all__, hidden.py's own conv3x3 (bias off) is the one bound: the first line is no longer reported.
  const hidden = path.join(projectDir, 'models', 'hidden.py');
  const open = { ...project, modules: { ...project.modules, [hidden]: project.modules[hidden].replace("__all__ = ['ConvBN', 'conv_bn_relu']\n", '') } };
  assert.notEqual(open.modules[hidden], project.modules[hidden]);
  assert.deepEqual(lines(text, open), expectedLines(text, RULE).filter((l) => l !== line('self.body =')));
  // An __all__ changed after it is written (`+=`) may or may not give a name: nothing taken from that module is decided.
  const grown = { ...project, modules: { ...project.modules, [hidden]: project.modules[hidden].replace("'conv_bn_relu']\n", "'conv_bn_relu']\n__all__ += ['conv3x3']\n") } };
  assert.notEqual(grown.modules[hidden], project.modules[hidden]);
  assert.ok(!lines(text, grown).includes(line('self.body =')) && !lines(text, grown).includes(line('self.stage = conv_bn_relu')));
  // A leading underscore is bound when __all__ lists it.
  const listed = { ...project, modules: { ...project.modules, [hidden]: project.modules[hidden].replace("'conv_bn_relu']", "'conv_bn_relu', '_conv_bn']") } };
  assert.ok(lines(text, listed).includes(line('_conv_bn(64, 64)')));
});

/** A module of helpers building a 3x3 conv, with its bias as `bias` says ('' for the default). */
const conv3x3Module = (bias: string, before = '', after = '') =>
  `import math\nimport torch.nn as nn\n${before}\n\ndef conv3x3(in_planes, out_planes, stride=1):\n    return nn.Conv2d(in_planes, out_planes, 3, stride=stride, padding=1${bias})\n${after}`;

/** A module whose stem feeds conv3x3's output to batch norm, conv3x3 bound by `imports` (and `tail`, after them). */
const stemModule = (imports: string, fires: boolean, tail = '') =>
  [
    'import torch.nn as nn',
    imports,
    tail,
    '',
    'class Stem(nn.Module):',
    '    def __init__(self, width):',
    '        super().__init__()',
    `        self.conv = conv3x3(3, width, stride=2)${fires ? '  # expect: conv-bias-before-batchnorm' : ''}`,
    '        self.bn = nn.BatchNorm2d(width)',
    '',
    '    def forward(self, x):',
    '        return self.bn(self.conv(x))',
    '',
  ].join('\n');

test('star imports bind names when they run: after a def or an import they rebind its name, a def after them rebinds theirs; a star import that may or may not bind it (under try, of a module deleting it, defining it under a condition, or whose names cannot be read) decides nothing', () => {
  const ownOff = '\n\ndef conv3x3(in_planes, out_planes, stride=1):\n    return nn.Conv2d(in_planes, out_planes, 3, stride=stride, padding=1, bias=False)\n';
  const ownOn = ownOff.replace(', bias=False', '');
  const stems: Record<string, string> = {
    // A def, then a star import binding the same name: the star import's conv3x3 is the one called.
    'def_then_frozen.py': stemModule(ownOn, false, 'from .frozen import *'),
    'def_then_plain.py': stemModule(ownOff, true, 'from .plain import *'),
    'plain_then_def.py': stemModule('from .plain import *', false, ownOff),
    'frozen_then_def.py': stemModule('from .frozen import *', true, ownOn),
    // An explicit import, then a star import.
    'import_then_frozen.py': stemModule('from .plain import conv3x3\nfrom .frozen import *', false),
    'frozen_then_import.py': stemModule('from .frozen import *\nfrom .plain import conv3x3', true),
    // Through a module that rebinds the name with a star import of its own (or whose def comes after its star import).
    'through_rebound.py': stemModule('from .rebound import *', false),
    'through_redefined.py': stemModule('from .redefined import *', true),
    // Under try: either star import may be the one that ran; one that may not have run is the only one binding it.
    'try_either.py': stemModule('try:\n    from .frozen import *\nexcept ImportError:\n    from .plain import *', false),
    'try_alone.py': stemModule('try:\n    from .plain import *\nexcept ImportError:\n    pass', true),
    // A module deleting the name does not bind it; one deleting another name does.
    'deleted.py': stemModule('from .frozen import *\nfrom .legacy import *', false),
    'other_deleted.py': stemModule('from .frozen import *\nfrom .tidy import *', true),
    // A module defining it under a condition may or may not bind it over the first one.
    'optional_over.py': stemModule('from .frozen import *\nfrom .optional import *', false),
    'optional_alone.py': stemModule('from .optional import *', true),
    // A later star import of a module whose names cannot be read (or that cannot be found) may rebind it.
    'dynamic_over.py': stemModule('from .frozen import *\nfrom .dynamic import *', false),
    'missing_over.py': stemModule('from .frozen import *\nfrom .missing import *', false),
    'listed_over.py': stemModule('from .plain import *\nfrom .listed import *', true),
  };
  const root = tempTree({
    'nets/__init__.py': '',
    'nets/plain.py': conv3x3Module(''),
    'nets/frozen.py': conv3x3Module(', bias=False'),
    'nets/rebound.py': conv3x3Module('', '', 'from .frozen import *\n'),
    'nets/redefined.py': conv3x3Module('', 'from .frozen import *'),
    'nets/legacy.py': conv3x3Module('', '', '\nconv3x3_legacy = conv3x3\ndel conv3x3\n'),
    'nets/tidy.py': conv3x3Module('', '', '\ndel math\n'),
    'nets/optional.py': conv3x3Module('', 'WITH_BIAS = False', '').replace('\ndef conv3x3', '\nif WITH_BIAS:\n  def conv3x3').replace('\n    return', '\n      return'),
    'nets/dynamic.py': conv3x3Module('', '', "\n__all__ = [n for n in dir() if n.startswith('conv')]\n"),
    'nets/listed.py': conv3x3Module('', '', "\n__all__ = ['conv1x1']\n\n\ndef conv1x1(in_planes, out_planes):\n    return nn.Conv2d(in_planes, out_planes, 1)\n"),
    ...Object.fromEntries(Object.entries(stems).map(([name, text]) => [`nets/${name}`, text])),
  });
  for (const [name, text] of Object.entries(stems)) {
    const project = snapshotOf(path.join(root, 'nets', name), root);
    assert.deepEqual(lines(text, project), expectedLines(text, RULE), name);
  }
  // Edited as in the editor (a def moved across the star import, and back): the same findings as an analysis from scratch.
  const file = path.join(root, 'nets', 'def_then_plain.py');
  const project = snapshotOf(file, root);
  const text = stems['def_then_plain.py'];
  const moved = text.replace(`${ownOff}\nfrom .plain import *`, `\nfrom .plain import *${ownOff}`);
  assert.notEqual(moved, text);
  assert.deepEqual(lines(moved, project), []);
  const analyzer = new DocumentAnalyzer(strictHost);
  const found = (t: string) => analyzer.analyze(t, { project }).findings.filter((f) => f.rule === RULE).map((f) => f.range.start.line);
  for (const t of [text, moved, text, moved]) assert.deepEqual(found(t), lines(t, project));
  fs.rmSync(root, { recursive: true, force: true });
});

test('segmentation heads: a classifier helper of another module (star-imported) whose kernel the call chooses is reported at the calls choosing 3, and fixed there', () => {
  const SEG = 'segmentation-head-3x3-classifier';
  const file = path.join(projectDir, 'models', 'seg.py');
  const text = fs.readFileSync(file, 'utf8');
  const project = snapshotOf(file, projectDir);
  const found = (t: string, p?: ProjectSnapshot) => lintText(t, { project: p }).findings.filter((f) => f.rule === SEG);
  assert.deepEqual(found(text, project).map((f) => f.range.start.line), expectedLines(text, SEG));
  assert.match(found(text, project)[0].message, /“num_classes”/);
  assert.deepEqual(found(text), [], 'without the other module nothing here can be decided');
  const fixed = fixText(text, { project, only: [SEG] });
  assert.equal(fixed.output, fs.readFileSync(path.join(projectDir, 'models', 'seg.out.py'), 'utf8'));
  assert.deepEqual(fixText(fixed.output, { project, only: [SEG] }).applied, []);
  // Keras' functional style: the helper applies the conv to a tensor and returns the result, which goes to the outputs.
  const kfile = path.join(projectDir, 'models', 'kseg.py');
  const ktext = fs.readFileSync(kfile, 'utf8');
  assert.deepEqual(found(ktext, snapshotOf(kfile, projectDir)).map((f) => f.range.start.line), expectedLines(ktext, SEG));
  assert.deepEqual(found(ktext), []);
  // The Keras layers keras_heads.py imports come through its star import as what they are.
  assert.deepEqual(lines(ktext, snapshotOf(kfile, projectDir)), expectedLines(ktext, RULE));
  assert.deepEqual(lines(ktext), []);
});

test('the fix edits the calls in the analysed file only, and fixing again changes nothing', () => {
  const file = path.join(projectDir, 'models', 'net.in.py');
  const input = fs.readFileSync(file, 'utf8');
  const project = snapshotOf(file, projectDir);
  const fixed = fixText(input, { project, only: [RULE] });
  assert.equal(fixed.refused, undefined);
  assert.equal(fixed.output, fs.readFileSync(path.join(projectDir, 'models', 'net.out.py'), 'utf8'));
  assert.deepEqual(fixText(fixed.output, { project, only: [RULE] }).applied, []);
});

test('ml-notes lint follows the project’s modules from the folder above the outermost package (no marker file)', async () => {
  const root = tempTree(Object.fromEntries(['models/__init__.py', 'models/blocks.py', 'models/layers.py', 'models/net.py'].map((p) => [p, fs.readFileSync(path.join(projectDir, p), 'utf8')])));
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['lint', 'models/net.py', '--json'], { out: (s) => out.push(s), err: (s) => err.push(s), cwd: root });
  assert.equal(code, 1, err.join('\n'));
  const found = (JSON.parse(out.join('\n')) as { line: number; rule: string }[]).filter((f) => f.rule === RULE).map((f) => f.line - 1);
  assert.deepEqual(found, expectedLines(fs.readFileSync(path.join(root, 'models', 'net.py'), 'utf8'), RULE));
  fs.rmSync(root, { recursive: true, force: true });
});

const CONV_BN = 'import torch.nn as nn\n\n\ndef conv_bn(i, o, bias=True):\n    return nn.Sequential(nn.Conv2d(i, o, 3, bias=bias), nn.BatchNorm2d(o))\n';
const HELPER = 'import torch.nn as nn\n\n\ndef conv3x3(i, o, bias=True):\n    return nn.Conv2d(i, o, 3, padding=1, bias=bias)\n';
const USER = 'import torch.nn as nn\nfrom .blocks import conv3x3\n\nnet = nn.Sequential(conv3x3(3, 8), nn.BatchNorm2d(8))  # expect: conv-bias-before-batchnorm\n';

test('import cycles (two modules importing each other, a package importing itself) end, and the finding still comes', () => {
  const root = tempTree({
    'pkg/__init__.py': 'from .blocks import *\nfrom . import blocks\nimport pkg\n',
    'pkg/blocks.py': `from .net import net\nfrom . import blocks\n${HELPER}`,
    'pkg/net.py': USER,
  });
  const reads: string[] = [];
  const file = path.join(root, 'pkg', 'net.py');
  const project = snapshotOf(file, root, reads);
  assert.equal(new Set(reads).size, reads.length, 'each file is read once');
  assert.deepEqual(lines(USER, project), expectedLines(USER, RULE));
  fs.rmSync(root, { recursive: true, force: true });
});

test('Keras modules bound by the project\'s own get_submodules_from_kwargs (keras-applications itself writes one): the layers it gives are Keras\'', () => {
  const dispatch = [
    '_LAYERS = None',
    '_MODELS = None',
    '',
    '',
    'def get_submodules_from_kwargs(kwargs):',
    "    return kwargs.get('backend'), kwargs.get('layers', _LAYERS), kwargs.get('models', _MODELS), kwargs.get('utils')",
    '',
  ].join('\n');
  const model = [
    'from . import get_submodules_from_kwargs',
    '',
    'backend = None',
    'layers = None',
    'models = None',
    'keras_utils = None',
    '',
    '',
    'def conv_bn(x, filters, use_bias=True):',
    "    x = layers.Conv2D(filters, 3, padding='same', use_bias=use_bias)(x)",
    '    x = layers.BatchNormalization(axis=3)(x)',
    "    return layers.Activation('relu')(x)",
    '',
    '',
    'def TinyNet(input_shape=(32, 32, 3), **kwargs):',
    '    global backend, layers, models, keras_utils',
    '    backend, layers, models, keras_utils = get_submodules_from_kwargs(kwargs)',
    '    inputs = layers.Input(shape=input_shape)',
    '    x = conv_bn(inputs, 32)  # expect: conv-bias-before-batchnorm',
    '    x = conv_bn(x, 64, use_bias=False)',
    '    return models.Model(inputs, x)',
    '',
  ].join('\n');
  const root = tempTree({ 'apps/__init__.py': dispatch, 'apps/tiny.py': model });
  const file = path.join(root, 'apps', 'tiny.py');
  assert.deepEqual(lines(model, snapshotOf(file, root)), expectedLines(model, RULE));
  // Without the project's module read, the convention decides the same (the name imported from a library would).
  assert.deepEqual(lines(model), expectedLines(model, RULE));
  fs.rmSync(root, { recursive: true, force: true });
  // One that gives back a module of its own (here or as the default) is not Keras: its Conv2D is the project's.
  const own = [
    'from . import mylayers',
    '',
    '_LAYERS = mylayers',
    '',
    '',
    'def get_submodules_from_kwargs(kwargs):',
    "    return kwargs.get('backend'), kwargs.get('layers', _LAYERS), kwargs.get('models'), kwargs.get('utils')",
    '',
  ].join('\n');
  const mylayers = 'def Conv2D(filters, kernel, padding="valid", use_bias=False):\n    return None\n\n\ndef BatchNormalization(axis=-1):\n    return None\n\n\ndef Activation(name):\n    return None\n';
  for (const dispatchText of [own, own.replace("kwargs.get('layers', _LAYERS)", 'mylayers')]) {
    const ownRoot = tempTree({ 'apps/__init__.py': dispatchText, 'apps/mylayers.py': mylayers, 'apps/tiny.py': model });
    assert.deepEqual(lines(model, snapshotOf(path.join(ownRoot, 'apps', 'tiny.py'), ownRoot)), []);
    fs.rmSync(ownRoot, { recursive: true, force: true });
  }
});

test('a missing module and a folder named like a module decide nothing; a module with a syntax error is read around it', () => {
  // As for the analysed file itself: the analysis goes on around a syntax error, so conv_bn (before it) is followed.
  const text = 'import torch.nn as nn\nfrom .missing import conv3x3\nfrom .broken import conv_bn\nfrom .folder import conv\n\na = nn.Sequential(conv3x3(3, 8), nn.BatchNorm2d(8))\nb = conv_bn(3, 8)  # expect: conv-bias-before-batchnorm\nc = nn.Sequential(conv(3, 8), nn.BatchNorm2d(8))\n';
  const root = tempTree({ 'pkg/__init__.py': '', 'pkg/net.py': text, 'pkg/broken.py': `${CONV_BN}def oops(:\n`, 'pkg/folder.py/README': 'not a module\n' });
  const project = snapshotOf(path.join(root, 'pkg', 'net.py'), root);
  assert.equal(project.imports[path.join(root, 'pkg', 'net.py')]['.missing'], null);
  assert.equal(project.imports[path.join(root, 'pkg', 'net.py')]['.folder'], null);
  assert.deepEqual(lines(text, project), expectedLines(text, RULE));
  fs.rmSync(root, { recursive: true, force: true });
});

test('the reads are bounded: a long chain of modules and a file importing a hundred modules stop at the limits, said in the snapshot', () => {
  const files: Record<string, string> = { 'pkg/__init__.py': '' };
  for (let i = 0; i < 60; i++) files[`pkg/m${i}.py`] = `from .m${i + 1} import *\nfrom .absent${i} import x\n`;
  files['pkg/wide.py'] = Array.from({ length: 100 }, (_, i) => `from .w${i} import f${i}\n`).join('');
  for (let i = 0; i < 100; i++) files[`pkg/w${i}.py`] = `def f${i}():\n    return ${i}\n`;
  const root = tempTree(files);
  const chainReads: string[] = [];
  const chain = snapshotOf(path.join(root, 'pkg', 'm0.py'), root, chainReads);
  assert.ok(Object.keys(chain.modules).length <= DEFAULT_LIMITS.depth, `${Object.keys(chain.modules).length} modules followed from a chain`);
  assert.ok(chainReads.length <= 4 * DEFAULT_LIMITS.depth * 2, `${chainReads.length} files asked for`);
  const wideReads: string[] = [];
  const wide = snapshotOf(path.join(root, 'pkg', 'wide.py'), root, wideReads);
  assert.equal(Object.keys(wide.modules).length, DEFAULT_LIMITS.modules);
  assert.equal(wide.limited, 'modules');
  assert.ok(wideReads.length <= DEFAULT_LIMITS.reads);
  const tight = resolveProjectSync(path.join(root, 'pkg', 'wide.py'), files['pkg/wide.py'], root, diskReader(), { ...DEFAULT_LIMITS, reads: 10 });
  assert.equal(tight.limited, 'reads');
  assert.ok(Object.values(tight.imports[path.join(root, 'pkg', 'wide.py')]).filter((v) => v === null).length >= 90, 'what was not read stays unresolved');
  fs.rmSync(root, { recursive: true, force: true });
});

test('the editor’s asynchronous reader: a module that fails to read is reported with its path and followed as absent', async () => {
  const root = '/ws';
  const texts: Record<string, string> = { '/ws/pkg/__init__.py': '', '/ws/pkg/blocks.py': HELPER, '/ws/pkg/net.py': USER };
  const reported: string[] = [];
  const ok = await resolveProject('/ws/pkg/net.py', USER, root, async (p) => texts[p], (p) => reported.push(p));
  assert.deepEqual(lines(USER, ok), expectedLines(USER, RULE));
  const failing = await resolveProject(
    '/ws/pkg/net.py',
    USER,
    root,
    async (p) => {
      if (p.endsWith('blocks.py')) throw new Error('permission denied');
      return texts[p];
    },
    (p, e) => reported.push(`${p}: ${(e as Error).message}`),
  );
  assert.deepEqual(reported, ['/ws/pkg/blocks.py: permission denied']);
  assert.deepEqual(lines(USER, failing), []);
});

test('libraries are never looked for in the project: importing torch reads no file', () => {
  const root = tempTree({ 'a.py': 'import torch\nimport torch.nn as nn\nfrom torch.nn import functional as F\nimport numpy as np\n' });
  const reads: string[] = [];
  snapshotOf(path.join(root, 'a.py'), root, reads);
  assert.deepEqual(reads, []);
  fs.rmSync(root, { recursive: true, force: true });
});

test('a subclass of nn.Conv2d taking its arguments (no __init__, or one passing *args, **kwargs on) is a conv; one with its own arguments is not decided', () => {
  const text = [
    'import torch.nn as nn',
    '',
    '',
    'class StdConv2d(nn.Conv2d):',
    '    pass',
    '',
    '',
    'class ForwardingConv(nn.Conv2d):',
    '    def __init__(self, *args, **kwargs):',
    '        super().__init__(*args, **kwargs)',
    '',
    '',
    'class OwnArgs(nn.Conv2d):',
    '    def __init__(self, c):',
    '        super().__init__(c, c, 3)',
    '',
    '',
    'a = nn.Sequential(StdConv2d(8, 8, 3), nn.BatchNorm2d(8))  # expect: conv-bias-before-batchnorm',
    'b = nn.Sequential(ForwardingConv(8, 8, 3), nn.BatchNorm2d(8))  # expect: conv-bias-before-batchnorm',
    'c = nn.Sequential(StdConv2d(8, 8, 3, bias=False), nn.BatchNorm2d(8))',
    'd = nn.Sequential(OwnArgs(8), nn.BatchNorm2d(8))',
    '',
  ].join('\n');
  assert.deepEqual(lines(text), expectedLines(text, RULE));
  const fixed = fixText(text, { only: [RULE] }).output;
  assert.match(fixed, /StdConv2d\(8, 8, 3, bias=False\), nn\.BatchNorm2d\(8\)\)  #/);
  assert.match(fixed, /ForwardingConv\(8, 8, 3, bias=False\)/);
});

test('ml-notes lint reads an imported module as Python does: its coding declaration (latin-1) and a byte order mark; an undecodable one is said once and decides nothing', async () => {
  const user = [
    'import torch.nn as nn',
    'from .couche import CoucheConv, Entrée',
    'from .bom import BomConv',
    'from .broken import BrokenConv',
    '',
    'a = nn.Sequential(Entrée(3, 8, 3), nn.BatchNorm2d(8))  # expect: conv-bias-before-batchnorm',
    'b = nn.Sequential(CoucheConv(3, 8, 3), nn.BatchNorm2d(8))  # expect: conv-bias-before-batchnorm',
    'c = nn.Sequential(BomConv(3, 8, 3), nn.BatchNorm2d(8))  # expect: conv-bias-before-batchnorm',
    'd = nn.Sequential(BrokenConv(3, 8, 3), nn.BatchNorm2d(8))',
    '',
  ].join('\n');
  const root = tempTree({ 'pkg/__init__.py': '', 'pkg/net.py': user });
  // Latin-1: "é" is one byte (0xe9), which UTF-8 refuses; the class named with it is what the finding needs.
  const latin1 = '# -*- coding: latin-1 -*-\nimport torch.nn as nn\n\n\nclass Entrée(nn.Conv2d):\n    """Convolution « standard »."""\n\n\nclass CoucheConv(nn.Conv2d):\n    pass\n';
  fs.writeFileSync(path.join(root, 'pkg', 'couche.py'), Buffer.from(latin1, 'latin1'));
  fs.writeFileSync(path.join(root, 'pkg', 'bom.py'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('import torch.nn as nn\n\n\nclass BomConv(nn.Conv2d):\n    pass\n')]));
  // Declared UTF-8 but written in Latin-1: Python refuses to read it, so nothing is decided from it.
  fs.writeFileSync(path.join(root, 'pkg', 'broken.py'), Buffer.from('# coding: utf-8\nimport torch.nn as nn\n# café\nclass BrokenConv(nn.Conv2d):\n    pass\n', 'latin1'));
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['lint', 'pkg/net.py', '--json'], { out: (s) => out.push(s), err: (s) => err.push(s), cwd: root });
  assert.equal(code, 1, err.join('\n'));
  const found = (JSON.parse(out.join('\n')) as { line: number; rule: string }[]).filter((f) => f.rule === RULE).map((f) => f.line - 1);
  assert.deepEqual(found, expectedLines(user, RULE));
  const said = err.filter((e) => e.includes('broken.py'));
  assert.equal(said.length, 1, err.join('\n'));
  assert.match(said[0], /broken\.py: \(unicode error\) 'utf-8' codec can't decode byte 0xe9 in position 5: invalid continuation byte \(an imported module; followed as absent\)/);
  assert.deepEqual(err.filter((e) => /couche\.py|bom\.py/.test(e)), []);
  fs.rmSync(root, { recursive: true, force: true });
});

test('the editor reads only a file’s import statements to resolve it: the same modules as a full parse, wherever the imports stand', () => {
  const file = path.join(projectDir, 'models', 'net.py');
  const text = fs.readFileSync(file, 'utf8');
  assert.deepEqual(resolveProjectSync(file, importStatements(text), projectDir, diskReader()), snapshotOf(file, projectDir));
  const scattered = [
    'import torch.nn as nn',
    'try:',
    '    from .blocks import (',
    '        conv3x3,',
    '    )',
    'except ImportError:',
    '    conv3x3 = None',
    'x = 1; from .layers import \\',
    '    norm',
    'if x: import pkg.extra',
    '',
    '',
    'def gen():',
    '    yield from range(3)',
    '    raise ValueError() from None',
    '    from . import heads',
    '',
  ].join('\n');
  const root = tempTree({ 'pkg/__init__.py': '', 'pkg/blocks.py': HELPER, 'pkg/layers.py': 'norm = 1\n', 'pkg/extra.py': '', 'pkg/heads.py': '', 'pkg/net.py': scattered });
  const at = path.join(root, 'pkg', 'net.py');
  const fromImports = resolveProjectSync(at, importStatements(scattered), root, diskReader());
  assert.deepEqual(fromImports, resolveProjectSync(at, scattered, root, diskReader()));
  assert.deepEqual(Object.keys(fromImports.modules).map((p) => path.relative(root, p)).sort(), ['pkg/__init__.py', 'pkg/blocks.py', 'pkg/extra.py', 'pkg/heads.py', 'pkg/layers.py']);
  fs.rmSync(root, { recursive: true, force: true });
});

test('re-analysis after an edit never keeps a finding worked out against an older version of an imported module', () => {
  const OFF = HELPER.replace('bias=True', 'bias=False');
  const snapshot = (helper: string): ProjectSnapshot =>
    resolveProjectSync('/ws/pkg/net.py', USER, '/ws', (p) => ({ '/ws/pkg/__init__.py': '', '/ws/pkg/blocks.py': helper, '/ws/pkg/net.py': USER })[p]);
  const user = `${USER}\n\ndef other():\n    return 1\n`;
  const edited = user.replace('return 1', 'return 2');
  const analyzer = new DocumentAnalyzer(strictHost);
  const found = (text: string, helper: string) => analyzer.analyze(text, { project: snapshot(helper) }).findings.filter((f) => f.rule === RULE).map((f) => f.range.start.line);
  const expected = expectedLines(user, RULE);
  assert.deepEqual(found(user, HELPER), expected);
  // The module turns the bias off: an edit elsewhere in the file, and the same text again, both lose the finding.
  assert.deepEqual(found(edited, OFF), []);
  assert.deepEqual(found(user, OFF), []);
  // And back.
  assert.deepEqual(found(edited, HELPER), expected);
  assert.deepEqual(found(edited, OFF), []);
});

test('lr-warmup: a rate ramped up by hand in another module of the project (no name says "warmup") is the file\'s schedule; a LARS of the project is a large-batch optimizer', () => {
  const root = tempTree({
    'pyproject.toml': '',
    'utils/__init__.py': '',
    'utils/sched.py': 'def adjust_lr(optimizer, it, base_lr, ramp):\n    lr = base_lr * min(1.0, it / ramp)\n    for g in optimizer.param_groups:\n        g["lr"] = lr\n\n\ndef decay_lr(optimizer, base_lr, epoch):\n    for g in optimizer.param_groups:\n        g["lr"] = base_lr * 0.1 ** (epoch // 30)\n',
    'utils/lars.py': 'import torch\n\n\nclass LARS(torch.optim.Optimizer):\n    pass\n',
    'train.py': [
      'import torch',
      'from utils.sched import adjust_lr',
      '',
      '',
      'def main(args, model, dataset):',
      '    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True, drop_last=True)',
      '    lr = args.base_lr * args.batch_size / 256',
      '    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)',
      '    for it, (x, y) in enumerate(loader):',
      '        adjust_lr(optimizer, it, lr, 500)',
      '        torch.nn.functional.cross_entropy(model(x), y).backward()',
      '        optimizer.step()',
      '',
    ].join('\n'),
    'pretrain.py': 'import torch\nfrom utils.lars import LARS\n\n\ndef build(model, epochs):\n    optimizer = LARS(model.parameters(), lr=4.8)\n    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)\n    return optimizer, scheduler\n',
  });
  const warm = (file: string) => {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    return lintText(text, { project: snapshotOf(path.join(root, file), root) }).findings.filter((f) => f.rule === 'lr-warmup').map((f) => f.range.start.line + 1);
  };
  assert.deepEqual(warm('train.py'), [], 'adjust_lr ramps the rate: not known to start at full');
  // The same training with a step decay set by hand (no branch, no bound): it starts at full.
  fs.writeFileSync(path.join(root, 'train.py'), fs.readFileSync(path.join(root, 'train.py'), 'utf8').replace(/adjust_lr/g, 'decay_lr').replace('decay_lr(optimizer, it, lr, 500)', 'decay_lr(optimizer, lr, it)'));
  assert.deepEqual(warm('train.py'), [8]);
  assert.deepEqual(warm('pretrain.py'), [7], 'the schedule of the project\'s LARS, with no warmup');
  fs.rmSync(root, { recursive: true, force: true });
});
