import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePython } from '../../src/core/python/parse';
import { PythonModel } from '../../src/core/python/model';
import type { CallExpr } from '../../src/core/python/ast';
import { FlowAnalysis } from '../../src/core/python/flow';

/** The model of `src` and the call whose callee source is `callee` (the n-th one). */
function callIn(src: string, callee: string, n = 0): { model: PythonModel; call: CallExpr } {
  const model = PythonModel.fromText(src);
  const calls = model.module.calls.filter((c) => model.source(c.func) === callee);
  assert.ok(calls[n], `no call to ${callee} in the source`);
  return { model, call: calls[n] };
}

function layerOf(src: string, callee: string, n = 0): string | undefined {
  const { model, call } = callIn(src, callee, n);
  return model.instanceAt(call)?.spec.qname;
}

describe('PythonModel: what names are', () => {
  const cases: [string, string, string][] = [
    ['import torch.nn as nn\nnn.Conv2d(3, 8, 3)', 'nn.Conv2d', 'torch.nn.Conv2d'],
    ['from torch import nn\nnn.BatchNorm2d(8)', 'nn.BatchNorm2d', 'torch.nn.BatchNorm2d'],
    ['from torch import nn as tnn\ntnn.Conv2d(3, 8, 3)', 'tnn.Conv2d', 'torch.nn.Conv2d'],
    ['from torch.nn import Conv2d as C\nC(3, 8, 3)', 'C', 'torch.nn.Conv2d'],
    ['import torch\ntorch.nn.Linear(3, 8)', 'torch.nn.Linear', 'torch.nn.Linear'],
    ['import torch.nn\ntorch.nn.SyncBatchNorm(8)', 'torch.nn.SyncBatchNorm', 'torch.nn.SyncBatchNorm'],
    ['from torch.nn.modules.conv import Conv3d\nConv3d(1, 2, 3)', 'Conv3d', 'torch.nn.Conv3d'],
    ['import tensorflow as tf\ntf.keras.layers.Conv2D(8, 3)', 'tf.keras.layers.Conv2D', 'keras.layers.Conv2D'],
    ['from tensorflow.keras import layers\nlayers.BatchNormalization()', 'layers.BatchNormalization', 'keras.layers.BatchNormalization'],
    ['from keras import layers\nlayers.Dense(8)', 'layers.Dense', 'keras.layers.Dense'],
    ['import keras\nkeras.layers.Conv2DTranspose(8, 3)', 'keras.layers.Conv2DTranspose', 'keras.layers.Conv2DTranspose'],
    ['import flax.linen as nn\nnn.Conv(8, (3, 3))', 'nn.Conv', 'flax.linen.Conv'],
    ['from flax import linen as nn\nnn.BatchNorm(use_running_average=True)', 'nn.BatchNorm', 'flax.linen.BatchNorm'],
    ['from flax import nnx\nnnx.Conv(3, 8, kernel_size=(3, 3), rngs=rngs)', 'nnx.Conv', 'flax.nnx.Conv'],
    ['from torch.nn import *\nConv2d(3, 8, 3)', 'Conv2d', 'torch.nn.Conv2d'],
  ];
  for (const [src, callee, expected] of cases) {
    test(`${src.split('\n')[0]} → ${callee} is ${expected}`, () => {
      assert.equal(layerOf(src, callee), expected);
    });
  }

  test('a local name shadowing an import is not the import', () => {
    const src = 'from torch import nn\n\ndef f(nn):\n    return nn.Conv2d(3, 8, 3)\n';
    assert.equal(layerOf(src, 'nn.Conv2d'), undefined);
  });

  test('an alias assigned at module level is followed', () => {
    const src = 'import torch.nn as nn\nConv = nn.Conv2d\nConv(3, 8, 3)\n';
    assert.equal(layerOf(src, 'Conv'), 'torch.nn.Conv2d');
  });

  test('functools.partial keeps the layer and its bound keywords', () => {
    const src = 'import functools\nimport torch.nn as nn\nconv = functools.partial(nn.Conv2d, kernel_size=3, bias=False)\nconv(3, 8)\n';
    const { model, call } = callIn(src, 'conv');
    const inst = model.instanceAt(call);
    assert.equal(inst?.spec.qname, 'torch.nn.Conv2d');
    const bias = model.argOf(inst!, 'bias', 7);
    assert.equal(bias.fromPartial, true);
    assert.equal(model.source(bias.value!), 'False');
    const kernel = model.layerArg(inst!, 'kernel');
    assert.equal(model.source(kernel.value!), '3');
  });

  test('a helper returning a layer makes a layer at each call site', () => {
    const src = [
      'import torch.nn as nn',
      'def conv3x3(a, b, stride=1):',
      '    """3x3 convolution with padding"""',
      '    return nn.Conv2d(a, b, kernel_size=3, stride=stride, padding=1, bias=False)',
      'x = conv3x3(3, 8)',
      'y = conv3x3(8, 8)',
    ].join('\n');
    const model = PythonModel.fromText(src);
    const sites = model.module.calls.filter((c) => model.source(c.func) === 'conv3x3');
    const a = model.instanceAt(sites[0]);
    const b = model.instanceAt(sites[1]);
    assert.equal(a?.spec.qname, 'torch.nn.Conv2d');
    assert.equal(a?.helper?.fn.def.name, 'conv3x3');
    assert.notEqual(a, b, 'each call site is its own layer');
    assert.equal(a?.ctor, b?.ctor, 'both come from the same constructor call');
  });

  test('a norm_layer parameter defaulting to None and set to BatchNorm in the body is BatchNorm', () => {
    const src = [
      'import torch.nn as nn',
      'class Block(nn.Module):',
      '    def __init__(self, c, norm_layer=None):',
      '        super().__init__()',
      '        if norm_layer is None:',
      '            norm_layer = nn.BatchNorm2d',
      '        self._norm_layer = norm_layer',
      '    def make(self, c):',
      '        norm_layer = self._norm_layer',
      '        return norm_layer(c)',
    ].join('\n');
    assert.equal(layerOf(src, 'norm_layer'), 'torch.nn.BatchNorm2d');
  });

  test('a norm_layer parameter without a default is unknown', () => {
    const src = 'import torch.nn as nn\ndef block(c, norm_layer):\n    return norm_layer(c)\n';
    assert.equal(layerOf(src, 'norm_layer'), undefined);
  });

  test('a local subclass of BatchNormalization counts as batch norm', () => {
    const src = 'from keras import layers\nclass FrozenBN(layers.BatchNormalization):\n    pass\nbn = FrozenBN()\n';
    const { model, call } = callIn(src, 'FrozenBN');
    const inst = model.instanceAt(call);
    assert.equal(inst?.spec.role, 'bn');
    assert.ok(inst?.localClass);
  });

  test('classes collect __init__ attributes, class-level fields, add_module and inherited attributes', () => {
    const src = [
      'import torch.nn as nn',
      'import flax.linen as fnn',
      'class Base(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.conv = nn.Conv2d(3, 8, 3)',
      '        self.add_module("bn", nn.BatchNorm2d(8))',
      'class Child(Base):',
      '    def forward(self, x):',
      '        return self.bn(self.conv(x))',
      'class Dc(fnn.Module):',
      '    conv: object = fnn.Conv',
    ].join('\n');
    const model = PythonModel.fromText(src);
    const child = model.classes.find((c) => c.def.name === 'Child')!;
    assert.deepEqual(
      model.classAttr(child, 'conv')?.map((d) => model.source(d.value)),
      ['nn.Conv2d(3, 8, 3)'],
    );
    assert.ok(model.classAttr(child, 'bn'));
    const dc = model.classes.find((c) => c.def.name === 'Dc')!;
    assert.equal(model.source(dc.attrs.get('conv')![0].value), 'fnn.Conv');
    assert.ok(child.methods.has('forward'));
  });

  test('nn.Sequential, OrderedDict and lists built with += / append / extend connect neighbours', () => {
    const src = [
      'from collections import OrderedDict',
      'import torch.nn as nn',
      'def build(c):',
      '    layers = [nn.Conv2d(c, c, 3)]',
      '    layers += [nn.BatchNorm2d(c)]',
      '    layers.append(nn.ReLU())',
      '    layers.extend([nn.Conv2d(c, c, 1), nn.GroupNorm(4, c)])',
      '    return nn.Sequential(*layers)',
      'head = nn.Sequential(OrderedDict([("fc", nn.Linear(8, 8)), ("bn", nn.BatchNorm1d(8))]))',
    ].join('\n');
    const model = PythonModel.fromText(src);
    const flow = new FlowAnalysis(model);
    const roleAfter = (callee: string, n = 0) => {
      const call = model.module.calls.filter((c) => model.source(c.func) === callee)[n];
      const inst = model.instanceAt(call)!;
      return flow.usesOf(inst).map((u) => u.role);
    };
    assert.deepEqual(roleAfter('nn.Conv2d', 0), ['bn']);
    assert.deepEqual(roleAfter('nn.BatchNorm2d'), ['act']);
    assert.deepEqual(roleAfter('nn.Conv2d', 1), ['norm']);
    assert.deepEqual(roleAfter('nn.Linear'), ['bn']);
  });

  test('Keras functional layers are connected through the values they produce', () => {
    const src = [
      'from tensorflow.keras import layers',
      'def block(x):',
      '    y = layers.Conv2D(8, 3)(x)',
      '    z = layers.BatchNormalization()(y)',
      '    return layers.Add()([x, layers.ReLU()(z)])',
    ].join('\n');
    const model = PythonModel.fromText(src);
    const flow = new FlowAnalysis(model);
    const conv = model.instanceAt(model.module.calls.find((c) => model.source(c.func) === 'layers.Conv2D')!)!;
    const bn = model.instanceAt(model.module.calls.find((c) => model.source(c.func) === 'layers.BatchNormalization')!)!;
    assert.deepEqual(flow.usesOf(conv).map((u) => u.role), ['bn']);
    assert.deepEqual(flow.usesOf(bn).map((u) => u.role), ['act']);
  });

  test('a file with syntax errors: what parses is analysed, nothing throws', () => {
    const src = [
      'import torch.nn as nn',
      'class A(nn.Module):',
      '    def __init__(self):',
      '        self.conv = nn.Conv2d(3, 8,',
      'def (((',
      'b = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))',
    ].join('\n');
    const parsed = parsePython(src);
    assert.ok(parsed.module.errors.length > 0);
    const model = new PythonModel(parsed);
    const flow = new FlowAnalysis(model);
    const conv = model.module.calls.find((c) => model.source(c) === 'nn.Conv2d(3, 8, 3)');
    assert.ok(conv, 'the statement after the errors was parsed');
    assert.deepEqual(flow.usesOf(model.instanceAt(conv!)!).map((u) => u.role), ['bn']);
  });
});

