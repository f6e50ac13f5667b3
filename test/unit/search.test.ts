import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { LABELLED_QUERIES, isExpected } from '../../bench/lookupQueries';
import { NoteLibrary } from '../../src/core/notes/library';
import { parseNote } from '../../src/core/notes/parse';
import type { NoteDocument } from '../../src/core/notes/types';
import { LibraryLookup } from '../../src/core/search/libraryLookup';
import { LookupIndex } from '../../src/core/search/lookupIndex';
import { altText, boldInner, pointTitle } from '../../src/core/search/entries';
import { CHAR_CLASS, CH_CJK, CH_CLOSE_BRACKET, CH_DIGIT, CH_LOWER, CH_LT, CH_OTHER, CH_WORD, CJK_INDEX, boundedEditDistance, cjkIndex, isCjkCode, isWordCode, parseQuery } from '../../src/core/search/tokenize';
import type { LookupResult } from '../../src/core/search/types';
import { bundledNotesDir } from './helpers';
import fc from './fc';

const BUNDLED_ID = 'notes/ml-basis-notes.md';
const bundledText = readFileSync(path.join(bundledNotesDir, 'ml-basis-notes.md'), 'utf8');

function bundledIndex(): LookupIndex {
  const index = new LookupIndex();
  index.updateFile(parseNote(bundledText, BUNDLED_ID), { bundled: true });
  return index;
}

const ref = (r: LookupResult) => (r.point ? `${r.slug}/${r.point}` : r.slug);

/** A user's note on detection, in their mix of English and Chinese. */
const DETECTION_NOTE = `---
title: Detection notes
terms:
  focal-loss: [sigmoid_focal_loss, FocalLoss, focal_gamma]
  non-maximum-suppression/2: [batched_nms, iou_threshold]
---

# Detection notes

## Focal Loss

Down-weights easy negatives so that training is not dominated by background anchors. \`gamma=2\` works for RetinaNet.

## Non-Maximum Suppression

- **Class-aware NMS**: run \`nms\` per class, or offset the boxes by class id.
- **IoU threshold**: 0.5 for COCO boxes; 更高的阈值会保留更多重叠框。

## 锚框设计

锚框的尺度和长宽比要覆盖数据集里目标的分布，否则召回率上不去。
`;

/** Another user note, on optimisation. */
const OPTIM_NOTE = `# Optimizer notes

## AdamW

Decoupled weight decay: \`weight_decay\` is applied to the weights directly, not through the gradient.

## Gradient Clipping

\`clip_grad_norm_\` with max_norm=1.0 keeps the loss from exploding in early training.
`;

describe('lookup ranking on the bundled notes (labelled queries)', () => {
  const index = bundledIndex();
  for (const q of LABELLED_QUERIES) {
    const want = q.point ? `${q.slug}/${q.point}` : q.slug;
    test(`${q.kind}: "${q.query}" → ${want} in the top ${q.rank}`, () => {
      const results = index.search(q.query, 5);
      const at = results.findIndex((r) => isExpected(q, r));
      assert.ok(at >= 0 && at < q.rank, `got ${results.map(ref).join(', ') || 'nothing'}`);
    });
  }
});

