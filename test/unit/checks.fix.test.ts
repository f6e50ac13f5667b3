/**
 * Note check fixes: in/out pairs (captures with their own text, empty `$$$`, names written the way the file refers to
 * them, imports added in the file's style, statement fixes at their indentation), and the guarantees: the fixed file
 * parses, fixing twice changes nothing, a fix that would still match or would not parse is not offered.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileChecks } from '../../src/core/checks/check';
import { withChecks } from '../../src/core/checks/index';
import { fixText } from '../../src/core/lint';
import { parsePython } from '../../src/core/python/parse';
import { strictHost } from '../../src/core/rules/index';
import { checkYaml } from './helpers';

const ADAMW = checkYaml('adamw-for-weight-decay', {
  message: 'Adam with weight_decay=$WD couples decay with the adaptive step; AdamW decouples it.',
  pattern: 'torch.optim.Adam($$$ARGS, weight_decay=$WD)',
  unless: ['torch.optim.Adam($$$_, weight_decay=0)'],
  fix: 'torch.optim.AdamW($$$ARGS, weight_decay=$WD)',
});
const LOAD = checkYaml('torch-load-weights-only', {
  pattern: 'torch.load($$$ARGS)',
  unless: ['torch.load($$$_, weights_only=$_)'],
  fix: 'torch.load($$$ARGS, weights_only=True)',
});

function hostOf(...yaml: string[]) {
  const r = withChecks(
    strictHost,
    yaml.map((text) => ({ file: 'note.md', ref: { slug: 's' }, text, line: 0, column: 0 })),
  );
  assert.deepEqual(r.problems.map((p) => p.message.text), []);
  return r.host;
}

/** The text after applying every preferred fix until nothing changes; asserts it parses and a second run changes nothing. */
function fixed(yaml: string, input: string): string {
  const host = hostOf(yaml);
  const r = fixText(input, {}, undefined, host);
  assert.equal(r.refused, undefined, r.refused);
  assert.deepEqual(parsePython(r.output).module.errors, [], `the fixed file parses:\n${r.output}`);
  assert.deepEqual(host.analyze(r.output).filter((f) => f.fixes.length), [], `nothing left to fix:\n${r.output}`);
  assert.equal(fixText(r.output, {}, undefined, host).output, r.output, 'fixing twice changes nothing');
  return r.output;
}

