/**
 * Note checks: what a pattern matches and what it must not, feature by feature (captures, `$$$` in calls, lists and
 * blocks, keyword order, dotted names through imports, literals by value, statement sequences, unless, inside,
 * not-inside).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileChecks } from '../../src/core/checks/check';
import { checkMatches } from '../../src/core/checks/index';
import { MARK, metaOf } from '../../src/core/checks/pattern';
import { rethrow } from '../../src/core/rules/index';
import { LineIndex } from '../../src/core/text';
import { checkYaml, type CheckFields } from './helpers';

/** The source text of each match of a check in `code`. */
function matches(f: CheckFields, code: string): string[] {
  const { checks, problems } = compileChecks([{ file: 'note.md', ref: { slug: 's' }, text: checkYaml('c', f), line: 0, column: 0 }], new Set());
  assert.deepEqual(problems.map((p) => p.message.text), [], 'the check compiles');
  const index = new LineIndex(code);
  return checkMatches(checks, code, rethrow).map((m) => code.slice(index.offsetAt(m.range.start), index.offsetAt(m.range.end)));
}

/** Each `must` text matches (as one whole match), each `mustNot` has no match. */
function table(f: CheckFields, must: string[], mustNot: string[]): void {
  for (const code of must) assert.ok(matches(f, code).length > 0, `must match:\n${code}`);
  for (const code of mustNot) assert.deepEqual(matches(f, code), [], `must not match:\n${code}`);
}