describe('lookup ranking rules', () => {
  test('an exact word beats a prefix, a prefix beats heading initials, initials beat a typo', () => {
    const index = new LookupIndex();
    const note = [
      '# Schedules',
      '',
      '## Warmup',
      '',
      'Start with a small learning rate.',
      '',
      '## Warmups for large batches',
      '',
      'Linear scaling of the learning rate with the batch size.',
      '',
      '## Weight Averaging Rules for Model Updates in Pretraining',
      '',
      'EMA and SWA of the weights.',
      '',
      '## Wramup notes',
      '',
      'The heading has a typo, the text does not matter.',
    ].join('\n');
    index.updateFile(parseNote(note, 'schedules.md'));
    assert.deepEqual(
      index.search('warmup', 10).map((r) => r.title),
      ['Warmup', 'Warmups for large batches', 'Weight Averaging Rules for Model Updates in Pretraining', 'Wramup notes'],
    );
  });

  test('title matches rank above term matches, which rank above body matches', () => {
    const index = new LookupIndex();
    const note = [
      '---',
      'terms:',
      '  schedulers: [cosine]',
      '---',
      '# Training',
      '',
      '## Cosine annealing',
      '',
      'Decays the learning rate.',
      '',
      '## Schedulers',
      '',
      'Step, exponential, one-cycle.',
      '',
      '## Restarts',
      '',
      'A cosine schedule with restarts.',
    ].join('\n');
    index.updateFile(parseNote(note, 'training.md'));
    assert.deepEqual(
      index.search('cosine', 10).map((r) => [r.title, r.fields[0]]),
      [
        ['Cosine annealing', 'title'],
        ['Schedulers', 'terms'],
        ['Restarts', 'body'],
      ],
    );
  });

  test('text found only in one point finds the point before its section', () => {
    const results = bundledIndex().search('弱监督', 5);
    assert.equal(ref(results[0]), 'semantic-segmentation-本质上的难点/4');
    assert.equal(ref(results[1]), 'semantic-segmentation-本质上的难点');
  });

  test('every token of a mixed query has to match', () => {
    const results = bundledIndex().search('BN 均值', 10);
    assert.equal(ref(results[0]), 'misc-details/1');
    // "BN derivation details" has BN in its title but no 均值: it is not a match.
    assert.ok(!results.some((r) => r.slug === 'bn-derivation-details'), results.map(ref).join(', '));
  });

  test('when no entry has every token, the entries with most of them come back', () => {
    const results = bundledIndex().search('warmup qwertyuiop', 5);
    assert.equal(results[0]?.slug, 'learning-rate-warming-up');
  });

  test('a Chinese query matches as a substring, not as scattered characters', () => {
    const index = new LookupIndex();
    index.updateFile(parseNote('# 分割\n\n## 语义分割\n\n像素级分类。\n\n## 分割语义\n\n词序相反。\n\n## 语义\n\n另一个分割的话题。\n', 'zh.md'));
    assert.deepEqual(
      index.search('语义分割', 10).map((r) => r.title),
      ['语义分割'],
    );
    assert.deepEqual(index.search('一些', 10), []);
  });

  test('a single CJK character finds the entries containing it', () => {
    const titles = bundledIndex()
      .search('图', 20)
      .map(ref);
    assert.ok(titles.includes('fpn-architecture'), titles.join(', '));
    assert.ok(titles.includes('misc-details/1'), titles.join(', '));
  });

  test('common English words do not make every section match', () => {
    const results = bundledIndex().search('recall and precision', 10);
    assert.equal(results[0].slug, 'recall-and-precision');
    assert.ok(results.length <= 3, results.map(ref).join(', '));
  });

  test('a query that matches nothing returns nothing', () => {
    assert.deepEqual(bundledIndex().search('zzxqv', 10), []);
    assert.deepEqual(bundledIndex().search('鳄鱼', 10), []);
  });

  test('the limit is respected and results come best first', () => {
    const results = bundledIndex().search('的', 3);
    assert.equal(results.length, 3);
    for (let i = 1; i < results.length; i++) assert.ok(results[i - 1].score >= results[i].score);
  });
});

