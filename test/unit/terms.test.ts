import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { NoteLibrary, type LibraryMatch } from '../../src/core/notes/library';
import { splitIdentifier, subJoins } from '../../src/core/terms/identifiers';
import { headingTerms, TermIndex } from '../../src/core/terms/termIndex';
import { tokenAt } from '../../src/core/terms/codeToken';
import { bundledNotesDir, fixturesDir } from './helpers';
import fc from './fc';

const BUNDLED = path.join(bundledNotesDir, 'ml-basis-notes.md');
const USER = path.join(fixturesDir, 'notes', 'user-notes.md');

function bundledLibrary(): NoteLibrary {
  const lib = new NoteLibrary();
  assert.deepEqual(lib.setFile(BUNDLED, readFileSync(BUNDLED, 'utf8'), { bundled: true }), [], 'the bundled terms all name existing sections and points');
  return lib;
}

/** Resolves the code at the cursor, written as "‸" inside the code. */
function hover(lib: NoteLibrary, codeWithCursor: string): LibraryMatch[] {
  const offset = codeWithCursor.indexOf('‸');
  assert.ok(offset >= 0, `no cursor in ${codeWithCursor}`);
  const code = codeWithCursor.slice(0, offset) + codeWithCursor.slice(offset + 1);
  const at = tokenAt(code, offset);
  return at ? lib.lookupToken(at.token) : [];
}

/** "slug" or "slug/N" of a match. */
function where(m: LibraryMatch): string {
  return m.point ? `${m.section.slug}/${m.point.index}` : m.section.slug;
}

describe('splitIdentifier and subJoins', () => {
  const cases: [string, string[]][] = [
    ['FPNHead', ['FPN', 'Head']],
    ['lr_warmup_epochs', ['lr', 'warmup', 'epochs']],
    ['FeaturePyramidNetwork', ['Feature', 'Pyramid', 'Network']],
    ['BatchNorm2d', ['Batch', 'Norm', '2d']],
    ['bn1', ['bn', '1']],
    ['mIoU', ['m', 'Io', 'U']],
    ['get_linear_schedule_with_warmup', ['get', 'linear', 'schedule', 'with', 'warmup']],
    ['top-down', ['top', 'down']],
    ['学习率_warmup', ['学习率', 'warmup']],
    ['__init__', ['init']],
  ];
  for (const [name, parts] of cases) {
    test(`${name} → ${parts.join(' ')}`, () => assert.deepEqual(splitIdentifier(name), parts));
  }

  test('subJoins lists every contiguous run of parts, lower-cased', () => {
    assert.deepEqual(
      subJoins(['lr', 'warmup', 'epochs']).map((s) => s.key),
      ['lr', 'lrwarmup', 'lrwarmupepochs', 'warmup', 'warmupepochs', 'epochs'],
    );
  });
});

describe('tokenAt: the code around the cursor', () => {
  test('a dotted chain up to the hovered name', () => {
    const code = 'm = torch.nn.BatchNorm2d(64)';
    assert.deepEqual(tokenAt(code, code.indexOf('Batch') + 3)?.token, { chain: ['torch', 'nn', 'BatchNorm2d'] });
    assert.deepEqual(tokenAt(code, code.indexOf('nn.') + 1)?.token, { chain: ['torch', 'nn'] });
  });

  test('the range of the hovered identifier, also with the cursor just after it', () => {
    const code = 'self.fpn_head = x';
    const at = tokenAt(code, code.indexOf(' ='));
    assert.equal(at && code.slice(at.start, at.end), 'fpn_head');
  });

  test('a keyword argument knows its call, across lines and nested parentheses', () => {
    const code = 'conv = nn.Conv2d(\n    3, 64, kernel_size=(3, 3),\n    bias=False,\n)';
    assert.deepEqual(tokenAt(code, code.indexOf('bias') + 1)?.token, { chain: ['bias'], keywordOf: ['nn', 'Conv2d'] });
  });

  test('an attribute or a comparison is not a keyword argument', () => {
    assert.deepEqual(tokenAt('x = self.conv.bias', 16)?.token, { chain: ['self', 'conv', 'bias'] });
    const cmp = 'f(bias == 0)';
    assert.deepEqual(tokenAt(cmp, 3)?.token, { chain: ['bias'] });
  });

  test('numbers, spaces and punctuation are nothing', () => {
    assert.equal(tokenAt('x = 3x3', 5), undefined);
    assert.equal(tokenAt('a  =  b', 3), undefined);
    assert.equal(tokenAt('', 0), undefined);
  });

  test('CJK identifiers are identifiers', () => {
    const code = '学习率 = 0.1';
    assert.deepEqual(tokenAt(code, 1)?.token, { chain: ['学习率'] });
  });
});