describe('note check patterns', () => {
  test('dotted names match by what they refer to, through every import form', () => {
    table(
      { pattern: 'torch.optim.Adam($$$_)' },
      [
        'import torch\nopt = torch.optim.Adam(params)\n',
        'from torch import optim\nopt = optim.Adam(params)\n',
        'from torch.optim import Adam\nopt = Adam(params)\n',
        'from torch.optim import Adam as A\nopt = A(params)\n',
        'import torch as T\nopt = T.optim.Adam(params)\n',
        'import torch.optim as O\nopt = O.Adam(params)\n',
        'from torch import optim as tor_optim\nopt = tor_optim.Adam(params)\n',
        'import torch\nAdamCls = torch.optim.Adam\nopt = AdamCls(params)\n',
        'def f(params):\n    from torch.optim import Adam\n    return Adam(params)\n',
        // No import at all: the same spelling.
        'opt = torch.optim.Adam(params)\n',
      ],
      [
        'class Adam:\n    pass\nopt = Adam(params)\n',
        'from mylib import Adam\nopt = Adam(params)\n',
        'from keras.optimizers import Adam\nopt = Adam(params)\n',
        'import torch\nopt = torch.optim.AdamW(params)\n',
        'import torch\nopt = torch.optim.Adam\n',
      ],
    );
  });

  test('a name that may stand for either of two classes matches neither (the rules take interchangeable batch norms as one; checks do not)', () => {
    const choice = [
      'import torch.nn as nn\nif sync:\n    BN = nn.SyncBatchNorm\nelse:\n    BN = nn.BatchNorm2d\nnorm = BN(64)\n',
      'import torch.nn as nn\nBN = nn.SyncBatchNorm if sync else nn.BatchNorm2d\nnorm = BN(64)\n',
    ];
    table({ pattern: 'torch.nn.SyncBatchNorm($$$_)' }, [], choice);
    table({ pattern: 'torch.nn.BatchNorm2d($$$_)' }, [], choice);
  });

  test('keyword arguments in any order; positional ones in order; nothing left over without $$$', () => {
    const f = { pattern: 'f(1, a=$A, b=2)' };
    table(f, ['f(1, a=0, b=2)\n', 'f(1, b=2, a=0)\n', 'f(1, b=2.0, a=x + y)\n'], ['f(1, a=0)\n', 'f(1, a=0, b=2, c=3)\n', 'f(2, a=0, b=2)\n', 'f(0, 1, a=0, b=2)\n', 'f(a=0, b=2)\n']);
    table({ pattern: 'f($X, $Y)' }, ['f(1, 2)\n'], ['f(1)\n', 'f(1, 2, 3)\n', 'f(1, y=2)\n', 'f(*args, 2)\n']);
  });

  test('$$$ in calls takes the positional run and every keyword the rest of the pattern did not', () => {
    table({ pattern: 'f($$$A)' }, ['f()\n', 'f(1)\n', 'f(1, x=2, *a, **k)\n'], ['g(1)\n']);
    table({ pattern: 'f($X, $$$_)' }, ['f(1)\n', 'f(1, 2, k=3)\n'], ['f()\n', 'f(k=1)\n']);
    table({ pattern: 'f($$$_, 3)' }, ['f(3)\n', 'f(1, 2, 3)\n', 'f(1, 3, k=4)\n'], ['f(3, 1)\n', 'f()\n']);
    table({ pattern: 'torch.load($$$_, weights_only=True)' }, ['torch.load(p, weights_only=True)\n', 'torch.load(weights_only=True, map_location="cpu", f=p)\n'], ['torch.load(p)\n', 'torch.load(p, weights_only=False)\n']);
  });

  test('$$$ in lists, tuples and subscripts', () => {
    table({ pattern: '[$X, $$$REST]' }, ['a = [1]\n', 'a = [1, 2, 3]\n'], ['a = []\n', 'a = (1, 2)\n']);
    table({ pattern: '($$$_, 0)' }, ['a = (0,)\n', 'a = (1, 2, 0)\n'], ['a = (0, 1)\n', 'a = [1, 0]\n']);
    table({ pattern: '$T[$$$_, None]' }, ['y = x[a, None]\n', 'y = x[None]\n'], ['y = x[None, a]\n', 'y = x[:, None]\n']);
    table({ pattern: '$T[:, None]' }, ['y = x[:, None]\n', 'y = x[ : , None]\n'], ['y = x[None, :]\n', 'y = x[1:, None]\n', 'y = x[::2, None]\n']);
  });

  test('statement blocks: $$$ stands for statements; a pattern of statements matches consecutive ones', () => {
    const loop = { pattern: 'for $B in $L:\n    $$$_\n    $O.step()' };
    table(loop, ['for b in loader:\n    loss = f(b)\n    loss.backward()\n    opt.step()\n', 'for b in loader:\n    opt.step()\n'], ['for b in loader:\n    opt.step()\n    log(b)\n', 'while True:\n    opt.step()\n']);
    const seq = { pattern: '$O.zero_grad()\n$L.backward()' };
    table(seq, ['def step():\n    opt.zero_grad()\n    loss.backward()\n    opt.step()\n'], ['def step():\n    opt.zero_grad()\n    loss = f()\n    loss.backward()\n']);
    table({ pattern: 'def forward(self, $$$_):\n    $$$_' }, ['class M:\n    def forward(self, x, y=1):\n        return x\n', 'class M:\n    def forward(self):\n        pass\n'], ['class M:\n    def forward(x):\n        return x\n', 'def backward(self):\n    pass\n']);
    table({ pattern: 'with torch.no_grad():\n    $$$_' }, ['import torch\nwith torch.no_grad():\n    y = m(x)\n'], ['import torch\nwith torch.enable_grad():\n    y = m(x)\n']);
  });

  test('a capture used twice must be the same text, whitespace and comments aside', () => {
    table({ pattern: '$X == $X' }, ['ok = a == a\n', 'ok = f(a, b) == f(a,b)\n', 'ok = (x.y\n      ) == x . y\n'], ['ok = a == b\n', 'ok = f(a) == f(b)\n']);
    table({ pattern: '$A.to($D)\n$B.to($D)' }, ['model.to(dev)\nbatch.to(dev)\n'], ['model.to(dev)\nbatch.to(cpu)\n']);
  });

  test('literals by value: numbers, strings of any quote, True/False/None as themselves', () => {
    table({ pattern: 'f(1.0)' }, ['f(1.00)\n', 'f(1)\n', 'f(1e0)\n', 'f(1_0e-1)\n'], ['f(2.0)\n', 'f(True)\n', 'f("1")\n', 'f(1j)\n']);
    table({ pattern: "f('a')" }, ['f("a")\n', "f('''a''')\n", 'f("""a""")\n'], ["f(b'a')\n", "f('b')\n", 'f(a)\n']);
    table({ pattern: 'f(None, x=False)' }, ['f(None, x=False)\n'], ['f(0, x=False)\n', 'f(None, x=0)\n', 'f(None, x=None)\n']);
    table({ pattern: 'f(0x10)' }, ['f(16)\n', 'f(0o20)\n'], ['f(10)\n']);
  });

  test('unless: a match is dropped when an unless pattern matches the same node (sharing its captures)', () => {
    const f = { pattern: 'torch.load($$$ARGS)', unless: ['torch.load($$$_, weights_only=$_)'] };
    table(f, ['import torch\nsd = torch.load(path)\n', 'import torch\nsd = torch.load(path, map_location="cpu")\n'], ['import torch\nsd = torch.load(path, weights_only=True)\n', 'import torch\nsd = torch.load(path, weights_only=False)\n']);
    const g = { pattern: 'f($X, $Y)', unless: ['f($X, $X)'] };
    table(g, ['f(a, b)\n'], ['f(a, a)\n']);
  });

  test('inside: kept only where a match of the enclosing pattern covers it', () => {
    const f = { pattern: '$X.item()', inside: 'def forward(self, $$$_):\n    $$$_' };
    table(f, ['class M:\n    def forward(self, x):\n        return x.sum().item()\n'], ['class M:\n    def loss(self, x):\n        return x.sum().item()\n', 'v = x.item()\n']);
  });

  test('not-inside: dropped where a match of the enclosing pattern covers it', () => {
    const f = {
      pattern: 'with torch.no_grad():\n    $$$_\n    for $B in $L:\n        $$$_\n    $$$_',
      notInside: '$M.eval()\n$$$_\nwith torch.no_grad():\n    $$$_',
    };
    table(
      f,
      ['def validate(model, loader):\n    with torch.no_grad():\n        for x in loader:\n            model(x)\n', 'def validate(model, loader):\n    model.train()\n    with torch.no_grad():\n        for x in loader:\n            model(x)\n'],
      ['def validate(model, loader):\n    model.eval()\n    with torch.no_grad():\n        for x in loader:\n            model(x)\n', 'def validate(model, loader):\n    model.eval()\n    n = 0\n    with torch.no_grad():\n        for x in loader:\n            model(x)\n'],
    );
  });

  test('`any:` alternatives; one finding per node', () => {
    const f = { pattern: ['torch.load($$$_)', 'torch.load($F)'] };
    assert.deepEqual(matches(f, 'import torch\nsd = torch.load(p)\n'), ['torch.load(p)']);
    assert.deepEqual(matches({ pattern: ['np.float($_)', 'np.int($_)'] }, 'a = np.float(x)\nb = np.int(y)\n'), ['np.float(x)', 'np.int(y)']);
  });

  test('expressions the tree does not model compare as written', () => {
    table({ pattern: '[$X for $X in $Y]' }, ['a = [v for v in vs]\n'], ['a = [v for w in vs]\n', 'a = {v for v in vs}\n']);
    table({ pattern: 'lambda x: x + 1' }, ['f = lambda x: x+1\n'], ['f = lambda y: y + 1\n']);
  });

  test('a capture of an attribute name and of a function name', () => {
    assert.deepEqual(matches({ pattern: 'torch.$F($X)' }, 'import torch\na = torch.relu(x)\nb = np.relu(x)\n'), ['torch.relu(x)']);
    table({ pattern: 'def $F(self):\n    pass' }, ['class A:\n    def reset(self):\n        pass\n'], ['def reset(self):\n    return 1\n']);
  });

  test('a pattern is tried in full only where it can match, and still matches everywhere it does', () => {
    // Keywords and argument counts, through every spelling of the callee.
    table(
      { pattern: 'torch.nn.Conv2d($$$_, bias=True)' },
      ['import torch\ny = torch.nn.Conv2d(3, 8, 3, bias=True)\n', 'from torch import nn as N\ny = N.Conv2d(3, 8, bias=True)\n', 'from torch.nn import Conv2d as C\ny = C(3, 8, bias=True)\n', 'import torch\nConv = torch.nn.Conv2d\ny = Conv(bias=True, in_channels=3)\n'],
      ['import torch\ny = torch.nn.Conv2d(3, 8, bias=False)\n', 'import torch\ny = torch.nn.Conv2d(3, 8)\n', 'from torch import nn\ny = nn.Conv2d(3, 8, bias=1 == 1)\n'],
    );
    table({ pattern: 'nn.Sequential()' }, ['m = nn.Sequential()\n'], ['m = nn.Sequential(a)\n', 'm = nn.Sequential(*layers)\n', 'm = nn.Sequential(**kw)\n']);
    table({ pattern: 'f(*$A, $B)' }, ['f(*args, b)\n'], ['f(args, b)\n', 'f(*args)\n', 'f(*args, b, c)\n']);
    // A callee that is a capture: any call with those arguments.
    table({ pattern: '$F(x, key=1)' }, ['g(x, key=1)\n', 'a.b(x, key=1)\n', 'a.b()(x, key=1)\n'], ['g(x)\n', 'g(x, key=2)\n', 'g(y, key=1)\n']);
    // The first statement of a pattern: its kind, operator, name and value.
    table({ pattern: 'return self.relu($X)' }, ['def f(self, x):\n    return self.relu(x)\n'], ['def f(self, x):\n    return self.act(x)\n', 'def f(self):\n    return\n']);
    table({ pattern: 'return' }, ['def f():\n    return\n'], ['def f():\n    return x\n']);
    table({ pattern: 'if $C is not None:\n    $$$_' }, ['if x is not None:\n    y = 1\n'], ['if x is None:\n    y = 1\n', 'if x:\n    y = 1\n']);
    table({ pattern: '$X += [$$$_]' }, ['layers += [a, b]\n', 'self.layers += []\n'], ['layers -= [a]\n', 'layers += (a,)\n']);
    table({ pattern: 'def forward(self, $$$_):\n    $$$_' }, ['class M:\n    def forward(self, x):\n        pass\n'], ['class M:\n    def backward(self, x):\n        pass\n']);
    table({ pattern: '$S\nreturn $X' }, ['def f():\n    x = 1\n    return x\n', 'def f():\n    g()\n    return x\n'], ['def f():\n    return x\n']);
  });

  test('an enclosing pattern is looked for around every match, also over top-level statements before it', () => {
    const f = { pattern: 'with torch.no_grad():\n    $$$_', notInside: '$M.eval()\n$$$_\nwith torch.no_grad():\n    $$$_' };
    table(f, ['model.train()\nwith torch.no_grad():\n    model(x)\n'], ['model.eval()\nn = 0\nwith torch.no_grad():\n    model(x)\n']);
    const g = { pattern: 'print($$$_)', inside: 'def forward(self, $$$_):\n    $$$_' };
    assert.deepEqual(matches(g, 'print(0)\nclass M:\n    def forward(self, x):\n        print(x)\n    def loss(self, x):\n        print(x + 1)\nprint(1)\n'), ['print(x)']);
  });

  test('capture names keep their meaning however many a session has seen', () => {
    for (let i = 0; i < 10_000; i++) {
      assert.deepEqual(metaOf(`${MARK}N${i}`), { kind: 'one', name: `N${i}` });
      assert.deepEqual(metaOf(`${MARK.repeat(3)}R${i}`), { kind: 'many', name: `R${i}` });
    }
    assert.deepEqual(metaOf(`${MARK}N0`), { kind: 'one', name: 'N0' });
    assert.equal(metaOf('N0'), undefined);
    table({ pattern: 'f($X, $$$_)' }, ['f(a, b)\n'], ['g(a, b)\n', 'f()\n']);
  });

  test('a long $$$ run stays within the step budget: a match or none, never a hang or an error', () => {
    const args = Array.from({ length: 400 }, (_, i) => `a${i}`).join(', ');
    assert.equal(matches({ pattern: 'f($$$A, $$$B, $$$C, z)' }, `f(${args})\n`).length, 0);
    assert.equal(matches({ pattern: 'f($$$A, a399)' }, `f(${args})\n`).length, 1);
  });
});