describe('lookup results', () => {
  test('an empty query lists sections (not points) in document order, bundled notes first', () => {
    const index = new LookupIndex();
    index.updateFile(parseNote(OPTIM_NOTE, 'user/optim.md'));
    index.updateFile(parseNote(bundledText, BUNDLED_ID), { bundled: true });
    const all = index.search('', 100);
    const bundledSlugs = parseNote(bundledText, BUNDLED_ID).sections.map((s) => s.slug);
    assert.deepEqual(
      all.map((r) => r.slug),
      [...bundledSlugs, 'optimizer-notes', 'adamw', 'gradient-clipping'],
    );
    assert.ok(all.every((r) => r.point === undefined));
    assert.equal(index.search('   ', 4).length, 4);
  });

  test('a section result names its file, slug, heading line, breadcrumb and first line', () => {
    const [r] = bundledIndex().search('FPN', 1);
    assert.equal(r.file, BUNDLED_ID);
    assert.equal(r.slug, 'fpn-architecture');
    assert.equal(r.point, undefined);
    assert.equal(r.title, 'FPN architecture');
    assert.deepEqual(r.breadcrumb, ['Long term machine learning basis']);
    assert.equal(bundledText.replace(/\r/g, '').split('\n')[r.line], '## FPN architecture');
    assert.match(r.firstLine, /^首先我们有一张图片/);
    assert.deepEqual(r.titleHighlights, [[0, 3]]);
    assert.ok(r.fields.includes('title') && r.fields.includes('terms'));
    assert.ok(r.matchedTerms.includes('FPN'));
  });

  test('a point result names its point, its section in the breadcrumb, and its first line', () => {
    const [r] = bundledIndex().search('Constant warmup', 1);
    assert.equal(r.slug, 'learning-rate-warming-up');
    assert.equal(r.point, 1);
    assert.equal(r.title, 'Constant warmup');
    assert.deepEqual(r.breadcrumb, ['Long term machine learning basis', 'Learning Rate warming up']);
    assert.match(r.firstLine, /^Constant warmup: In constant warm up/);
    assert.match(bundledText.replace(/\r/g, '').split('\n')[r.line], /^- \*\*Constant warmup\*\*/);
    assert.ok(r.fields.includes('lead'));
  });

  test('highlights mark heading initials for an acronym and the substring for Chinese', () => {
    const index = bundledIndex();
    const [lrw] = index.search('lrw', 1);
    assert.equal(lrw.title, 'Learning Rate warming up');
    assert.deepEqual(lrw.titleHighlights, [[0, 1], [9, 10], [14, 15]]);
    const [zh] = index.search('一些琐碎', 1);
    assert.deepEqual(zh.titleHighlights, [[0, 4]]);
    const [mixed] = index.search('add 融合', 1);
    assert.equal(mixed.title, '理解神经网络中通过add的方式融合特征');
    assert.deepEqual(mixed.titleHighlights, [[9, 12], [15, 17]]);
  });

  test('highlights mark the matched part of an identifier and the typed prefix of a word', () => {
    const index = new LookupIndex();
    index.updateFile(parseNote('# Layers\n\n## SyncBatchNorm tricks\n\nStatistics across GPUs.\n', 'layers.md'));
    assert.deepEqual(index.search('norm', 1)[0].titleHighlights, [[9, 13]]);
    assert.deepEqual(index.search('tri', 1)[0].titleHighlights, [[14, 17]]);
  });

  test('matched terms name the front-matter terms that matched', () => {
    const [r] = bundledIndex().search('torch.cat', 1);
    assert.deepEqual(r.matchedTerms, ['torch.cat']);
    assert.deepEqual(r.fields, ['terms']);
  });
});

