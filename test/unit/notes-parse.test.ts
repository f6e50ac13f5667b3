import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseNote, slugify } from '../../src/core/notes/parse';
import { isBlank, isSpaceCode } from '../../src/core/notes/markdownText';
import type { NoteDocument, NoteSection } from '../../src/core/notes/types';
import { bundledNotesDir, fixturesDir } from './helpers';

const notesFixtures = path.join(fixturesDir, 'notes');

function fixture(name: string): NoteDocument {
  const file = path.join(notesFixtures, name);
  return parseNote(readFileSync(file, 'utf8'), file);
}

function seed(): NoteDocument {
  const file = path.join(bundledNotesDir, 'ml-basis-notes.md');
  return parseNote(readFileSync(file, 'utf8'), file);
}

function section(doc: NoteDocument, slug: string): NoteSection {
  const s = doc.sections.find((x) => x.slug === slug);
  assert.ok(s, `no section "${slug}" in ${doc.sections.map((x) => x.slug).join(', ')}`);
  return s;
}

/** 0-based line of the first line of the document text that starts with `prefix`. */
function lineOf(doc: NoteDocument, prefix: string, from = 0): number {
  const lines = doc.text.split('\n');
  for (let i = from; i < lines.length; i++) if (lines[i].startsWith(prefix)) return i;
  assert.fail(`no line starting with ${JSON.stringify(prefix)}`);
}

