import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, DocumentAnalyzer, strictHost, mergeFixes, ruleById, rules } from '../../src/core/rules/index';

const actionsAt = (text: string, position: { line: number; character: number }) => strictHost.actionsAt(text, position).map((a) => a.fix);
import { fixText, lintText } from '../../src/core/lint';
import { applyEdits } from '../../src/core/text';

const CONV_BN = [
  'import torch.nn as nn',
  '',
  'class Block(nn.Module):',
  '    def __init__(self, c):',
  '        super().__init__()',
  '        self.body = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU())',
  '        self.inorm = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.InstanceNorm2d(c), nn.ReLU())',
  '',
].join('\n');

describe('rule registry', () => {
  test('the four rules, with the note references and default severities they are documented with', () => {
    assert.deepEqual(
      rules.map((r) => [r.meta.id, r.meta.noteRef, r.meta.defaultSeverity, r.meta.fixable]),
      [
        ['conv-bias-before-batchnorm', { slug: 'misc-details', point: 2 }, 'warning', true],
        ['segmentation-head-3x3-classifier', { slug: '一些琐碎但是非常重要的点', point: 1 }, 'hint', true],
        ['unpadded-conv-before-roi', { slug: '一些琐碎但是非常重要的点', point: 2 }, 'information', true],
        ['lr-warmup', { slug: 'learning-rate-warming-up', point: 2 }, 'hint', true],
      ],
    );
    for (const r of rules) {
      assert.ok(r.meta.description.length > 20);
      assert.ok(r.meta.docs, `${r.meta.id} documents itself`);
      assert.ok(r.meta.docs.why.length > 40);
      assert.notEqual(r.meta.docs.before, r.meta.docs.after);
    }
  });

  test('each rule documents a before that fires and an after that does not', () => {
    const wrap: Record<string, (code: string) => string> = {
      'conv-bias-before-batchnorm': (c) =>
        `import torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n${indent(c.split('\n# forward:')[0], 8)}\n    def forward(self, x):\n        return self.bn(self.conv(x))\n`,
      'segmentation-head-3x3-classifier': (c) => `import torch.nn as nn\nclass M(nn.Module):\n    def __init__(self, num_classes):\n${indent(c, 8)}\n`,
      'unpadded-conv-before-roi': (c) =>
        `import torch.nn as nn\nfrom torchvision.ops import roi_align\nclass M(nn.Module):\n    def __init__(self):\n${indent(c.split('\n# forward:')[0], 8)}\n    def forward(self, x, boxes):\n        return roi_align(self.conv1(x), boxes, output_size=7)\n`,
      'lr-warmup': (c) =>
        `import torch\nfrom torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR\ndef setup(model, batch_size, epochs):\n${indent(c.replace('# gradual warmup …', '# gradual warmup'), 4)}\n`,
    };
    for (const r of rules) {
      const docs = r.meta.docs!;
      const before = wrap[r.meta.id](docs.before);
      const after = wrap[r.meta.id](docs.after);
      assert.ok(analyze(before).some((f) => f.rule === r.meta.id), `${r.meta.id}: before does not fire:\n${before}`);
      assert.ok(!analyze(after).some((f) => f.rule === r.meta.id), `${r.meta.id}: after fires:\n${after}`);
    }
  });

  test('findings carry the rule, its note, its severity and 0-based ranges', () => {
    const [f] = analyze(CONV_BN);
    assert.equal(f.rule, 'conv-bias-before-batchnorm');
    assert.deepEqual(f.noteRef, { slug: 'misc-details', point: 2 });
    assert.equal(f.severity, 'warning');
    assert.deepEqual(f.range.start, { line: 5, character: 34 });
    assert.match(f.message, /BatchNorm2d/);
    assert.match(f.fixes[0].title, /unexpected “\*\.bias” key/);
  });

  test('severity overrides, off and only', () => {
    assert.equal(analyze(CONV_BN, { severities: { 'conv-bias-before-batchnorm': 'error' } })[0].severity, 'error');
    assert.deepEqual(analyze(CONV_BN, { severities: { 'conv-bias-before-batchnorm': 'off' } }), []);
    assert.deepEqual(analyze(CONV_BN, { only: ['lr-warmup'] }), []);
    assert.equal(analyze(CONV_BN, { only: ['conv-bias-before-batchnorm'] }).length, 1);
  });

  test('InstanceNorm counts as batch norm only when asked', () => {
    assert.equal(analyze(CONV_BN).length, 1);
    const withIn = analyze(CONV_BN, { instanceNormAsBatchNorm: true });
    assert.deepEqual(
      withIn.map((f) => f.range.start.line),
      [5, 6],
    );
  });

  test('ruleById', () => {
    assert.equal(ruleById('lr-warmup')?.meta.id, 'lr-warmup');
    assert.equal(ruleById('nope'), undefined);
  });
});