describe('term resolution over the bundled notes: must match', () => {
  const lib = bundledLibrary();
  // Code (cursor at ‸) → the section or point the hover shows first.
  const table: [string, string][] = [
    ['x = ‸FPN(cfg)', 'fpn-architecture'],
    ['self.fpn‸_head = build_head()', 'fpn-architecture'],
    ['class FPN‸Head(nn.Module):', 'fpn-architecture'],
    ['from torchvision.ops import FeaturePyramid‸Network', 'fpn-architecture'],
    ['lr_warmup‸_epochs = 5', 'learning-rate-warming-up'],
    ['warmup‸_epochs: 5', 'learning-rate-warming-up'],
    ['sched = get_linear_schedule_with‸_warmup(opt, 500, 10000)', 'learning-rate-warming-up/2'],
    ['s = torch.optim.lr_scheduler.Linear‸LR(opt, 0.1)', 'learning-rate-warming-up/2'],
    ['s = ConstantLR‸(opt)', 'learning-rate-warming-up/1'],
    ['m = torch.nn.BatchNorm‸2d(64)', 'misc-details/1'],
    ['m = nn.SyncBatch‸Norm.convert_sync_batchnorm(m)', 'misc-details/1'],
    ['self.bn‸1 = nn.BatchNorm2d(64)', 'misc-details/1'],
    ['nn.Conv2d(3, 64, 3, bi‸as=False)', 'misc-details/2'],
    ['layers.Conv2D(64, 3, use_b‸ias=False)', 'misc-details/2'],
    ['y = torch.ca‸t([a, b], dim=1)', '理解神经网络中通过add的方式融合特征'],
    ['y = torch.conc‸at([a, b], dim=1)', '理解神经网络中通过add的方式融合特征'],
    ['y = np.concat‸enate([a, b])', '理解神经网络中通过add的方式融合特征'],
    ['y = layers.Concat‸enate()([a, b])', '理解神经网络中通过add的方式融合特征'],
    ['y = layers.A‸dd()([a, b])', '理解神经网络中通过add的方式融合特征'],
    ['x = F.p‸ad(x, (1, 1, 1, 1))', '一些琐碎但是非常重要的点/2'],
    ['x = torch.nn.functional.p‸ad(x, (1, 1))', '一些琐碎但是非常重要的点/2'],
    ['pad = nn.ZeroPad‸2d(2)', '一些琐碎但是非常重要的点/2'],
    ['from torchvision.ops import roi_al‸ign', '一些琐碎但是非常重要的点/2'],
    ['nn.Conv2d(3, 64, 3, padd‸ing=1)', '一些琐碎但是非常重要的点/2'],
    ['self.seg_h‸ead = SegHead(256)', '一些琐碎但是非常重要的点/1'],
    ['p, r, t = precision_recall‸_curve(y, s)', 'recall-and-precision'],
    ['ap = average_precision‸_score(y, s)', 'recall-and-precision'],
    ['pca = P‸CA(n_components=2)', 'theory-basis/1'],
    ['from sklearn.decomposition import P‸CA', 'theory-basis/1'],
    ['model = deep‸lab(cfg)', 'semantic-segmentation-本质上的难点'],
    ['m = torchvision.models.segmentation.deeplabv3_res‸net50()', 'semantic-segmentation-本质上的难点'],
    ['best_m‸IoU = 0', 'semantic-segmentation-本质上的难点'],
    ['mI‸oU = evaluate(model)', 'semantic-segmentation-本质上的难点'],
    ['out = cr‸f(logits)', 'semantic-segmentation-本质上的难点'],
  ];
  for (const [code, expected] of table) {
    test(`${code.replace('‸', '')} → ${expected}`, () => {
      const ms = hover(lib, code);
      assert.ok(ms.length > 0, 'no match');
      assert.equal(where(ms[0]), expected, `got ${ms.map(where).join(', ')}`);
    });
  }

  test('a point match carries the point, so the hover shows only that tip', () => {
    const [m] = hover(lib, 'x = F.p‸ad(x, (1, 1, 1, 1))');
    assert.equal(m.point?.id, '一些琐碎但是非常重要的点/2');
    assert.match(m.point?.markdown ?? '', /padding/);
    assert.doesNotMatch(m.point?.markdown ?? '', /1x1的卷积/);
  });
});