describe('parseNote: the bundled seed note', () => {
  const doc = seed();

  test('title comes from the front matter and the front matter is not content', () => {
    assert.equal(doc.title, 'Long term machine learning basis');
    assert.deepEqual(doc.warnings, []);
    assert.equal(doc.contentStartLine, lineOf(doc, '## Theory basis') - 1);
    assert.ok(doc.sections.every((s) => !s.body.includes('title: Long term')));
  });

  test('every heading is a section, in order, with stable CJK-safe slugs', () => {
    assert.deepEqual(
      doc.sections.map((s) => [s.level, s.slug]),
      [
        [2, 'theory-basis'],
        [2, 'recall-and-precision'],
        [2, '一些琐碎但是非常重要的点'],
        [2, 'fpn-architecture'],
        [2, 'learning-rate-warming-up'],
        [2, 'bn-derivation-details'],
        [2, 'misc-details'],
        [2, '理解神经网络中通过add的方式融合特征'],
        [2, 'semantic-segmentation-本质上的难点'],
        [2, '关于做研究'],
      ],
    );
    assert.equal(section(doc, 'semantic-segmentation-本质上的难点').title, 'semantic segmentation 本质上的难点？');
  });

  test('"一些琐碎但是非常重要的点" holds two separate points: the 3x3+1x1 head and the padding tip', () => {
    const s = section(doc, '一些琐碎但是非常重要的点');
    assert.equal(s.points.length, 2);
    const [head, padding] = s.points;
    assert.equal(head.id, '一些琐碎但是非常重要的点/1');
    assert.match(head.markdown, /一层3x3，再接上一个1x1的卷积进行分类/);
    assert.doesNotMatch(head.markdown, /padding/);
    assert.equal(padding.id, '一些琐碎但是非常重要的点/2');
    assert.match(padding.summary, /^面对没有padding的小网络的时候/);
    assert.match(padding.markdown, /Discussed with LH at 2019-01-16/);
    assert.doesNotMatch(padding.markdown, /3x3/);
    assert.equal(padding.startLine, lineOf(doc, '2. 面对没有padding'));
    assert.equal(padding.endLine, padding.startLine);
  });

  test('"Misc details" has two points, each with its own image', () => {
    const s = section(doc, 'misc-details');
    assert.equal(s.points.length, 2);
    const [bn, bias] = s.points;
    assert.equal(bn.summary, '标准的BN 是对channel算均值和方差，如图：');
    assert.match(bn.markdown, /<img width="70%" src="figures\/bn-mean-var\.svg"/);
    assert.doesNotMatch(bn.markdown, /conv-bias-bn/);
    assert.equal(bn.startLine, lineOf(doc, '- 标准的BN'));
    assert.equal(bn.endLine, bn.startLine + 1, 'the <img> line under the item belongs to it');
    assert.equal(bias.summary, '假如有了BN，那么之前的Conv不再需要Bias了');
    assert.match(bias.markdown, /figures\/conv-bias-bn\.svg/);
    assert.equal(bias.startLine, lineOf(doc, '- 假如有了BN'));
    assert.equal(bias.endLine, bias.startLine + 1);
  });

  test('the warmup section has its constant and gradual points; the two answer lists of the segmentation section are numbered on', () => {
    assert.deepEqual(
      section(doc, 'learning-rate-warming-up').points.map((p) => p.summary.split(':')[0]),
      ['Constant warmup', 'Gradual warmup'],
    );
    const seg = section(doc, 'semantic-segmentation-本质上的难点');
    assert.equal(seg.points.length, 7);
    assert.match(seg.points[0].summary, /^问题架构不好/);
    assert.match(seg.points[4].summary, /^对新手来说/);
    assert.equal(seg.points[6].id, 'semantic-segmentation-本质上的难点/7');
  });

  test('sections without lists have no points', () => {
    for (const slug of ['fpn-architecture', '理解神经网络中通过add的方式融合特征', '关于做研究', 'bn-derivation-details']) {
      assert.deepEqual(section(doc, slug).points, [], slug);
    }
  });

  test('<hr> separators end sections but are not part of their text', () => {
    const theory = section(doc, 'theory-basis');
    assert.equal(theory.body, '- PCA is a linear transformation that can be easily learnt in one layer of the network');
    for (const s of doc.sections) assert.doesNotMatch(s.body, /<hr>\s*$/, s.slug);
    assert.ok(!doc.sections.some((s) => s.level === 0), 'no implicit section: nothing but front matter before the first heading');
  });

  test('front matter terms are read as written', () => {
    assert.ok(doc.terms.get('misc-details/2')?.includes('Conv2d(bias)'));
    assert.ok(doc.terms.get('fpn-architecture')?.includes('FeaturePyramidNetwork'));
    assert.ok(doc.terms.get('一些琐碎但是非常重要的点/2')?.includes('F.pad'));
    assert.equal(doc.terms.has('关于做研究'), false);
  });

  test('section ranges tile the content: each body ends right before the next heading', () => {
    for (let i = 0; i < doc.sections.length; i++) {
      const s = doc.sections[i];
      const next = doc.sections[i + 1];
      assert.equal(s.bodyEndLine, next ? next.startLine - 1 : doc.lineCount - 1, s.slug);
      assert.equal(s.endLine, s.bodyEndLine, `${s.slug}: all headings are level 2, so no section has subsections`);
    }
  });
});

describe('parseNote: line endings and encoding', () => {
  test('CRLF and a BOM parse exactly like the LF file', () => {
    const raw = readFileSync(path.join(notesFixtures, 'crlf-bom.md'), 'utf8');
    assert.equal(raw.charCodeAt(0), 0xfeff, 'the fixture starts with a BOM');
    assert.ok(raw.includes('\r\n'), 'the fixture has CRLF line endings');
    const crlf = parseNote(raw, 'note.md');
    const lf = parseNote(raw.slice(1).replace(/\r\n/g, '\n'), 'note.md');
    assert.deepEqual(crlf, lf);
  });

  test('CRLF note: front matter title, headings, points and lines are right and no \\r is left anywhere', () => {
    const doc = fixture('crlf-bom.md');
    assert.equal(doc.title, 'Windows note');
    assert.deepEqual(doc.warnings, []);
    assert.deepEqual(doc.sections.map((s) => s.slug), ['data-loading', 'sampler']);
    const data = section(doc, 'data-loading');
    assert.equal(data.startLine, 4);
    assert.deepEqual(data.points.map((p) => [p.summary, p.startLine, p.endLine]), [
      ['Use num_workers > 0', 6, 6],
      ['Pin memory', 7, 8],
    ]);
    assert.equal(data.points[1].markdown, 'Pin memory\nwhen training on GPU');
    assert.ok(!doc.text.includes('\r'));
    assert.ok(doc.sections.every((s) => !s.title.includes('\r') && !s.body.includes('\r')));
  });

  test('a lone CR (old Mac line ending) is a line break too', () => {
    const doc = parseNote('# A\rtext\r# B\r', 'mac.md');
    assert.deepEqual(doc.sections.map((s) => [s.slug, s.startLine]), [['a', 0], ['b', 2]]);
  });
});

