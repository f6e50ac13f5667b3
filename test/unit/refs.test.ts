import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from './fc';
import { main } from '../../src/cli/main';
import { explainAt, hoverWindow } from '../../src/core/explain';
import { NoteLibrary } from '../../src/core/notes/library';
import { LineIndex } from '../../src/core/text';
import { findRefsInFile, RefFinder, type RefTarget } from '../../src/core/terms/refs';
import { foldKey } from '../../src/core/terms/termIndex';
import { bundledNotesDir, fixturesDir, tempDir } from './helpers';

const BUNDLED = path.join(bundledNotesDir, 'ml-basis-notes.md');
const USER = path.join(fixturesDir, 'user-notes', 'focal-loss.md');

function library(): NoteLibrary {
  const lib = new NoteLibrary();
  lib.setFile(BUNDLED, fs.readFileSync(BUNDLED, 'utf8'), { bundled: true });
  lib.setFile(USER, fs.readFileSync(USER, 'utf8'));
  return lib;
}

/**
 * What the editor shows, position by position: the hover at every offset of the text (the mouse anywhere on a
 * token), through the editor's window of lines. The places where its first match is the target, by token start.
 */
function hoverOracle(lib: NoteLibrary, text: string, target: RefTarget): number[] {
  const index = new LineIndex(text);
  const starts = new Set<number>();
  for (let offset = 0; offset <= text.length; offset++) {
    const line = index.positionAt(offset).line;
    const { startLine, endLine } = hoverWindow(line, index.lineCount);
    const base = index.lineStart(startLine);
    const ex = explainAt(lib, text.slice(base, index.lineEnd(endLine)), offset - base);
    if (!ex || ex.best.doc.id !== target.file) continue;
    if (target.slug !== undefined && ex.best.section.slug !== target.slug) continue;
    if (target.point !== undefined && ex.best.point?.index !== target.point) continue;
    starts.add(base + ex.start);
  }
  return [...starts].sort((a, b) => a - b);
}

const CODE = `import torch
from torch import nn
import torch.nn.functional as F

class FPNHead(nn.Module):
    """Feature pyramid: lateral convs then top-down."""
    def __init__(self, c):
        super().__init__()
        self.lateral_conv = nn.Conv2d(c, 256, 1, bias=True)
        self.bn = nn.BatchNorm2d(256)
        self.fpn = FeaturePyramidNetwork([256], 256)

    def forward(self, x):
        y = torch.cat([x, x], 1)
        return F.pad(self.bn(self.lateral_conv(y)), (1, 1))

loss = sigmoid_focal_loss(p, t, gamma=2)   # FocalLoss, focal_loss
warmup_epochs = 5
`;