describe('term resolution over the bundled notes: must not match', () => {
  const lib = bundledLibrary();
  const table: string[] = [
    'c‸at = load_image()',
    'bn‸x = 2',
    'pri‸nt(x)',
    'self.add_mod‸ule("head", m)',
    '‸x = 1',
    'se‸lf.x = 1',
    'y = conc‸at(a, b)',
    'y = x.a‸dd(z)',
    'b = self.conv.bi‸as',
    'bi‸as = 0',
    'def f(x, bi‸as=None):',
    'act = nn.ReLU(inpl‸ace=True)',
    'lo‸ss = criterion(out, y)',
    'the_mod‸el = Model()',
    'for ep‸och in range(10):',
    'feat‸ures = backbone(x)',
    'learning_r‸ate = 0.1',
    'wa‸rm = 1',
    'deta‸ils = {}',
    'precis‸ion = tp / (tp + fp)',
    'seg‸ment = s[0:3]',
    'np.pa‸d(x, 1)',
    '研‸究 = 1',
    '关于做研‸究 = 1',
    '语义分‸割 = None',
    '特‸征 = x',
  ];
  for (const code of table) {
    test(`${code.replace('‸', '')} → nothing`, () => {
      const ms = hover(lib, code);
      assert.deepEqual(ms.map(where), []);
    });
  }

  test('the research section (关于做研究) is never a hover, whatever word of the notes is hovered', () => {
    const text = readFileSync(BUNDLED, 'utf8');
    const words = new Set(text.match(/[\p{L}\p{N}_]+(?:\.[\p{L}\p{N}_]+)*/gu) ?? []);
    assert.ok(words.size > 300);
    let hovers = 0;
    for (const w of words) {
      const ms = hover(lib, `${w}‸ = 1`);
      hovers += ms.length ? 1 : 0;
      assert.ok(!ms.some((m) => m.section.slug === '关于做研究'), `${w} finds the research section`);
    }
    assert.ok(hovers > 10, 'the sweep does reach other sections');
  });

  test('plain English words of the notes do not find anything', () => {
    for (const w of ['network', 'feature', 'learning', 'rate', 'training', 'error', 'model', 'label', 'prediction', 'boundary', 'channel', 'stride', 'basis', 'architecture', 'misc']) {
      assert.deepEqual(hover(lib, `${w}‸ = 1`).map(where), [], w);
    }
  });
});

describe('term resolution: several matches, best first', () => {
  const lib = bundledLibrary();

  test('BatchNorm2d: the BN point first, then the BN derivation section', () => {
    assert.deepEqual(hover(lib, 'nn.BatchNorm‸2d(64)').map(where), ['misc-details/1', 'bn-derivation-details']);
  });

  test('get_linear_schedule_with_warmup: the gradual-warmup point before its section', () => {
    assert.deepEqual(hover(lib, 'get_linear_schedule‸_with_warmup()').map(where), ['learning-rate-warming-up/2', 'learning-rate-warming-up']);
  });

  test('scores never increase down the list', () => {
    for (const code of ['self.bn‸1', 'Linear‸LR(opt)', 'F‸PN', 'layers.Add‸()']) {
      const scores = hover(lib, code).map((m) => m.score);
      assert.deepEqual(scores, [...scores].sort((a, b) => b - a), code);
    }
  });

  test('a user note on the same subject is listed after the bundled note\'s declared term', () => {
    lib.setFile('user/fpn.md', '## FPN tricks\n\nUse GroupNorm in the lateral convs.\n');
    const ms = hover(lib, 'self.fp‸n = FPN()');
    assert.deepEqual(ms.map((m) => [m.doc.id, where(m)]), [
      [BUNDLED, 'fpn-architecture'],
      ['user/fpn.md', 'fpn-tricks'],
    ]);
  });
});