describe('parseNote: files without headings or without content', () => {
  test('a file with no headings is one section titled after the file, with its points', () => {
    const doc = fixture('no-headings.md');
    assert.equal(doc.title, 'no-headings');
    assert.equal(doc.sections.length, 1);
    const [s] = doc.sections;
    assert.equal(s.level, 0);
    assert.equal(s.title, 'no-headings');
    assert.equal(s.slug, 'no-headings');
    assert.deepEqual(s.points.map((p) => p.id), ['no-headings/1', 'no-headings/2']);
    assert.equal(s.startLine, 0);
    assert.equal(s.endLine, doc.lineCount - 1);
  });

  test('a file with no headings takes its section title from the front matter', () => {
    const doc = fixture('no-headings-titled.md');
    assert.equal(doc.sections.length, 1);
    assert.equal(doc.sections[0].title, 'Scratchpad');
    assert.equal(doc.sections[0].slug, 'scratchpad');
    assert.equal(doc.sections[0].startLine, 3, 'the section starts after the front matter');
    assert.equal(doc.sections[0].body, 'Only a paragraph, under a front matter title.');
  });

  test('the title falls back to the file name of a path or URI, decoded and without extension', () => {
    assert.equal(parseNote('x', 'file:///home/me/notes/%E5%AD%A6%E4%B9%A0%E7%8E%87.markdown').title, '学习率');
    assert.equal(parseNote('x', 'C:\\notes\\tips.md').title, 'tips');
  });

  test('a note is titled by a level-1 heading it starts with, else by its file name (as Obsidian names it), not by its first section', () => {
    // Obsidian's help vault: no front matter title, no `#` heading, `##` sections.
    const vault = parseNote('With Obsidian Sync you can collaborate.\n\n## Manage users\n\nText.\n', 'Obsidian Sync/Collaborate on a shared vault.md');
    assert.equal(vault.title, 'Collaborate on a shared vault');
    assert.deepEqual(vault.sections.map((s) => s.title), ['Collaborate on a shared vault', 'Manage users']);
    assert.equal(parseNote('## Open Settings\n\nText.\n', 'Settings.md').title, 'Settings');
    assert.equal(parseNote('# Learning rate warmup\n\n## Why\n', 'warmup.md').title, 'Learning rate warmup');
    assert.equal(parseNote('Learning rate warmup\n====\n\n## Why\n', 'warmup.md').title, 'Learning rate warmup');
    assert.equal(parseNote('---\ntitle: Warmup\n---\n## Why\n', 'warmup.md').title, 'Warmup');
    // A `#` heading after a `##` one is a section, not the note's name.
    assert.equal(parseNote('## Why\n\n# Appendix\n', 'warmup.md').title, 'warmup');
    // Which titles are the file name (they name no code for hovers: see termEntries).
    assert.equal(vault.titleFromFile, true);
    assert.equal(parseNote('# Learning rate warmup\n', 'warmup.md').titleFromFile, false);
    assert.equal(parseNote('---\ntitle: Warmup\n---\n## Why\n', 'warmup.md').titleFromFile, false);
  });

  test('an empty file is one empty section and no warning', () => {
    const doc = fixture('empty.md');
    assert.deepEqual(doc.warnings, []);
    assert.equal(doc.title, 'empty');
    assert.equal(doc.sections.length, 1);
    assert.equal(doc.sections[0].body, '');
    assert.deepEqual(doc.sections[0].points, []);
    for (const src of ['', '\ufeff', '\n\n', '   \r\n']) assert.equal(parseNote(src, 'e.md').sections.length, 1, JSON.stringify(src));
  });

  test('text before the first heading is its own section, titled like the file, and does not take the heading\'s slug', () => {
    const doc = parseNote('Some intro.\n\n# Alpha\nbody\n', 'notes/intro.md');
    assert.deepEqual(doc.sections.map((s) => [s.level, s.title, s.slug]), [
      [0, 'intro', 'intro'],
      [1, 'Alpha', 'alpha'],
    ]);
    assert.equal(doc.title, 'Alpha');
    assert.equal(doc.sections[0].body, 'Some intro.');
  });
});