describe('lookup index: per-file incremental updates', () => {
  /** A document whose `sections` reads are counted: indexing reads them, nothing else in the index should. */
  function counted(doc: NoteDocument): { doc: NoteDocument; reads: () => number } {
    let reads = 0;
    const proxy = new Proxy(doc, {
      get(target, prop, receiver) {
        if (prop === 'sections') reads++;
        return Reflect.get(target, prop, receiver);
      },
    });
    return { doc: proxy, reads: () => reads };
  }

  test('replacing one file changes results only for that file and does not re-read the others', () => {
    const index = new LookupIndex();
    const bundled = counted(parseNote(bundledText, BUNDLED_ID));
    const optim = counted(parseNote(OPTIM_NOTE, 'user/optim.md'));
    index.updateFile(bundled.doc, { bundled: true });
    index.updateFile(parseNote(DETECTION_NOTE, 'user/detection.md'));
    index.updateFile(optim.doc);
    const queries = ['warmup', 'FPN', '语义分割', 'AdamW', 'gradient', 'weight_decay', 'BN 均值', 'nms', 'training', ''];
    const others = () => queries.map((q) => index.search(q, 100).filter((r) => r.file !== 'user/detection.md'));
    const before = others();
    const readsBefore = [bundled.reads(), optim.reads()];
    const sizeBefore = index.size;
    assert.ok(index.search('focal', 5).some((r) => r.file === 'user/detection.md'));

    // The user saves the detection note: focal loss is gone, a section on label assignment is new.
    const edited = DETECTION_NOTE.replace(/## Focal Loss[\s\S]*?(?=## Non-Maximum)/, '## Label assignment\n\nATSS picks positives by IoU statistics.\n\n');
    index.updateFile(parseNote(edited, 'user/detection.md'));

    assert.deepEqual(index.search('focal', 5), []);
    assert.deepEqual(
      index.search('label assignment', 5).map((r) => [r.file, r.slug]),
      [['user/detection.md', 'label-assignment']],
    );
    assert.deepEqual(others(), before, "the other files' results are unchanged");
    assert.deepEqual([bundled.reads(), optim.reads()], readsBefore, 'the other files were not re-indexed');
    assert.equal(index.size, sizeBefore, 'one section replaced by one');
  });

  test('removing a file removes only its entries', () => {
    const index = new LookupIndex();
    index.updateFile(parseNote(bundledText, BUNDLED_ID), { bundled: true });
    index.updateFile(parseNote(DETECTION_NOTE, 'user/detection.md'));
    const fpn = index.search('FPN', 10);
    const sizeWithBoth = index.size;
    assert.ok(index.search('锚框', 5).length > 0);

    assert.equal(index.removeFile('user/detection.md'), true);
    assert.equal(index.removeFile('user/detection.md'), false);
    assert.deepEqual(index.search('锚框', 5), []);
    assert.deepEqual(index.search('nms', 5), []);
    assert.deepEqual(index.search('FPN', 10), fpn);
    assert.equal(index.size, sizeWithBoth - 6, 'detection.md had 4 sections and 2 points');
    assert.equal(index.fileCount, 1);
  });

  test('a file re-added after removal is found again, and repeated saves leave no stale entries', () => {
    const index = new LookupIndex();
    index.updateFile(parseNote(OPTIM_NOTE, 'user/optim.md'));
    for (let i = 0; i < 50; i++) index.updateFile(parseNote(OPTIM_NOTE.replace('## AdamW', `## AdamW v${i}`), 'user/optim.md'));
    const hits = index.search('adamw', 10);
    assert.deepEqual(
      hits.map((r) => r.title),
      ['AdamW v49'],
    );
    index.removeFile('user/optim.md');
    assert.deepEqual(index.search('adamw', 10), []);
    index.updateFile(parseNote(OPTIM_NOTE, 'user/optim.md'));
    assert.deepEqual(
      index.search('adamw', 10).map((r) => r.title),
      ['AdamW'],
    );
    // Words that disappeared are gone from prefix completion too.
    assert.deepEqual(index.search('v4', 10), []);
  });
});

describe('lookup index: entries and their files', () => {
  test('every entry is described from its own file, before and after files around it are replaced or removed', () => {
    const texts: Record<string, string> = {
      'user/short.md': 'Just a line.',
      'user/optim.md': OPTIM_NOTE,
      'user/other.md': '# Other\n\n- one\n- two\n',
      'user/detection.md': DETECTION_NOTE,
      [BUNDLED_ID]: bundledText,
    };
    const index = new LookupIndex();
    for (const [file, text] of Object.entries(texts)) index.updateFile(parseNote(text, file), { bundled: file === BUNDLED_ID });
    const all = index.search('', 1000);
    const files = [BUNDLED_ID, 'user/short.md', 'user/optim.md', 'user/other.md', 'user/detection.md'];
    assert.deepEqual([...new Set(all.map((r) => r.file))], files);
    const of = (file: string) => all.filter((r) => r.file === file);
    for (const file of files) assert.deepEqual(of(file).map((r) => r.slug), parseNote(texts[file], file).sections.map((s) => s.slug), file);

    index.removeFile('user/optim.md');
    assert.deepEqual(index.search('', 1000), all.filter((r) => r.file !== 'user/optim.md'));
    index.updateFile(parseNote(OPTIM_NOTE, 'user/optim.md'));
    const again = [BUNDLED_ID, 'user/short.md', 'user/other.md', 'user/detection.md', 'user/optim.md'];
    assert.deepEqual(index.search('', 1000), again.flatMap(of), 'a file added again comes last');
    const section = of('user/detection.md')[1];
    assert.deepEqual(index.describeSection('user/detection.md', section.slug), section);
    index.removeFile('user/other.md');
    assert.equal(index.describeSection('user/other.md', 'other'), undefined);
    assert.deepEqual(index.search('two', 5), []);
  });

  test("a title's, lead-in's and term's words, bigrams and initials find their entry, and only while it has them", () => {
    const md = (title: string) => `---\nterms:\n  schedule: [cosine_decay]\n---\n# ${title}\n\n## Schedule\n\n- **Linear Ramp**: from zero\n`;
    const index = new LookupIndex();
    index.updateFile(parseNote(md('Learning Rate Warmup 学习率预热'), 'user/lr.md'));
    const found = (q: string) => index.search(q, 3).map(ref)[0];
    assert.equal(found('warmup'), 'learning-rate-warmup-学习率预热');
    assert.equal(found('预热'), 'learning-rate-warmup-学习率预热');
    assert.equal(found('lrw'), 'learning-rate-warmup-学习率预热');
    assert.equal(found('linear ramp'), 'schedule/1');
    assert.equal(found('cosine_decay'), 'schedule');
    index.updateFile(parseNote(md('Gradient Clipping 梯度裁剪'), 'user/lr.md'));
    assert.equal(found('预热'), undefined);
    assert.equal(found('lrw'), undefined);
    assert.equal(found('裁剪'), 'gradient-clipping-梯度裁剪');
    assert.equal(found('linear ramp'), 'schedule/1');
  });
});

describe('LibraryLookup: kept in step with a NoteLibrary', () => {
  test('follows setFile and removeFile, re-indexing only the changed file', () => {
    const library = new NoteLibrary();
    library.setFile(BUNDLED_ID, bundledText, { bundled: true });
    library.setFile('user/optim.md', OPTIM_NOTE);
    const lookup = new LibraryLookup(library);
    assert.equal(lookup.search('gradient clipping', 1)[0]?.slug, 'gradient-clipping');
    assert.equal(lookup.pendingFiles, 0);

    library.setFile('user/detection.md', DETECTION_NOTE);
    assert.equal(lookup.pendingFiles, 1);
    assert.equal(lookup.search('focal loss', 1)[0]?.file, 'user/detection.md');

    library.removeFile('user/optim.md');
    assert.deepEqual(lookup.search('gradient clipping', 5), []);
    // Bundled notes still come first when browsing.
    assert.equal(lookup.search('', 1)[0].file, BUNDLED_ID);
    lookup.dispose();
    library.setFile('user/late.md', '# Late note\n\nAdded after dispose.\n');
    assert.equal(lookup.pendingFiles, 0);
  });

  test('built in slices (one step per slice at a zero budget: a file, the sorted keys, a key space packed), it answers as an index built at once', () => {
    const library = new NoteLibrary();
    library.setFile(BUNDLED_ID, bundledText, { bundled: true });
    for (let i = 0; i < 6; i++) library.setFile(`user/n${i}.md`, `# Note ${i}\n\n## Focal loss ${i}\n\nHard examples, gradient clipping ${i}.\n`);
    library.setFile('user/detection.md', DETECTION_NOTE);
    const sliced = new LibraryLookup(library);
    let slices = 0;
    while (!sliced.syncFor(0)) {
      slices++;
      // The search answers from the start: the steps after the files make the index smaller, not different.
      if (slices === 8) assert.ok(sliced.index.search('focal loss', 10).length > 0);
    }
    // 8 files, the keys sorted, then the key spaces packed one per slice: grams and acronyms (the search above
    // read the words, and left their lists packed). The last slice finds nothing left to pack and says so.
    assert.equal(slices, 8 + 1 + 2, 'one step per slice');
    assert.equal(sliced.syncFor(0), true, 'up to date: nothing more to do');
    assert.equal(sliced.pendingFiles, 0);
    const whole = new LibraryLookup(library);
    for (const q of ['focal loss', 'gradient clipping 3', 'warmup', '语义分割', 'fpn']) assert.deepEqual(sliced.index.search(q, 10), whole.search(q, 10), q);
    // A clock that runs out after three files: the slice stops there.
    let t = 0;
    library.setFile('user/n0.md', '# Note 0 again\n');
    library.setFile('user/n1.md', '# Note 1 again\n');
    library.setFile('user/n2.md', '# Note 2 again\n');
    library.setFile('user/n3.md', '# Note 3 again\n');
    assert.equal(sliced.syncFor(3, () => t++), false);
    assert.equal(sliced.pendingFiles, 1);
    // The last file, then the steps after it, three clock ticks a slice: done within a few slices.
    let more = 1;
    while (!sliced.syncFor(3, () => t++)) more++;
    assert.ok(more <= 4, `${more} slices`);
    assert.equal(sliced.search('again', 10).length, 4);
  });
});

describe('query parsing and typo distance', () => {
  test('a mixed query splits into Latin and CJK tokens; identifiers keep their parts and dotted suffixes', () => {
    const tokens = parseQuery('torch.nn.BatchNorm2d 均值 lr_warmup');
    assert.deepEqual(
      tokens.map((t) => (t.kind === 'latin' ? [t.lower, t.parts, t.suffixes] : [t.raw])),
      [
        ['torch.nn.batchnorm2d', ['torch', 'nn', 'batch', 'norm', '2d'], ['nn.batchnorm2d', 'batchnorm2d']],
        ['均值'],
        ['lr_warmup', ['lr', 'warmup'], []],
      ],
    );
  });

  test('a transposition counts as one edit', () => {
    assert.equal(boundedEditDistance('wamrup', 'warmup', 2), 1);
    assert.equal(boundedEditDistance('precsion', 'precision', 2), 1);
    assert.equal(boundedEditDistance('cvpr', 'conv', 1), 2);
    assert.equal(boundedEditDistance('warmup', 'warmup', 1), 0);
  });
});

describe('lookup index: arbitrary input', () => {
  test('any query returns at most `limit` results, best first, without throwing', async () => {
    const index = bundledIndex();
    index.updateFile(parseNote(DETECTION_NOTE, 'user/detection.md'));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('a', '语', 'torch.', '..', '_', 'x'.repeat(300), '分'.repeat(100))), fc.integer({ min: 0, max: 30 }), (q, limit) => {
        const results = index.search(q, limit);
        assert.ok(results.length <= limit);
        for (let i = 1; i < results.length; i++) assert.ok(results[i - 1].score >= results[i].score);
      }),
      { numRuns: 300 },
    );
  });

  test('packed posting lists answer as the lists they were built as, and edits after packing answer as a fresh index', () => {
    const queries = ['warmup', 'cosine warm', '学习率', '预热 cosine', 'FPN', '语义分割', 'BN 均值', 'batchnorm bias', 'detection anchors', ''];
    const detection = parseNote(DETECTION_NOTE, 'user/detection.md');
    // Forty sections sharing their words: lists long enough to be packed into Int32Arrays.
    const schedules = Array.from({ length: 40 }, (_, i) => `## Schedule ${i}\n\nLinear warmup for ${i + 1} epochs, then cosine decay; 学习率预热 ${i} 轮。\n\n- warm restarts every ${i + 2} epochs\n`);
    const many = parseNote(`# Schedules\n\n${schedules.join('\n')}`, 'user/schedules.md');
    const built = bundledIndex();
    built.updateFile(many);
    built.updateFile(detection);
    const unpacked = queries.map((q) => built.search(q, 50));
    built.pack();
    assert.deepEqual(queries.map((q) => built.search(q, 50)), unpacked);
    // A saved note unpacks the lists it is in, then the next batch packs them again.
    built.updateFile(parseNote(DETECTION_NOTE.replace('anchors', 'anchor boxes'), 'user/detection.md'));
    built.removeFile('user/detection.md');
    built.updateFile(detection);
    built.pack();
    const fresh = bundledIndex();
    fresh.updateFile(many);
    fresh.updateFile(detection);
    assert.deepEqual(queries.map((q) => built.search(q, 50)), queries.map((q) => fresh.search(q, 50)));
  });

  test('searches between the files of a batch answer as an index built without them', () => {
    const queries = ['warmup', 'warmup cosine', '学习率', '预热 cosine', 'schedule 3', 'anchors', 'detection anchors', 'FPN'];
    const schedules = (from: number) =>
      parseNote(
        `# Schedules ${from}\n\n` + Array.from({ length: 20 }, (_, i) => `## Schedule ${from + i}\n\nWarmup warmup for ${i + 1} epochs, then cosine; 学习率预热 ${i} 轮。\n`).join('\n'),
        `user/schedules-${from}.md`,
      );
    const detection = parseNote(DETECTION_NOTE, 'user/detection.md');
    const stepped = bundledIndex();
    const fresh = bundledIndex();
    for (const doc of [schedules(0), detection, schedules(20)]) {
      // A search after each file moves its postings to their lists; the next file's postings follow them there.
      stepped.updateFile(doc);
      stepped.search('warmup', 5);
      fresh.updateFile(doc);
    }
    assert.deepEqual(queries.map((q) => stepped.search(q, 50)), queries.map((q) => fresh.search(q, 50)));
    stepped.pack();
    fresh.pack();
    assert.deepEqual(queries.map((q) => stepped.search(q, 50)), queries.map((q) => fresh.search(q, 50)));
  });

  test('adding and then removing any note leaves the other files exactly as they were', async () => {
    const index = bundledIndex();
    const before = ['warmup', 'FPN', '语义分割', 'BN 均值', ''].map((q) => index.search(q, 50));
    const size = index.size;
    const line = fc.oneof(fc.string(), fc.constantFrom('# Title', '## 小节', '- item', '1. 第一点', '```', '<hr>', '---', '  - nested'));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        index.updateFile(parseNote(lines.join('\n'), 'user/random.md'));
        index.search(lines[0] ?? 'x', 10);
        index.removeFile('user/random.md');
        assert.equal(index.size, size);
      }),
      { numRuns: 200 },
    );
    assert.deepEqual(
      ['warmup', 'FPN', '语义分割', 'BN 均值', ''].map((q) => index.search(q, 50)),
      before,
    );
  });
});