describe('refs: the places whose hover shows a section', () => {
  const lib = library();

  test('finds the FPN section where the hover shows it, and nothing the hover gives to another section', () => {
    const finder = new RefFinder(lib, { file: BUNDLED, slug: 'fpn-architecture' });
    const refs = finder.find(CODE);
    assert.deepEqual(
      refs.map((r) => `${r.line + 1}:${r.character + 1} ${r.token}`),
      ['5:7 FPNHead', '6:25 lateral', '9:14 lateral_conv', '11:14 fpn', '11:20 FeaturePyramidNetwork', '15:35 lateral_conv'],
    );
    assert.equal(refs[2].lineText, '        self.lateral_conv = nn.Conv2d(c, 256, 1, bias=True)');
    assert.deepEqual(refs[2].chain, ['self', 'lateral_conv']);
  });

  test('a point: only the places whose hover shows that point (bias= of a conv is point 2 of "Misc details")', () => {
    const p2 = new RefFinder(lib, { file: BUNDLED, slug: 'misc-details', point: 2 }).find(CODE);
    assert.deepEqual(p2.map((r) => [r.token, r.term]), [['bias', 'Conv2d(bias)']]);
    const section = new RefFinder(lib, { file: BUNDLED, slug: 'misc-details' }).find(CODE);
    assert.deepEqual(section.map((r) => `${r.token}/${r.point}`), ['bias/2', 'bn/1', 'BatchNorm2d/1', 'bn/1']);
  });

  test('a whole note: every place of every section, each with its section', () => {
    const refs = new RefFinder(lib, { file: USER }).find(CODE);
    assert.deepEqual(refs.map((r) => `${r.token}→${r.slug}`), ['sigmoid_focal_loss→focal-loss', 'gamma→focal-loss', 'FocalLoss→focal-loss', 'focal_loss→focal-loss']);
  });

  test('the prefilter skips a text with none of the section’s needles, and finds the needles through case and underscores', () => {
    const finder = new RefFinder(lib, { file: BUNDLED, slug: 'fpn-architecture' });
    assert.ok(finder.needles.includes('fpn') && finder.needles.includes('lateralconv'));
    assert.equal(finder.mayContain('def train(model):\n    return model.fit(x)\n'), false);
    assert.equal(finder.mayContain('x = Lateral_Conv(1)'), true);
    assert.equal(foldKey('Lateral_Conv'), 'lateralconv');
  });

  test('notebooks cell by cell (the cell as its editor holds it), YAML as text', () => {
    const nb = JSON.stringify({
      cells: [
        { cell_type: 'markdown', source: ['# FPN'] },
        { cell_type: 'code', source: ['%matplotlib inline\n', 'import torch\n'] },
        { cell_type: 'code', source: 'fpn = FeaturePyramidNetwork([256], 256)\n' },
      ],
      metadata: { language_info: { name: 'python' } },
    });
    const finder = new RefFinder(lib, { file: BUNDLED, slug: 'fpn-architecture' });
    const found = findRefsInFile(finder, 'notebook', nb)!;
    assert.deepEqual(found.refs.map((r) => `${r.line}:${r.character} ${r.token}`), ['0:0 fpn', '0:6 FeaturePyramidNetwork']);
    assert.deepEqual(found.cells, [{ index: 2, ordinal: 2 }, { index: 2, ordinal: 2 }]);
    assert.equal(findRefsInFile(finder, 'notebook', '{not json, FPN'), undefined);
    const yaml = findRefsInFile(finder, 'yaml', 'model:\n  neck: FPN\n  fpn_channels: 256\n')!;
    assert.deepEqual(yaml.refs.map((r) => r.token), ['FPN', 'fpn_channels']);
  });

  test('CJK and mixed identifiers: the hover and refs agree', () => {
    const text = '学习率_warmup = 0.1\nwarmup学习率 = 2\n';
    const target = { file: BUNDLED, slug: 'learning-rate-warming-up' };
    assert.deepEqual(
      new RefFinder(lib, target).find(text).map((r) => r.start),
      hoverOracle(lib, text, target),
    );
  });
});

// Code made of the notes' own vocabulary, near misses and noise, in every shape a token takes.
const WORDS = ['FPN', 'fpn', 'lateral_conv', 'Lateral', 'FeaturePyramidNetwork', 'BatchNorm2d', 'bn', 'BN', 'norm_layer', 'bias', 'padding', 'Conv2d', 'conv', 'torch', 'cat', 'nn', 'F', 'pad', 'warmup_epochs', 'lr_warmup', 'WarmupLR', 'LinearLR', 'focal_loss', 'FocalLoss', 'sigmoid_focal_loss', 'gamma', 'mIoU', 'miou', 'p2', 'P3', 'x', 'self', 'model', 'top_down', 'topdown', '学习率', 'segmentation', 'crf', 'CRF', 'Add', 'add', 'residual', 'roi_align', '\u212AFPN', 'İFPN'];
const SEPARATORS = [' ', '.', '(', ')', ', ', '=', ' = ', '\n', '\n    ', '\r\n', '_', '#', '"', '[', ']', ': '];
const code = fc
  .array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...WORDS) }, { weight: 3, arbitrary: fc.constantFrom(...SEPARATORS) }, { weight: 1, arbitrary: fc.string({ maxLength: 4 }) }), { minLength: 8, maxLength: 120, size: 'medium' })
  .map((parts) => parts.join(''));

