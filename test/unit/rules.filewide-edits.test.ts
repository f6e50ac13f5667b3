/**
 * File-wide rules keep what they learn of each top-level statement with the statement, and a document's next version
 * keeps the statements an edit did not touch. These edits change a finding through another statement than the one
 * edited (a batch size made one that training uses, the only warmup removed, an import rebinding a name used above
 * it, an roi_align added below a conv): re-analysing each version edit by edit must give what analysing it from
 * scratch gives, and the finding must really change (else the case tests nothing).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, DocumentAnalyzer, strictHost } from '../../src/core/rules/index';
import type { Finding } from '../../src/core/rules/types';

/** Each version analysed after the one before it, by one analyzer, and from scratch: the same findings. */
function replay(versions: string[]): Finding[][] {
  const doc = new DocumentAnalyzer(strictHost);
  return versions.map((text, i) => {
    const got = doc.analyze(text).findings;
    const fresh = analyze(text);
    assert.deepEqual(got, fresh, `version ${i + 1}`);
    return fresh;
  });
}

/** The lines (1-based) where a rule's findings start. */
function linesOf(findings: Finding[], rule: string): number[] {
  return findings.filter((f) => f.rule === rule).map((f) => f.range.start.line + 1);
}

/** The versions, and the versions in reverse order (every edit undone one by one). */
function bothWays(versions: string[]): Finding[][] {
  replay([...versions].reverse());
  return replay(versions);
}

/** `bothWays`, and the lines where `rule` reports in each version (undefined: not looked at). */
function expectLines(rule: string, versions: string[], lines: (number[] | undefined)[]): void {
  const found = bothWays(versions);
  lines.forEach((want, i) => {
    if (want) assert.deepEqual(linesOf(found[i], rule), want, `${rule} in version ${i + 1}`);
  });
}

const TRAIN = `import torch
from torch.optim.lr_scheduler import CosineAnnealingLR


def train(model, loader, batch_size):
    lr = 0.1 * batch_size / 256
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    scheduler = CosineAnnealingLR(optimizer, T_max=90)
    for images, targets in loader:
        loss = model(images, targets)
        loss.backward()
        optimizer.step()
    scheduler.step()


def main(model, dataset):
    batch_size = 512
    loader = torch.utils.data.DataLoader(dataset, batch_size=64)
    train(model, loader, batch_size)
`;

/** A backbone with a 3x3 conv without padding (line 9), and a function after it that may crop regions. */
function roiFile(o: { padInput: boolean; crop: boolean }): string {
  return `import torch.nn as nn
import torch.nn.functional as F
from torchvision.ops import roi_align


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 64, kernel_size=3)

    def forward(self, x):
${o.padInput ? '        x = F.pad(x, (1, 1, 1, 1))\n' : ''}        return self.conv(x)


def pool(features, boxes):
    return ${o.crop ? 'roi_align(features, boxes, output_size=7)' : 'features'}
`;
}

describe('file-wide rules across edits of other statements', () => {
  test('lr-warmup: a batch size made the one the training loader uses, in another function', () => {
    const used = TRAIN.replace('batch_size=64)', 'batch_size=batch_size)');
    expectLines('lr-warmup', [TRAIN, used], [[], [8]]);
  });

  test('lr-warmup: the loader handed to the training function by a later statement', () => {
    const direct = TRAIN.replace('    train(model, loader, batch_size)\n', '    train(model, dataset, batch_size)\n').replace('batch_size=64)', 'batch_size=batch_size)');
    const fed = TRAIN.replace('batch_size=64)', 'batch_size=batch_size)');
    expectLines('lr-warmup', [direct, fed], [[], [8]]);
  });

  test('lr-warmup: a module-level loader of a large batch, iterated by a training loop in a function below it', () => {
    const text = `import torch

BATCH = 2048
loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH)


def run(model, other):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x in other:
        model(x).backward()
    optimizer.step()
`;
    const iterated = text.replace('for x in other:', 'for x in loader:');
    expectLines('lr-warmup', [text, iterated], [[], [8]]);
  });

  test('lr-warmup: the rate scaled through an attribute assigned in a later statement', () => {
    const base = `import torch


def build(model, args):
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    return torch.optim.lr_scheduler.StepLR(optimizer, 30)


def configure(args, loader):
    args.lr = 0.1
    for step, (x, y) in enumerate(loader):
        loss = x.sum()
        loss.backward()
`;
    const scaled = base.replace('args.lr = 0.1', 'args.lr = 0.1 * args.world_size').replace('def configure(args, loader):', 'def configure(args, loader):\n    args.world_size = torch.distributed.get_world_size()');
    const runtime = base.replace('args.lr = 0.1', 'args.lr = 0.1 * torch.distributed.get_world_size()');
    expectLines('lr-warmup', [base, scaled, runtime], [[], undefined, [6]]);
  });

  test('lr-warmup: removing the only warmup, in the last statement, brings back the findings above it', () => {
    const text = `import torch

large_batch = True


def build(model):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.4)
    return optimizer


def schedule(optimizer):
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=90)


warmup_epochs = 5
`;
    const without = text.replace('warmup_epochs = 5\n', 'epochs = 5\n');
    expectLines('lr-warmup', [text, without, text], [[], [12], []]);
  });

  test('lr-warmup: an import at the end rebinds the name an optimizer above it is built with', () => {
    const text = `large_batch = True


def build(model):
    optimizer = optim.SGD(model.parameters(), lr=0.4)
    optimizer.step()


def evaluate(model, data):
    return model(data)


import torch.optim as optim
`;
    const other = text.replace('import torch.optim as optim', 'import mylib.opt as optim');
    const shadowed = text.replace('import torch.optim as optim\n', 'import torch.optim as optim\n\n\ndef optim():\n    pass\n');
    expectLines('lr-warmup', [text, other, text, shadowed], [[5], [], [5], []]);
  });

  test('lr-warmup: a DataLoader imported under another name by a later statement', () => {
    const text = `import torch


def main(model, dataset):
    loader = Loader(dataset, batch_size=4096, shuffle=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x in loader:
        model(x).backward()
    optimizer.step()


from torch.utils.data import DataLoader as Loader
`;
    const other = text.replace('from torch.utils.data import DataLoader as Loader', 'from mylib import Loader');
    expectLines('lr-warmup', [text, other], [[6], []]);
  });

  test('lr-warmup: a star import at the end, and a name it would lend bound later', () => {
    const text = `large_batch = True


def build(model):
    SGD(model.parameters(), lr=0.4).step()


from torch.optim import *
`;
    const bound = text.replace('from torch.optim import *\n', 'from torch.optim import *\nfrom torch.optim import SGD\n');
    bothWays([text, bound, text]);
  });

  test('unpadded-conv-before-roi: an roi_align added below a conv, then removed', () => {
    const text = roiFile({ padInput: false, crop: false });
    const crops = roiFile({ padInput: false, crop: true });
    const pads = crops.replace('def pool(features, boxes):', 'def pool(features, boxes):\n    features = F.pad(features, (1, 1, 1, 1))');
    expectLines('unpadded-conv-before-roi', [text, crops, pads, text], [[], [9], [9], []]);
  });

  test('unpadded-conv-before-roi: the input padded once, by a statement after the edited one', () => {
    expectLines('unpadded-conv-before-roi', [roiFile({ padInput: true, crop: true }), roiFile({ padInput: false, crop: true })], [[], [9]]);
  });
});
