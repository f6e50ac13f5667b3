import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { MiniSearchBaseline } from '../../bench/baseline';
import { editCheck } from '../../bench/corpus/editCheck';
import { createRng, generateLibrary } from '../../bench/generate';
import { HOVER_SNIPPETS, LABELLED_QUERIES, LIBRARY_QUERIES, splitCursor } from '../../bench/lookupQueries';
import { median, percentile, summarize } from '../../bench/stats';
import { NoteLibrary } from '../../src/core/notes/library';
import { parseNote } from '../../src/core/notes/parse';
import { tokenAt } from '../../src/core/terms/codeToken';
import { bundledNotesDir, fixturesDir } from './helpers';

const bundledText = readFileSync(path.join(bundledNotesDir, 'ml-basis-notes.md'), 'utf8');

describe('bench: generated library', () => {
  test('is deterministic for a seed and differs between seeds', () => {
    const a = generateLibrary({ files: 5, sectionsPerFile: 50, seed: 7 });
    const b = generateLibrary({ files: 5, sectionsPerFile: 50, seed: 7 });
    const c = generateLibrary({ files: 5, sectionsPerFile: 50, seed: 8 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    const rand = createRng(1);
    const xs = Array.from({ length: 1000 }, rand);
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.ok(new Set(xs).size > 990);
  });

  test('parses into the requested sections, with front-matter terms that all resolve', () => {
    const files = generateLibrary({ files: 20, sectionsPerFile: 50, seed: 42 });
    const library = new NoteLibrary();
    let points = 0;
    let zhHeadings = 0;
    let enHeadings = 0;
    for (const f of files) {
      const warnings = library.setFile(f.id, f.text);
      assert.deepEqual(warnings, [], f.id);
      const doc = library.get(f.id)!;
      // `# comment` lines inside the fenced code of the notes are not headings.
      assert.equal(doc.sections.length, 50, f.id);
      assert.ok(doc.terms.size > 0, `${f.id} has front-matter terms`);
      for (const s of doc.sections) {
        points += s.points.length;
        if (/[\u4e00-\u9fff]/.test(s.title)) zhHeadings++;
        if (/[A-Za-z]{3}/.test(s.title)) enHeadings++;
      }
    }
    assert.equal(new Set(files.map((f) => f.id)).size, files.length, 'file ids are unique');
    assert.ok(points > 200, `points: ${points}`);
    assert.ok(zhHeadings > 100 && enHeadings > 100, `zh ${zhHeadings}, en ${enHeadings}`);
    assert.ok(files.some((f) => f.text.includes('```python\n# ')), 'code fences with # comments');
    assert.ok(files.some((f) => f.text.includes('<hr>')), '<hr> separators');
    assert.ok(files.some((f) => /\*\*[^*]+\*\*[:：]/.test(f.text)), 'points with bold lead-ins');
  });

  test('front-matter terms of the generated notes resolve hovers', () => {
    const library = new NoteLibrary();
    for (const f of generateLibrary({ files: 30, sectionsPerFile: 50, seed: 3 })) library.setFile(f.id, f.text);
    const { text, offset } = splitCursor('self.bn1 = nn.Batch|Norm2d(64)');
    assert.ok(library.lookupToken(tokenAt(text, offset)!.token).length > 0);
  });
});

describe('bench: statistics', () => {
  test('median and nearest-rank percentiles', () => {
    assert.equal(median([1, 2, 3]), 2);
    assert.equal(median([1, 2, 3, 10]), 2.5);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(hundred, 99), 99);
    assert.equal(percentile(hundred, 100), 100);
    assert.equal(percentile([5], 99), 5);
    const s = summarize([3, 1, 2, 100]);
    assert.deepEqual([s.runs, s.min, s.max, s.median, s.p99, s.mean], [4, 1, 100, 2.5, 100, 26.5]);
  });
});

describe('bench: query sets', () => {
  test('the labelled set has at least 25 queries of every kind, all naming sections and points that exist', () => {
    assert.ok(LABELLED_QUERIES.length >= 25);
    const kinds = new Set(LABELLED_QUERIES.map((q) => q.kind));
    for (const k of ['english', 'chinese', 'mixed', 'identifier', 'typo', 'acronym', 'prefix', 'subsequence']) assert.ok(kinds.has(k as never), k);
    const doc = parseNote(bundledText, 'notes/ml-basis-notes.md');
    for (const q of LABELLED_QUERIES) {
      const section = doc.sections.find((s) => s.slug === q.slug);
      assert.ok(section, `${q.query}: no section ${q.slug}`);
      if (q.point) assert.ok(section.points[q.point - 1], `${q.query}: no point ${q.slug}/${q.point}`);
    }
  });

  test('hover snippets carry a cursor inside an identifier; library queries include keystroke prefixes', () => {
    for (const s of HOVER_SNIPPETS) {
      const { text, offset } = splitCursor(s);
      assert.ok(offset > 0 && !text.includes('|'), s);
      assert.ok(/[\w]/.test(text[offset] ?? '') || /[\w]/.test(text[offset - 1] ?? ''), s);
    }
    assert.ok(LIBRARY_QUERIES.includes('w') && LIBRARY_QUERIES.includes('wa') && LIBRARY_QUERIES.includes('语'));
  });
});

describe('bench: MiniSearch baseline', () => {
  test('indexes the same sections and points and answers with their slugs', () => {
    const baseline = new MiniSearchBaseline(false);
    baseline.addDocuments([parseNote(bundledText, 'notes/ml-basis-notes.md')]);
    assert.equal(baseline.search('FPN', 5)[0]?.slug, 'fpn-architecture');
    assert.ok(baseline.search('warmup', 5).every((h) => h.slug === 'learning-rate-warming-up'));
    assert.ok(baseline.search('Constant', 5).some((h) => h.slug === 'learning-rate-warming-up' && h.point === 1));
  });

  test('with the bigram tokenizer it finds Chinese substrings that its default tokenizer misses', () => {
    const doc = parseNote(bundledText, 'notes/ml-basis-notes.md');
    const plain = new MiniSearchBaseline(false);
    plain.addDocuments([doc]);
    const bigrams = new MiniSearchBaseline(true);
    bigrams.addDocuments([doc]);
    assert.ok(!plain.search('融合特征', 5).some((h) => h.slug === '理解神经网络中通过add的方式融合特征'));
    assert.ok(bigrams.search('融合特征', 5).some((h) => h.slug === '理解神经网络中通过add的方式融合特征'));
  });
});

describe('corpus bench: the edit check', () => {
  test('edits real-looking files line by line and finds each re-analysed version equal to a fresh analysis', () => {
    const dir = path.join(fixturesDir, 'rules', 'conv-bias-before-batchnorm');
    const files = ['bias_parameters.py', 'call_site_conditions.py', 'list_helpers.py'].map((f) => path.join(dir, f));
    const r = editCheck(files, (f) => path.basename(f), 20);
    assert.equal(r.edits, 60);
    assert.ok(r.compared >= 10, `${r.compared} versions compared`);
    assert.deepEqual([r.findingsDiffer, r.treesDiffer], [[], []]);
  });
});