describe('refs: the same resolution as the hover (property)', () => {
  const lib = library();
  const targets: RefTarget[] = [
    { file: BUNDLED, slug: 'fpn-architecture' },
    { file: BUNDLED, slug: 'misc-details' },
    { file: BUNDLED, slug: 'misc-details', point: 1 },
    { file: BUNDLED, slug: 'misc-details', point: 2 },
    { file: BUNDLED, slug: 'learning-rate-warming-up' },
    { file: BUNDLED, slug: '理解神经网络中通过add的方式融合特征' },
    { file: BUNDLED },
    { file: USER, slug: 'focal-loss' },
  ];

  test('refs lists exactly the tokens whose hover shows the target, at any offset, with the editor’s window of lines', () => {
    let withPlaces = 0;
    let runs = 0;
    fc.assert(
      fc.property(code, fc.constantFrom(...targets), (text, target) => {
        // Every way of finding the needles: in the text itself (case-insensitively), in its lower-cased copy (a Kelvin
        // sign lower-cases to "k"), and identifier by identifier (with "İ", lower case changes the text's length).
        for (const t of [text, `\u212A ${text}`, `İ ${text}`]) {
          const refs = new RefFinder(lib, target).find(t);
          assert.deepEqual(refs.map((r) => r.start), hoverOracle(lib, t, target));
          for (const r of refs) assert.equal(t.slice(r.start, r.end), r.token);
          if (t === text) {
            runs++;
            if (refs.length) withPlaces++;
          }
        }
      }),
      { numRuns: 200 },
    );
    // The generated code is the notes' vocabulary: most runs have places to find (the property is not vacuous).
    assert.ok(withPlaces > runs / 3, `${withPlaces} of ${runs} runs had places`);
  });

  test('a keyword argument far below its call: refs and the hover read the same 40 lines', () => {
    const far = (n: number) => `y = nn.Conv2d(\n${'    3,\n'.repeat(n)}    bias=False)\n`;
    const target = { file: BUNDLED, slug: 'misc-details', point: 2 };
    for (const n of [10, 38, 39, 40, 41, 60]) {
      const text = far(n);
      assert.deepEqual(new RefFinder(lib, target).find(text).map((r) => r.start), hoverOracle(lib, text, target), `${n} lines between`);
    }
    assert.equal(new RefFinder(lib, target).find(far(10)).length, 1);
    assert.equal(new RefFinder(lib, target).find(far(60)).length, 0, 'the call is out of the hover’s window');
  });
});