describe('note check fixes', () => {
  test('in/out pairs: captures keep their text, names are written the way the file refers to them', () => {
    const pairs: [string, string, string][] = [
      [ADAMW, 'import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-2)\n', 'import torch\nopt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)\n'],
      [ADAMW, 'from torch import optim\nopt = optim.Adam(params, weight_decay=wd)\n', 'from torch import optim\nopt = optim.AdamW(params, weight_decay=wd)\n'],
      [ADAMW, 'import torch as T\nopt = T.optim.Adam(params, weight_decay=wd)\n', 'import torch as T\nopt = T.optim.AdamW(params, weight_decay=wd)\n'],
      // Only `Adam` imported: the fix adds AdamW to the same import line.
      [ADAMW, 'from torch.optim import Adam\nopt = Adam(params, weight_decay=wd)\n', 'from torch.optim import Adam, AdamW\nopt = AdamW(params, weight_decay=wd)\n'],
      // Keywords in another order: the ones $$$ARGS took, then weight_decay.
      [ADAMW, 'import torch\nopt = torch.optim.Adam(params, weight_decay=wd, lr=lr)\n', 'import torch\nopt = torch.optim.AdamW(params, lr=lr, weight_decay=wd)\n'],
      // Arguments on their own lines, with a comment: $$$ARGS keeps them as written.
      [
        ADAMW,
        'import torch\n\n\ndef make(model):\n    return torch.optim.Adam(\n        model.parameters(),  # all of them\n        lr=3e-4,\n        weight_decay=0.05,\n    )\n',
        'import torch\n\n\ndef make(model):\n    return torch.optim.AdamW(model.parameters(),  # all of them\n        lr=3e-4, weight_decay=0.05)\n',
      ],
      [LOAD, 'import torch\nsd = torch.load(path, map_location="cpu")\n', 'import torch\nsd = torch.load(path, map_location="cpu", weights_only=True)\n'],
      // An empty $$$ leaves no stray comma.
      [LOAD, 'import torch\nsd = torch.load()\n', 'import torch\nsd = torch.load(weights_only=True)\n'],
      [LOAD, 'import torch as T\nsd = T.load(f)\n', 'import torch as T\nsd = T.load(f, weights_only=True)\n'],
      [LOAD, 'from torch import load\nsd = load(f)\n', 'from torch import load\nsd = load(f, weights_only=True)\n'],
    ];
    for (const [yaml, input, output] of pairs) assert.equal(fixed(yaml, input), output, input);
  });

  test('a name the file does not import: added in the file’s style (from-imports, or plain imports)', () => {
    const toRelu = checkYaml('functional-relu', { pattern: 'torch.nn.ReLU()($X)', fix: 'torch.nn.functional.relu($X)' });
    assert.equal(fixed(toRelu, 'from torch.nn import ReLU\ny = ReLU()(x)\n'), 'from torch.nn import ReLU\nfrom torch.nn.functional import relu\ny = relu(x)\n');
    assert.equal(fixed(toRelu, 'import torch.nn as nn\ny = nn.ReLU()(x)\n'), 'import torch.nn as nn\ny = nn.functional.relu(x)\n');
    assert.equal(fixed(toRelu, 'import os\nimport torch.nn.modules as M\ny = M.ReLU()(x)\n'.replace('torch.nn.modules as M', 'torch.nn as M'), ), 'import os\nimport torch.nn as M\ny = M.functional.relu(x)\n');
    const softmax = checkYaml('softmax-dim', { pattern: 'torch.softmax($X)', fix: 'torch.nn.Softmax(dim=-1)($X)' });
    assert.equal(fixed(softmax, 'import os\nimport torch\np = torch.softmax(z)\n'), 'import os\nimport torch\np = torch.nn.Softmax(dim=-1)(z)\n');
    assert.equal(fixed(softmax, 'from torch import nn, softmax\np = softmax(z)\n'), 'from torch import nn, softmax\np = nn.Softmax(dim=-1)(z)\n');
  });

  test('a statement fix keeps the block’s indentation and moves captured statements with it', () => {
    const noGrad = checkYaml('validate-without-grad', {
      pattern: 'for $B in $L:\n    $$$BODY',
      inside: 'def validate($$$_):\n    $$$_',
      notInside: 'with torch.no_grad():\n    $$$_',
      fix: 'with torch.no_grad():\n    for $B in $L:\n        $$$BODY',
    });
    const input = 'import torch\n\n\ndef validate(model, loader):\n    model.eval()\n    for x, y in loader:\n        out = model(x)\n        if out is None:\n            continue\n    return out\n';
    const output = 'import torch\n\n\ndef validate(model, loader):\n    model.eval()\n    with torch.no_grad():\n        for x, y in loader:\n            out = model(x)\n            if out is None:\n                continue\n    return out\n';
    assert.equal(fixed(noGrad, input), output);
  });

  test('a fix that would still match, or would not parse, or repeats a keyword is not offered', () => {
    const cases: [string, string][] = [
      [checkYaml('wrap', { pattern: 'f($X)', fix: 'g(f($X))' }), 'y = f(1)\n'],
      [checkYaml('same', { pattern: 'f($X)', fix: 'f($X)' }), 'y = f(1)\n'],
      // The loop's body is empty once `pass` is taken away: the fixed code does not parse.
      [checkYaml('broken', { pattern: 'for $X in $Y:\n    $$$A\n    pass', fix: 'while $Y:\n    $$$A' }), 'for a in b:\n    pass\n'],
      [checkYaml('twice', { pattern: 'torch.load($$$ARGS)', fix: 'torch.load($$$ARGS, weights_only=True)' }), 'import torch\nsd = torch.load(f, weights_only=False)\n'],
    ];
    for (const [yaml, input] of cases) {
      const findings = hostOf(yaml).analyze(input);
      assert.equal(findings.length, 1, yaml);
      assert.deepEqual(findings[0].fixes, [], `no fix for:\n${yaml}`);
    }
  });

  test('the fix is the finding’s preferred quick fix, titled with the code it writes', () => {
    const [f] = hostOf(LOAD).analyze('import torch\nsd = torch.load(path)\n');
    assert.equal(f.rule, 'torch-load-weights-only');
    assert.equal(f.fixes.length, 1);
    assert.equal(f.fixes[0].isPreferred, true);
    assert.equal(f.fixes[0].title, 'Apply the note’s fix: torch.load(path, weights_only=True)');
  });

  test('fixes in a notebook program: each in its own cell', () => {
    const program = 'import torch\n\nsd = torch.load(p)\n\nopt = torch.optim.Adam(ps, weight_decay=1e-4)\n';
    const host = hostOf(ADAMW, LOAD);
    const out = fixText(program, {}, undefined, host).output;
    assert.equal(out, 'import torch\n\nsd = torch.load(p, weights_only=True)\n\nopt = torch.optim.AdamW(ps, weight_decay=1e-4)\n');
  });

  test('the checks compile once per note library: the block’s own ids are not reused', () => {
    const { problems } = compileChecks(
      [
        { file: 'a.md', ref: { slug: 'a' }, text: LOAD, line: 0, column: 0 },
        { file: 'b.md', ref: { slug: 'b' }, text: LOAD, line: 4, column: 0 },
      ],
      new Set(),
    );
    assert.equal(problems.length, 1);
    assert.equal(problems[0].file, 'b.md');
  });
});