describe("term resolution: a user's notes with no front matter", () => {
  const lib = bundledLibrary();
  assert.deepEqual(lib.setFile(USER, readFileSync(USER, 'utf8')), []);

  test('"## Focal Loss" makes FocalLoss, sigmoid_focal_loss and focal_loss find it', () => {
    for (const code of ['crit = Focal‸Loss(gamma=2)', 'from torchvision.ops import sigmoid_focal‸_loss', 'focal‸_loss = x']) {
      assert.deepEqual(hover(lib, code).map(where), ['focal-loss'], code);
    }
  });

  test('one word of a multi-word heading is not enough', () => {
    assert.deepEqual(hover(lib, 'fo‸cal = 1').map(where), []);
    assert.deepEqual(hover(lib, 'lo‸ss = 1').map(where), []);
  });

  test('an English word standing alone in a Chinese heading ("Dropout 的作用") finds it, in any case', () => {
    for (const code of ['self.drop = nn.Drop‸out(0.1)', 'self.drop‸out = x', 'attn_drop‸out = 0.1']) {
      assert.deepEqual(hover(lib, code).map(where), ['dropout-的作用'], code);
    }
  });

  test('a one-word English heading ("## Dropout") matches without regard to case', () => {
    const l = bundledLibrary();
    l.setFile('user/dropout.md', '## Dropout\n\nRandomly zeroes activations while training.\n');
    for (const code of ['nn.Drop‸out(0.5)', 'self.drop‸out = x', 'F.drop‸out(x, 0.1)']) {
      assert.deepEqual(hover(l, code).map(where), ['dropout'], code);
    }
  });

  test('a CamelCase word in a heading ("## BatchNorm 的细节") finds its snake_case and longer class names', () => {
    const l = new NoteLibrary();
    l.setFile('user/bn.md', '## BatchNorm 的细节\n');
    for (const code of ['nn.SyncBatch‸Norm(64)', 'F.batch_no‸rm(x, m, v)', 'nn.BatchNorm‸2d(64)', 'batchno‸rm = x']) {
      assert.deepEqual(hover(l, code).map(where), ['batchnorm-的细节'], code);
    }
  });

  test('a word glued inside Chinese text ("通过add的方式") is not a term', () => {
    assert.deepEqual(hover(lib, 'y = a‸dd(a, b)').map(where), []);
  });

  test('a Chinese-only heading gives no hover; its acronym in the text does not either', () => {
    assert.ok(!hover(lib, '语义分‸割评价 = 1').some((m) => m.doc.id === USER));
    assert.ok(!hover(lib, 'mI‸oU = 0').some((m) => m.doc.id === USER));
  });
});

describe('headingTerms', () => {
  const cases: [string, string[]][] = [
    ['Focal Loss', ['Focal_Loss']],
    ['FPN architecture', ['FPN_architecture', 'FPN']],
    ['BN derivation details', ['BN_derivation_details', 'BN']],
    ['Dropout', ['Dropout']],
    ['Dropout 的作用', ['Dropout']],
    ['（Dropout）的作用', ['Dropout']],
    ['理解神经网络中通过add的方式融合特征', []],
    ['semantic segmentation 本质上的难点？', ['semantic_segmentation']],
    ['关于做研究', []],
    ['mIoU 与 BatchNorm', ['mIoU', 'BatchNorm']],
    ['Part II', ['Part_II']],
    ['ML 与 DL 的区别', ['ML', 'DL']],
    ['CV tricks', ['CV_tricks', 'CV']],
    ['An', []],
  ];
  for (const [title, terms] of cases) {
    test(`${title} → ${terms.join(', ') || 'nothing'}`, () => assert.deepEqual(headingTerms(title), terms));
  }
});