describe('ml-notes refs', () => {
  async function run(args: string[], cwd: string) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s), cwd });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  function project(): string {
    const dir = tempDir('ml-notes-refs-');
    fs.mkdirSync(path.join(dir, 'src'));
    fs.mkdirSync(path.join(dir, 'node_modules', 'lib'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src', 'model.py'), CODE);
    fs.writeFileSync(path.join(dir, 'src', 'other.py'), 'def train():\n    pass\n');
    fs.writeFileSync(path.join(dir, 'node_modules', 'lib', 'skip.py'), 'fpn = 1\n');
    fs.writeFileSync(path.join(dir, 'config.yaml'), 'neck: FPN\n');
    fs.writeFileSync(path.join(dir, 'nb.ipynb'), JSON.stringify({ cells: [{ cell_type: 'code', source: ['x = 1\n'] }, { cell_type: 'code', source: ['head = FPN(256)\n'] }] }));
    return dir;
  }

  test('prints path:line:col: token for Python, YAML and notebooks (code-cell number), exit 0', async () => {
    const dir = project();
    const r = await run(['refs', 'ml-basis-notes#fpn-architecture'], dir);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.split('\n'), [
      'config.yaml:1:7: FPN',
      'nb.ipynb#cell2:1:8: FPN',
      'src/model.py:5:7: FPNHead',
      'src/model.py:6:25: lateral',
      'src/model.py:9:14: lateral_conv',
      'src/model.py:11:14: fpn',
      'src/model.py:11:20: FeaturePyramidNetwork',
      'src/model.py:15:35: lateral_conv',
    ]);
    assert.match(r.err, /8 place\(s\) in 3 file\(s\) where the hover shows “FPN architecture”; 4 code file\(s\) read/);
  });

  test('--json, a point by its heading text, a path as NOTE, and a user note read from its path', async () => {
    const dir = project();
    const json = JSON.parse((await run(['refs', 'ml-basis-notes#Misc details/2', 'src', '--json'], dir)).out);
    assert.deepEqual(json, [{ file: 'src/model.py', line: 9, column: 50, token: 'bias', chain: ['bias'], slug: 'misc-details', point: 2, term: 'Conv2d(bias)', text: '        self.lateral_conv = nn.Conv2d(c, 256, 1, bias=True)' }]);
    const user = await run(['refs', `${USER}#focal-loss`, 'src'], dir);
    assert.equal(user.code, 0);
    assert.match(user.out, /src\/model.py:17:8: sigmoid_focal_loss/);
  });

  test('exit 1 when nothing shows the section; exit 2 with a clear message for an unknown note, section or point', async () => {
    const dir = project();
    assert.equal((await run(['refs', 'ml-basis-notes#theory-basis', 'src'], dir)).code, 1);
    const noNote = await run(['refs', 'nope#x'], dir);
    assert.equal(noNote.code, 2);
    assert.match(noNote.err, /No note is named “nope”/);
    const noSection = await run(['refs', 'ml-basis-notes#nope'], dir);
    assert.match(noSection.err, /has no section “nope” \(sections: theory-basis, /);
    const noPoint = await run(['refs', 'ml-basis-notes#misc-details/9'], dir);
    assert.match(noPoint.err, /“Misc details” has 2 point\(s\), not 9/);
    const noPath = await run(['refs', 'ml-basis-notes#fpn-architecture', 'missing/'], dir);
    assert.equal(noPath.code, 2);
    assert.match(noPath.err, /missing: no such file or folder/);
  });
});