describe('points and their sections', () => {
  test('a query whose words all fall in one point ranks that point above its section (batchnorm bias)', () => {
    const results = bundledIndex().search('batchnorm bias', 10);
    assert.deepEqual(results.slice(0, 2).map(ref), ['misc-details/2', 'misc-details']);
    assert.equal(results[0].title, '假如有了BN，那么之前的Conv不再需要Bias了');
  });

  test('a point of a user note whose text alone holds the words comes before its section; the section first when it matches as well', () => {
    const index = new LookupIndex();
    index.updateFile(parseNote('# Training\n\n## Augmentation\n\nWhat we apply to images.\n\n- random crops and flips\n- mixup with cutmix, alpha 0.2\n', 'aug.md'), {});
    assert.deepEqual(index.search('mixup cutmix', 5).slice(0, 2).map(ref), ['augmentation/2', 'augmentation']);
    assert.equal(ref(index.search('augmentation', 5)[0]), 'augmentation');
  });

  test('a point without a lead-in is titled by its first sentence or clauses, at most 40 characters, never a cut sentence alone', () => {
    const seg = bundledIndex().search('语义分割', 5)[0];
    assert.equal(ref(seg), 'semantic-segmentation-本质上的难点/3');
    assert.equal(seg.title, '语义分割本身就是一个退而求其次的课题');
    assert.ok(seg.firstLine.startsWith(seg.title), 'the whole first line goes in the detail');
    assert.equal(seg.breadcrumb[seg.breadcrumb.length - 1], 'semantic segmentation 本质上的难点？', 'its section, for the description');
    for (const r of bundledIndex().search('', 200)) assert.ok(r.title.length <= 40, `"${r.title}" is ${r.title.length} characters`);
  });

  test('pointTitle: a short item whole, else whole clauses that fit, else a word-boundary cut', () => {
    assert.equal(pointTitle('假如有了BN，那么之前的Conv不再需要Bias了'), '假如有了BN，那么之前的Conv不再需要Bias了');
    assert.equal(pointTitle('标准的BN 是对channel算均值和方差，如图：'), '标准的BN 是对channel算均值和方差，如图');
    assert.equal(pointTitle('PCA is a linear transformation that can be easily learnt in one layer of the network'), 'PCA is a linear transformation that can…');
    assert.equal(pointTitle('Warm up first, then decay the rate with a cosine schedule over the remaining epochs'), 'Warm up first');
  });
});