describe('per-file replacement', () => {
  test('re-setting a file drops its old terms and keeps the other files\' terms', () => {
    const lib = bundledLibrary();
    lib.setFile('user/a.md', '## Focal Loss\n');
    assert.deepEqual(hover(lib, 'Focal‸Loss()').map(where), ['focal-loss']);
    lib.setFile('user/a.md', '## Label Smoothing\n');
    assert.deepEqual(hover(lib, 'Focal‸Loss()').map(where), []);
    assert.deepEqual(hover(lib, 'label_smooth‸ing = 0.1').map(where), ['label-smoothing']);
    assert.deepEqual(hover(lib, 'F‸PN').map(where), ['fpn-architecture']);
    assert.equal(lib.removeFile('user/a.md'), true);
    assert.deepEqual(hover(lib, 'label_smooth‸ing = 0.1').map(where), []);
  });

  test('front matter terms, prefixes and keyword terms are replaced too', () => {
    const index = new TermIndex();
    const target = { file: 'f.md', slug: 's' };
    index.setFile('f.md', [
      { term: 'warmup*', target, source: 'frontMatter' },
      { term: 'Conv2d(bias)', target, source: 'frontMatter' },
      { term: 'torch.cat', target, source: 'frontMatter' },
      { term: 'FocalLoss', target, source: 'frontMatter' },
    ]);
    assert.equal(index.size, 4);
    const tokens = [{ chain: ['warmup_steps'] }, { chain: ['bias'], keywordOf: ['nn', 'Conv2d'] }, { chain: ['torch', 'cat'] }, { chain: ['FocalLoss'] }];
    for (const t of tokens) assert.equal(index.resolve(t).length, 1, t.chain.join('.'));
    index.setFile('f.md', [{ term: 'label_smoothing', target, source: 'frontMatter' }]);
    assert.equal(index.size, 1);
    for (const t of tokens) assert.deepEqual(index.resolve(t), [], t.chain.join('.'));
    index.removeFile('f.md');
    assert.equal(index.size, 0);
    assert.deepEqual(index.resolve({ chain: ['label_smoothing'] }), []);
  });
  test('set again with the same terms, a file keeps its matches; a changed section, point, source or term is seen', () => {
    const index = new TermIndex();
    const entry = (slug: string, point?: number, source: 'heading' | 'frontMatter' = 'heading', term = 'FocalLoss') => ({ term, target: point ? { file: 'f.md', slug, point } : { file: 'f.md', slug }, source });
    const found = (name = 'FocalLoss') => index.resolve({ chain: [name] }).map((m) => ({ ...m.target, score: m.score }));
    index.setFile('f.md', [entry('a')]);
    const first = found();
    index.setFile('f.md', [entry('a')]);
    assert.deepEqual(found(), first);
    assert.equal(index.size, 1);
    index.setFile('f.md', [entry('b')]);
    assert.deepEqual(found().map((m) => m.slug), ['b']);
    index.setFile('f.md', [entry('b', 2)]);
    assert.deepEqual(found().map((m) => m.point), [2]);
    const asHeading = found()[0].score;
    index.setFile('f.md', [entry('b', 2, 'frontMatter')]);
    assert.ok(found()[0].score > asHeading, 'a declared term scores higher');
    index.setFile('f.md', [entry('b', 2, 'frontMatter', 'LabelSmoothing')]);
    assert.deepEqual(found(), []);
    assert.equal(found('LabelSmoothing').length, 1);
    index.setFile('f.md', [entry('b', 2, 'frontMatter', 'LabelSmoothing'), entry('c')]);
    assert.equal(index.size, 2);
    index.setFile('f.md', []);
    assert.equal(index.size, 0);
    assert.deepEqual(found('LabelSmoothing'), []);
  });
});