describe('refs and link on the vault fixture (notes named as wikilinks name them)', () => {
  const vault = path.join(fixturesDir, 'vault');
  async function run(args: string[], cwd: string) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s), cwd });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  function copyVault(): { dir: string; vault: string } {
    const dir = tempDir('ml-notes-vault-');
    const copy = path.join(dir, 'vault');
    fs.cpSync(vault, copy, { recursive: true });
    fs.writeFileSync(path.join(dir, 'train.py'), 'from torch.optim.lr_scheduler import LinearLR\nwarmup_epochs = 5\nopt = AdamW(params, weight_decay=0.05)\nloss = sigmoid_focal_loss(p, t)\n');
    return { dir, vault: copy };
  }

  test('refs by note name, by folder path and by a note file’s path', async () => {
    const { dir } = copyVault();
    const byName = await run(['refs', 'Warmup#gradual-warmup', 'train.py', '--notes', 'vault'], dir);
    assert.equal(byName.code, 0, byName.err);
    // LinearLR is a term of this section too, but point 2 of the bundled warmup section outranks it: the hover shows
    // that one, so refs does not list it here.
    assert.deepEqual(byName.out.split('\n'), ['train.py:2:1: warmup_epochs']);
    const byFolder = await run(['refs', 'Optim/AdamW#Why decoupled', 'train.py', '--notes', 'vault'], dir);
    assert.deepEqual(byFolder.out.split('\n'), ['train.py:3:7: AdamW', 'train.py:3:21: weight_decay']);
    const byPath = await run(['refs', 'vault/Optim/AdamW.md', 'train.py'], dir);
    assert.equal(byPath.code, 0, 'the note’s vault is read without --notes');
    assert.match(byPath.out, /train.py:3:7: AdamW/);
  });

  test('link creates the front matter of a note that has none, then the hover and refs find the symbol there', async () => {
    const { dir, vault: copy } = copyVault();
    const before = fs.readFileSync(path.join(copy, 'Losses', 'Focal Loss.md'), 'utf8');
    const r = await run(['link', 'sigmoid_focal_loss', 'Focal Loss#focal-loss', '--notes', 'vault'], dir);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'linked sigmoid_focal_loss to “Focal Loss” (vault/Losses/Focal Loss.md) under “focal-loss”');
    assert.equal(r.err, '', 'the hover on the symbol now shows that section: nothing to warn about');
    assert.equal(fs.readFileSync(path.join(copy, 'Losses', 'Focal Loss.md'), 'utf8'), `---\nterms:\n  focal-loss: [sigmoid_focal_loss]\n---\n${before}`);
    const refs = await run(['refs', 'Focal Loss#focal-loss', 'train.py', '--notes', 'vault'], dir);
    assert.equal(refs.out, 'train.py:4:8: sigmoid_focal_loss');
    const again = await run(['link', 'sigmoid_focal_loss', 'Focal Loss#focal-loss', '--notes', 'vault'], dir);
    assert.match(again.out, /already a term of “Focal Loss”/);
    assert.deepEqual(fs.readdirSync(path.join(copy, 'Losses')), ['Focal Loss.md'], 'no temporary file left behind');
  });

  test('link adds to a point, keeps a BOM and CRLF line endings, and says when another section still wins the hover', async () => {
    const { dir, vault: copy } = copyVault();
    const file = path.join(copy, 'Warmup.md');
    fs.writeFileSync(file, '\ufeff' + fs.readFileSync(file, 'utf8').replace(/\n/g, '\r\n'));
    const r = await run(['link', 'ramp_epochs', 'Warmup#gradual-warmup/1', '--notes', 'vault'], dir);
    assert.equal(r.code, 0, r.err);
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.startsWith('\ufeff---\r\n'));
    assert.ok(text.includes('  gradual-warmup: [warmup_epochs, LinearLR]\r\n  gradual-warmup/1: [ramp_epochs]\r\n---\r\n'));
    assert.ok(!/[^\r]\n/.test(text), 'every line break is still CRLF');
    const fpn = await run(['link', 'FPN', 'Warmup#gradual-warmup', '--notes', 'vault'], dir);
    assert.equal(fpn.code, 0);
    assert.match(fpn.err, /a hover on FPN shows “FPN architecture” \(.*ml-basis-notes.md, term FPN\) first/);
  });

  test('link refuses a bundled note, a symbol that is no term, a note without a section, a missing point', async () => {
    const { dir } = copyVault();
    const bundled = await run(['link', 'my_fpn', 'ml-basis-notes#fpn-architecture', '--notes', 'vault'], dir);
    assert.equal(bundled.code, 2);
    assert.match(bundled.err, /bundled note, part of ML Notes/);
    assert.match((await run(['link', 'not a term', 'Warmup#gradual-warmup', '--notes', 'vault'], dir)).err, /is not a term/);
    assert.match((await run(['link', 'x', 'Warmup', '--notes', 'vault'], dir)).err, /name a section/);
    assert.match((await run(['link', 'x', 'Warmup#gradual-warmup/7', '--notes', 'vault'], dir)).err, /has 2 point\(s\), not 7/);
  });
});

test('link leaves a note that is not UTF-8 as it is', async () => {
  const dir = tempDir('ml-notes-enc-');
  const latin1 = Buffer.concat([Buffer.from('# Caf'), Buffer.from([0xe9]), Buffer.from('\n\n## Focal Loss\n')]);
  fs.writeFileSync(path.join(dir, 'latin1.md'), latin1);
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['link', 'FocalLoss', 'latin1#focal-loss', '--notes', '.', '--no-bundled'], { out: (s) => out.push(s), err: (s) => err.push(s), cwd: dir });
  assert.equal(code, 2);
  assert.match(err.join('\n'), /latin1.md is not UTF-8 text; it is left as it is/);
  assert.deepEqual(fs.readFileSync(path.join(dir, 'latin1.md')), latin1);
});