describe('parsePython', () => {
  test('keyword arguments, star arguments and commas keep their offsets', () => {
    const src = 'f(a, b=1, *c, **d,)';
    const call = parsePython(src).module.calls[0];
    assert.deepEqual(
      call.args.map((a) => [a.name ?? '', a.star ?? '', src.slice(a.from, a.to)]),
      [
        ['', '', 'a'],
        ['b', '', 'b=1'],
        ['', '*', '*c'],
        ['', '**', '**d'],
      ],
    );
    assert.deepEqual(
      call.commas.map((c) => src[c]),
      [',', ',', ',', ','],
    );
    assert.equal(src.slice(call.openParen, call.closeParen), '(a, b=1, *c, **d,)');
  });

  test('re-parsing after an edit gives the same tree as parsing from scratch', () => {
    const lines: string[] = ['import torch.nn as nn'];
    for (let i = 0; i < 200; i++) lines.push(`class B${i}(nn.Module):`, '    def __init__(self):', `        self.c = nn.Conv2d(${i}, 8, 3)`, '');
    const before = lines.join('\n');
    const first = parsePython(before);
    const at = before.indexOf('nn.Conv2d(100, 8, 3)');
    const after = `${before.slice(0, at)}nn.Conv2d(100, 16, 5, padding=2)${before.slice(at + 'nn.Conv2d(100, 8, 3)'.length)}`;
    const incremental = parsePython(after, first);
    const fresh = parsePython(after);
    assert.deepEqual(JSON.stringify(incremental.module), JSON.stringify(fresh.module));
  });

  test('never throws on odd input', () => {
    for (const src of ['', '\n', '(((', 'def', '"""', 'x = [', '\t\tpass', '\u0000', 'lambda: (yield)', 'a @= b', 'match x:\n  case 1: pass']) {
      assert.doesNotThrow(() => new FlowAnalysis(new PythonModel(parsePython(src))), JSON.stringify(src));
    }
  });
});