describe('parseNote: front matter problems', () => {
  test('unterminated front matter is read as text, with a warning', () => {
    const doc = fixture('unterminated-front-matter.md');
    assert.equal(doc.warnings.length, 1);
    assert.match(doc.warnings[0].message, /never closed/);
    assert.equal(doc.contentStartLine, 0);
    assert.notEqual(doc.title, 'Forgot to close');
    const intro = doc.sections[0];
    assert.equal(intro.level, 0);
    assert.match(intro.body, /title: Forgot to close/);
    assert.equal(section(doc, 'optimiser').body, 'Adam with weight decay: use AdamW.');
  });

  test('invalid YAML front matter gives a warning and the note\'s content is kept', () => {
    const doc = fixture('invalid-front-matter.md');
    assert.equal(doc.warnings.length, 1);
    assert.match(doc.warnings[0].message, /not valid YAML/);
    assert.equal(doc.terms.size, 0);
    assert.deepEqual(doc.sections.map((s) => s.slug), ['optimiser']);
    assert.equal(doc.sections[0].body, 'Adam with weight decay: use AdamW.');
    assert.equal(doc.sections[0].startLine, 6);
  });

  test('a front matter that is not a mapping, or a terms value of the wrong shape, warns instead of failing', () => {
    const list = parseNote('---\n- a\n- b\n---\n# H\n', 'n.md');
    assert.match(list.warnings[0]?.message ?? '', /not a mapping/);
    assert.deepEqual(list.sections.map((s) => s.slug), ['h']);
    const terms = parseNote('---\nterms: [a, b]\n---\n# H\n', 'n.md');
    assert.match(terms.warnings[0]?.message ?? '', /"terms" should map/);
  });

  test('terms may be a list or a comma-separated string; numbers are kept as text', () => {
    const doc = parseNote('---\nterms:\n  a: [FocalLoss, 2d]\n  b: "focal_loss, sigmoid_focal_loss"\n  c: 3\n---\n# A\n# B\n', 'n.md');
    assert.deepEqual(doc.terms.get('a'), ['FocalLoss', '2d']);
    assert.deepEqual(doc.terms.get('b'), ['focal_loss', 'sigmoid_focal_loss']);
    assert.equal(doc.terms.has('c'), false);
  });

  test('terms keys keep the order the yaml package gives them, whichever reader reads the front matter', () => {
    const keys = (fm: string) => [...parseNote(`---\n${fm}\n---\n# A\n`, 'n.md').terms.keys()];
    // The fast reader (plain entries) and the yaml package (a block sequence elsewhere sends the note to it).
    const entries = '  zeta: [z]\n  "2": [two]\n  alpha/1: [a]\n  "10": [ten]\n  b: [b]';
    assert.deepEqual(keys(`terms:\n${entries}`), ['2', '10', 'zeta', 'alpha/1', 'b']);
    assert.deepEqual(keys(`tags:\n  - x\nterms:\n${entries}`), ['2', '10', 'zeta', 'alpha/1', 'b']);
    assert.deepEqual(keys('terms:\n  zeta: [z]\n  "2x": [w]\n  alpha: [a]'), ['zeta', '2x', 'alpha']);
    assert.deepEqual(keys('terms:\n  zeta: [z]\n  alpha: [a]'), ['zeta', 'alpha']);
  });
});