describe('resolution on a large library', () => {
  test('a term shared by 2,000 files: the declared point added last still ranks first; the answer is capped and has no repeats', () => {
    const index = new TermIndex();
    for (let i = 0; i < 2000; i++) index.setFile(`n${i}.md`, [{ term: 'FPN', target: { file: `n${i}.md`, slug: `fpn-${i}` }, source: 'heading' }]);
    const declared = { file: 'mine.md', slug: 'fpn-architecture', point: 2 };
    index.setFile('mine.md', [
      { term: 'fpn', target: declared, source: 'frontMatter' },
      { term: 'FPN', target: declared, source: 'heading' },
    ]);
    const got = index.resolve({ chain: ['self', 'fpn'] });
    assert.equal(got.length, 8);
    assert.deepEqual(got[0].target, declared);
    assert.equal(new Set(got.map((m) => `${m.target.file}#${m.target.slug}`)).size, got.length, 'one match per target');
    for (let i = 1; i < got.length; i++) assert.ok(got[i - 1].score >= got[i].score, 'scores never increase down the list');
    assert.deepEqual(got.slice(1).map((m) => m.target.file), ['n0.md', 'n1.md', 'n2.md', 'n3.md', 'n4.md', 'n5.md', 'n6.md'], 'equal scores keep the order files were added');
    assert.equal(index.resolve({ chain: ['fpn'] }, 3000).length, 2001);
  });

  test('a file set again keeps its place among equal matches: a hover while notes are read back picks what it picks after', () => {
    const index = new TermIndex();
    const entries = (f: string) => [{ term: 'FPN', target: { file: f, slug: 'fpn' }, source: 'heading' as const }];
    const files = ['a.md', 'b.md', 'c.md', 'd.md'];
    // Terms from a kept index, in the notes' order; then the files are read back in another order.
    for (const f of files) index.setFile(f, entries(f));
    const order = () => index.resolve({ chain: ['FPN'] }).map((m) => m.target.file);
    assert.deepEqual(order(), files);
    for (const f of ['c.md', 'a.md', 'd.md']) {
      index.setFile(f, entries(f));
      assert.deepEqual(order(), files, `after ${f} was read again`);
    }
    // A score bucket emptied when a file is set again, and filled again by the next.
    index.setFile('b.md', [...entries('b.md'), { term: 'FPN', target: { file: 'b.md', slug: 'fpn' }, source: 'frontMatter' }]);
    index.setFile('b.md', entries('b.md'));
    index.setFile('b.md', [{ term: 'FPN', target: { file: 'b.md', slug: 'fpn' }, source: 'frontMatter' }]);
    assert.deepEqual(order(), ['b.md', 'a.md', 'c.md', 'd.md'], 'a declared term first');
    index.setFile('b.md', entries('b.md'));
    // A file removed and added again comes after the others.
    index.removeFile('a.md');
    index.setFile('a.md', entries('a.md'));
    assert.deepEqual(order(), ['b.md', 'c.md', 'd.md', 'a.md']);
  });

  test('files removed from the middle of a key shared by many files: the others keep their order', () => {
    const index = new TermIndex();
    const entries = (f: string) => [
      { term: 'FPN', target: { file: f, slug: 'fpn' }, source: 'heading' as const },
      { term: 'FPN', target: { file: f, slug: 'fpn', point: 1 }, source: 'frontMatter' as const },
    ];
    const files = Array.from({ length: 50 }, (_, i) => `n${String(i).padStart(2, '0')}.md`);
    for (const f of files) index.setFile(f, entries(f));
    const gone = new Set(files.filter((_, i) => i % 3 === 1));
    for (const f of gone) index.removeFile(f);
    const kept = files.filter((f) => !gone.has(f));
    const got = index.resolve({ chain: ['FPN'] }, 1000);
    assert.deepEqual(got.filter((m) => m.target.point).map((m) => m.target.file), kept, 'the declared points, in the order files were added');
    assert.deepEqual(got.filter((m) => !m.target.point).map((m) => m.target.file), kept, 'then the sections, in the same order');
    assert.equal(index.size, kept.length * 2);
    for (const f of kept) index.removeFile(f);
    assert.deepEqual(index.resolve({ chain: ['FPN'] }), []);
    assert.equal(index.size, 0);
  });

  test('a target met by several terms is listed once, at its best score', () => {
    const index = new TermIndex();
    const target = { file: 'a.md', slug: 'bn' };
    index.setFile('a.md', [
      { term: 'bn', target, source: 'heading' },
      { term: 'nn.BatchNorm2d', target, source: 'frontMatter' },
      { term: 'BatchNorm2d', target, source: 'frontMatter' },
    ]);
    index.setFile('b.md', [{ term: 'BatchNorm2d', target: { file: 'b.md', slug: 'other' }, source: 'heading' }]);
    const got = index.resolve({ chain: ['torch', 'nn', 'BatchNorm2d'] });
    assert.deepEqual(got.map((m) => m.target.file), ['a.md', 'b.md']);
    assert.equal(got[0].term, 'nn.BatchNorm2d', 'the qualified term is the best reason');
  });
});

describe('term index: files set, set again and removed in any order', () => {
  test('answers as an index given the files left, in the order they were first added, would', () => {
    type Op = [name: number, remove: boolean, entries: [frontMatter: boolean, point: number][]];
    const op = fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean(), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 2 })), { maxLength: 3 }));
    const entriesOf = (file: string, list: Op[2]) =>
      list.map(([fm, point]) => ({ term: 'FPN', target: point ? { file, slug: 'fpn', point } : { file, slug: 'fpn' }, source: fm ? ('frontMatter' as const) : ('heading' as const) }));
    const answer = (index: TermIndex) => index.resolve({ chain: ['FPN'] }, 100).map((m) => [m.target.file, m.target.point, m.score]);
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const index = new TermIndex();
        // The model: the live files with their entries, in the order they were first added (a removed file forgets it).
        const live = new Map<string, Op[2]>();
        for (const [n, remove, list] of ops) {
          const file = `n${n}.md`;
          if (remove) {
            index.removeFile(file);
            live.delete(file);
          } else {
            index.setFile(file, entriesOf(file, list));
            live.set(file, list);
          }
          const fresh = new TermIndex();
          for (const [f, l] of live) fresh.setFile(f, entriesOf(f, l));
          assert.deepEqual(answer(index), answer(fresh));
        }
      }),
      { numRuns: 300 },
    );
  });
});