describe('fixing', () => {
  test('mergeFixes keeps one copy of shared edits and skips overlapping fixes', () => {
    const src = [
      'import torch.nn as nn',
      'def conv3x3(a, b):',
      '    return nn.Conv2d(a, b, 3, padding=1)',
      'x = nn.Sequential(conv3x3(3, 8), nn.BatchNorm2d(8))',
      'y = nn.Sequential(conv3x3(8, 8), nn.BatchNorm2d(8))',
    ].join('\n');
    const findings = analyze(src);
    assert.equal(findings.length, 2, 'both call sites fire');
    assert.deepEqual(findings[0].fixes[0].edits, findings[1].fixes[0].edits, 'both fix the helper the same way');
    const merged = mergeFixes(src, findings);
    assert.equal(merged.edits.length, 1);
    assert.equal(merged.applied.length, 2);
    assert.match(applyEdits(src, merged.edits), /nn\.Conv2d\(a, b, 3, padding=1, bias=False\)/);
  });

  test('fixText refuses text that does not parse and leaves it alone', () => {
    const broken = `${CONV_BN}def (:\n`;
    const r = fixText(broken);
    assert.equal(r.output, broken);
    assert.deepEqual(r.applied, []);
    assert.match(r.refused ?? '', /does not parse cleanly.*line 8/);
    assert.equal(lintText(broken).syntaxErrors.length > 0, true);
    assert.equal(lintText(broken).findings.length, 1, 'findings are still reported');
  });

  test('fixText applies, reports and reaches a fixed point', () => {
    const r = fixText(CONV_BN);
    assert.equal(r.refused, undefined);
    assert.deepEqual(
      r.applied.map((a) => [a.rule, a.line, a.pass]),
      [['conv-bias-before-batchnorm', 5, 1]],
    );
    assert.match(r.output, /nn\.Conv2d\(c, c, 3, padding=1, bias=False\), nn\.BatchNorm2d/);
    assert.equal(fixText(r.output).output, r.output);
    assert.deepEqual(r.remaining, []);
  });

  test('"Add gradual LR warmup" is offered on an optimizer or scheduler without a diagnostic', () => {
    const src = [
      'import torch',
      'from torch.optim.lr_scheduler import StepLR',
      '',
      'def setup(model):',
      '    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)',
      '    scheduler = StepLR(optimizer, step_size=30)',
      '    return optimizer, scheduler',
      '',
    ].join('\n');
    assert.deepEqual(analyze(src), [], 'no diagnostic: nothing marks this run large-batch');
    const onScheduler = actionsAt(src, { line: 5, character: 20 });
    assert.equal(onScheduler.length, 1);
    assert.equal(onScheduler[0].title, 'Add gradual LR warmup');
    const out = applyEdits(src, onScheduler[0].edits);
    assert.match(out, /from torch\.optim\.lr_scheduler import StepLR, SequentialLR, LinearLR/);
    assert.match(out, /schedulers=\[\n {12}LinearLR\(optimizer, start_factor=0\.1, total_iters=warmup_iters\),\n {12}StepLR\(optimizer, step_size=30\),/);
    // On the optimizer, the warmup goes into the scheduler built from it.
    const onOptimizer = actionsAt(src, { line: 4, character: 30 });
    assert.deepEqual(onOptimizer[0].edits, onScheduler[0].edits);
    // Elsewhere, and once a warmup exists, nothing is offered.
    assert.deepEqual(actionsAt(src, { line: 0, character: 3 }), []);
    assert.deepEqual(actionsAt(out, { line: 7, character: 8 }), []);
  });
});

describe('DocumentAnalyzer', () => {
  test('answers a repeated request without re-analysing and follows edits', () => {
    const doc = new DocumentAnalyzer(strictHost);
    const a = doc.analyze(CONV_BN);
    assert.equal(doc.analyze(CONV_BN), a, 'same text and options: the same result object');
    assert.notEqual(doc.analyze(CONV_BN, { instanceNormAsBatchNorm: true }), a);
    const edited = CONV_BN.replace('nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d', 'nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d');
    const b = doc.analyze(edited);
    assert.deepEqual(b.findings, []);
    assert.equal(b.clean, true);
    assert.deepEqual(b.findings, analyze(edited));
  });
});

function indent(code: string, n: number): string {
  return code
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');
}