describe('parseNote: blocks that look like headings but are not', () => {
  const doc = fixture('blocks.md');

  test('only real headings become sections', () => {
    assert.deepEqual(doc.sections.map((s) => s.slug), ['blocks', 'after-hr', 'code-section', 'setext-title', 'two-line-setext-subtitle']);
  });

  test('a "# x" line inside <div>…</div> (no blank line) stays in the section text', () => {
    const s = section(doc, 'after-hr');
    assert.match(s.body, /^<div align="center">\n# not a heading inside div\n/);
    assert.match(s.body, /# not a heading inside a comment/);
  });

  test('"#" lines inside ``` and ~~~ fences are code, including a ``` line inside a ~~~ fence', () => {
    const s = section(doc, 'after-hr');
    assert.match(s.body, /```python\n# not a heading: a Python comment/);
    assert.match(s.body, /~~~\n# not a heading in a tilde fence\n```\n# still inside/);
  });

  test('a fence inside a list item is part of the point and its "#" line is not a heading', () => {
    const s = section(doc, 'code-section');
    assert.equal(s.points.length, 2);
    assert.equal(s.points[0].startLine, lineOf(doc, '- Point with a fence'));
    assert.equal(s.points[0].endLine, lineOf(doc, '  ```', s.points[0].startLine + 2));
    assert.equal(s.points[0].markdown, 'Point with a fence:\n```bash\n# a shell comment, not a heading\n```');
  });

  test('an unclosed fence inside a list item ends with the item, so the next heading is still a heading', () => {
    const d = parseNote('# A\n\n- item\n  ```\n  # code\n# Next\n\n- after\n', 'n.md');
    assert.deepEqual(d.sections.map((s) => s.slug), ['a', 'next']);
    assert.equal(d.sections[0].points[0].endLine, 4);
    assert.equal(d.sections[1].points.length, 1);
  });

  test('a fence inside a deeper list item closes at its own indentation', () => {
    const d = parseNote('# A\n\n1.  item\n    ```\n    # code\n    ```\n# B\n', 'n.md');
    assert.deepEqual(d.sections.map((s) => s.slug), ['a', 'b']);
  });

  test('an unclosed top-level fence runs to the end of the file (as CommonMark renders it)', () => {
    const d = parseNote('# A\n```\n# B\n', 'n.md');
    assert.deepEqual(d.sections.map((s) => s.slug), ['a']);
  });

  test('setext headings, including a two-line one, take their whole paragraph as the title', () => {
    const h1 = section(doc, 'setext-title');
    assert.equal(h1.level, 1);
    assert.equal(h1.title, 'Setext title');
    assert.equal(h1.startLine, lineOf(doc, 'Setext title'));
    assert.equal(h1.body, 'Under the setext heading.');
    const h2 = section(doc, 'two-line-setext-subtitle');
    assert.equal(h2.level, 2);
    assert.equal(h2.title, 'Two line setext subtitle');
    assert.equal(h2.startLine, lineOf(doc, 'Two line'));
    assert.deepEqual(h2.breadcrumb, ['Setext title']);
    assert.equal(h2.body, 'Tail text.');
    assert.equal(h1.bodyEndLine, h2.startLine - 1, 'the first paragraph line of a setext heading is not body of the section before');
  });

  test('"---" after a blank line is a separator, not a setext underline', () => {
    const d = parseNote('# A\n\ntext\n\n---\n\nmore\n', 'n.md');
    assert.deepEqual(d.sections.map((s) => s.slug), ['a']);
  });

  test('"---" under a quote is a rule, not a setext heading, also after a lazy line; a quote ends a list item', () => {
    assert.deepEqual(parseNote('# A\n\n> quoted text\n---\n', 'n.md').sections.map((s) => s.slug), ['a']);
    assert.deepEqual(parseNote('# A\n\n> quoted\nlazy line\n---\n', 'n.md').sections.map((s) => s.slug), ['a']);
    assert.deepEqual(parseNote('# A\n> quote\n# B\n', 'n.md').sections.map((s) => s.slug), ['a', 'b']);
    const d = parseNote('# A\n- item\n> quote\n', 'n.md');
    assert.deepEqual(d.sections[0].points.map((p) => [p.startLine, p.endLine]), [[1, 1]]);
  });

  test('"#tag" without a space and indented "    # x" are not headings', () => {
    const d = parseNote('# A\n#tag\n\n    # indented code\n', 'n.md');
    assert.deepEqual(d.sections.map((s) => s.slug), ['a']);
  });

  test('closing hashes and inline Markdown are stripped from titles', () => {
    const d = parseNote('## **Focal** `Loss` ##\n### [Link](x.md) and *em*\n', 'n.md');
    assert.deepEqual(d.sections.map((s) => [s.title, s.slug]), [
      ['Focal Loss', 'focal-loss'],
      ['Link and em', 'link-and-em'],
    ]);
  });
});

describe('parseNote: the heading tree', () => {
  const doc = fixture('structure.md');

  test('levels 1 to 6 nest; seven hashes are text', () => {
    assert.deepEqual(doc.sections.map((s) => s.level), [1, 2, 3, 4, 5, 6, 2, 3, 3, 3, 1]);
    assert.match(section(doc, 'level-six').body, /####### seven hashes is text/);
  });

  test('breadcrumbs list the ancestors, outermost first', () => {
    assert.deepEqual(section(doc, 'level-six').breadcrumb, ['Level one', 'Level two', 'Level three', 'Level four', 'Level five']);
    assert.deepEqual(section(doc, 'repeat-2').breadcrumb, ['Level one', 'Level two again']);
    assert.deepEqual(section(doc, 'second-top').breadcrumb, []);
  });

  test('parents and children', () => {
    assert.deepEqual(section(doc, 'level-one').children.map((c) => c.slug), ['level-two', 'level-two-again']);
    assert.equal(section(doc, 'level-six').parent?.slug, 'level-five');
    assert.equal(section(doc, 'second-top').parent, undefined);
    assert.deepEqual(section(doc, 'level-two-again').children.map((c) => c.slug), ['repeat', 'repeat-1', 'repeat-2']);
  });

  test('duplicate headings get x, x-1, x-2 and every slug in a file is unique', () => {
    const d = parseNote('# x\n## x\n## x\n## x-1\n# X!\n', 'n.md');
    assert.deepEqual(d.sections.map((s) => s.slug), ['x', 'x-1', 'x-2', 'x-1-1', 'x-3']);
    for (const f of [doc, d, seed(), fixture('blocks.md')]) {
      const slugs = f.sections.map((s) => s.slug);
      assert.equal(new Set(slugs).size, slugs.length);
    }
  });

  test('the body runs to the next heading; endLine runs to the next heading of the same or a higher level', () => {
    const one = section(doc, 'level-one');
    assert.equal(one.startLine, 0);
    assert.equal(one.bodyEndLine, lineOf(doc, '## Level two') - 1);
    assert.equal(one.endLine, lineOf(doc, '# Second top') - 1);
    assert.equal(one.body, 'Intro of level one.');
    const two = section(doc, 'level-two');
    assert.equal(two.bodyEndLine, lineOf(doc, '### Level three') - 1);
    assert.equal(two.endLine, lineOf(doc, '## Level two again') - 1);
    assert.equal(two.body, 'Body of level two.');
    const four = section(doc, 'level-four');
    assert.equal(four.endLine, lineOf(doc, '## Level two again') - 1);
    assert.equal(four.body, '');
    const last = section(doc, 'second-top');
    assert.equal(last.endLine, doc.lineCount - 1);
  });
});

describe('parseNote: points (top-level list items)', () => {
  const doc = fixture('lists.md');
  const tips = section(doc, 'training-tips');

  test('each top-level item of every list in the section is a point, numbered on', () => {
    assert.deepEqual(tips.points.map((p) => [p.id, p.summary]), [
      ['training-tips/1', 'Warm up the learning rate'],
      ['training-tips/2', 'Clip gradients'],
      ['training-tips/3', 'Another list starts'],
    ]);
    assert.deepEqual(section(doc, 'next').points.map((p) => p.id), ['next/1']);
  });

  test('nested lists and their paragraphs belong to their top-level point', () => {
    const p = tips.points[0];
    assert.equal(p.startLine, lineOf(doc, '1. Warm up'));
    assert.equal(p.endLine, lineOf(doc, '     with a paragraph'));
    assert.equal(p.markdown, 'Warm up the learning rate\nfor a few epochs.\n- nested detail one\n- nested detail two\n\n  with a paragraph inside the nested item');
  });

  test('a point\'s line range covers its continuation lines and stops before the next block', () => {
    assert.deepEqual([tips.points[1].startLine, tips.points[1].endLine], [8, 8]);
    const third = tips.points[2];
    assert.deepEqual([third.startLine, third.endLine], [lineOf(doc, '- Another list'), lineOf(doc, '  and continues')]);
    const plain = lineOf(doc, 'Plain paragraph');
    assert.ok(tips.points.every((p) => plain < p.startLine || plain > p.endLine), 'the paragraph between the lists is in no point');
  });

  test('a point never runs into the next heading', () => {
    const d = parseNote('# A\n- item\n  lazy\n# B\n', 'n.md');
    assert.equal(d.sections[0].points[0].endLine, 2);
    assert.deepEqual(d.sections[1].points, []);
  });

  test('a number that merely starts a paragraph line is not a list', () => {
    const d = parseNote('# A\nWe trained until\n2019. Then we stopped.\n', 'n.md');
    assert.deepEqual(d.sections[0].points, []);
    const ok = parseNote('# A\nSteps:\n1. first\n2. second\n', 'n.md');
    assert.equal(ok.sections[0].points.length, 2);
  });
});

describe('white space', () => {
  test('isSpaceCode is what trim() removes, and isBlank agrees with trim() for every first character', () => {
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      assert.equal(isSpaceCode(c), ch.trim() === '', `U+${c.toString(16)}`);
      assert.equal(isBlank(ch), ch.trim() === '', `U+${c.toString(16)}`);
      assert.equal(isBlank(`${ch} \u3000`), `${ch} \u3000`.trim() === '', `U+${c.toString(16)} then spaces`);
      assert.equal(isBlank(`${ch}x`), false);
    }
    assert.equal(isBlank(''), true);
  });
});

describe('slugify', () => {
  test('lower case, punctuation dropped (ASCII and full-width), CJK kept, spaces become "-"', () => {
    assert.equal(slugify('semantic segmentation 本质上的难点？'), 'semantic-segmentation-本质上的难点');
    assert.equal(slugify('一些琐碎但是非常重要的点'), '一些琐碎但是非常重要的点');
    assert.equal(slugify('Learning Rate warming up'), 'learning-rate-warming-up');
    assert.equal(slugify('Q&A: what is BN?'), 'qa-what-is-bn');
    assert.equal(slugify('lr_warmup-epochs'), 'lr_warmup-epochs');
    assert.equal(slugify('？！'), 'section');
  });
});