describe('alt text of a tag', () => {
  test('the first alt= inside the tag [start, end], as a search of the whole text limited to the tag finds it', () => {
    const piece = fc.constantFrom('<img ', 'alt=', '"x"', "'y'", ' src="a.png"', '>', ' ', 'alt', '="', 'b');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.nat(40), fc.nat(60), (parts, a, b) => {
        const text = parts.join('');
        const start = Math.min(a, text.length);
        const end = Math.min(start + b, text.length);
        const at = text.indexOf('alt=', start);
        let expected: [number, number] | undefined;
        if (at >= 0 && at <= end) {
          const q = text.charCodeAt(at + 4);
          if (q === 34 || q === 39) {
            const close = text.indexOf(q === 34 ? '"' : "'", at + 5);
            if (close > 0 && close <= end) expected = [at + 5, close];
          }
        }
        assert.deepEqual(altText(text, start, end), expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('character classes of the body tokenizer', () => {
  test('every code unit has the class and CJK index the predicates give it', () => {
    const word = new Set([CH_LOWER, CH_DIGIT, CH_WORD]);
    for (let c = 0; c < 65536; c++) {
      const cls = CHAR_CLASS[c];
      const at = `U+${c.toString(16)}`;
      if (word.has(cls) !== isWordCode(c)) assert.fail(`${at} is a word character by one and not the other`);
      if ((cls === CH_CJK) !== (!isWordCode(c) && isCjkCode(c))) assert.fail(`${at} is CJK by one and not the other`);
      if ((cls === CH_LOWER) !== (c >= 97 && c <= 122)) assert.fail(`${at}: lower-case ASCII letters only`);
      if ((cls === CH_DIGIT) !== (c >= 48 && c <= 57)) assert.fail(`${at}: ASCII digits only`);
      if (CJK_INDEX[c] !== cjkIndex(c)) assert.fail(`CJK index of ${at}`);
      if ((CJK_INDEX[c] > 0) !== isCjkCode(c)) assert.fail(`${at} has a CJK index by one and not the other`);
    }
    const classOf = (ch: string) => CHAR_CLASS[ch.charCodeAt(0)];
    assert.deepEqual(['a', 'Z', '_', '7', '中', '<', ']', ' ', '['].map(classOf), [CH_LOWER, CH_WORD, CH_WORD, CH_DIGIT, CH_CJK, CH_LT, CH_CLOSE_BRACKET, CH_OTHER, CH_OTHER]);
  });
});

describe('bold lead-in of an item', () => {
  test('the text between the bold marks the item starts with, as the pattern captures it', () => {
    const BOLD = /^\s*(\*\*|__)(.+?)\1/;
    const piece = fc.constantFrom('**', '__', '*', '_', ' ', '\t', '\u3000', '\u00a0', 'a', '观察', ':', '\n', '\r', '\u2028', '\u2029', '\ufeff');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const md = parts.join('');
        assert.equal(boldInner(md), BOLD.exec(md)?.[2], JSON.stringify(md));
      }),
      { numRuns: 5000 },
    );
  });
});
