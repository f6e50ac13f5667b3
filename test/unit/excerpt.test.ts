import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from './fc';
import MarkdownIt from 'markdown-it';
import { NoteLibrary } from '../../src/core/notes/library';
import { excerptOf, explainAt, focusOf, replaceFigures } from '../../src/core/explain';
import { hoverMarkdownText } from '../../src/core/hoverMarkdown';
import { parseNote } from '../../src/core/notes/parse';
import { FIGURE_LINES, focusedExcerpt, focusKeys, markdownBlocks } from '../../src/core/excerpt';
import { fitSize, imageSize, svgSize } from '../../src/core/render/imageSize';
import { bundledNotesDir } from './helpers';

function bundled(): NoteLibrary {
  const lib = new NoteLibrary();
  lib.setFile('file:///notes/ml-basis-notes.md', readFileSync(path.join(bundledNotesDir, 'ml-basis-notes.md'), 'utf8'), { bundled: true });
  return lib;
}

/** What the hover shows for the identifier at `at` in `code`. */
function hoverExcerpt(code: string, at: string, maxLines: number) {
  const ex = explainAt(bundled(), code, code.indexOf(at) + 1);
  assert.ok(ex, `a note for ${at}`);
  const word = code.slice(ex.start, ex.end);
  return { ex, excerpt: excerptOf(ex.best, maxLines, focusOf(ex, word)) };
}

test('a long section starts at the paragraph about the hovered name, the rest left for the panel (torch.cat)', () => {
  const { ex, excerpt } = hoverExcerpt('y = torch.cat([a, b], 1)', 'cat', 12);
  assert.equal(ex.best.section.title, '理解神经网络中通过add的方式融合特征');
  // The section opens with a bare link; the first paragraph that speaks of concatenation comes first instead.
  assert.match(excerpt.markdown, /^对于两路输入来说，如果是通道数相同且后面带卷积的话，add等价于concat/);
  assert.doesNotMatch(excerpt.markdown, /zhihu\.com/);
  assert.equal(excerpt.truncated, true);
  // Cut after a whole sentence, and marked.
  assert.match(excerpt.markdown, /[。！？] …$/);
  assert.ok(excerpt.markdown.length < ex.best.section.body.length * 0.8, 'a part of the wall of text');
});

test('mlNotes.hover.maxLines: fewer lines show less, and the budget holds for drawn (wrapped) lines', () => {
  const long = hoverExcerpt('y = torch.cat([a, b], 1)', 'cat', 12).excerpt.markdown;
  const short = hoverExcerpt('y = torch.cat([a, b], 1)', 'cat', 3).excerpt.markdown;
  assert.ok(short.length < long.length, `${short.length} < ${long.length}`);
  assert.ok(long.startsWith(short.replace(/ …$/, '').slice(0, 40)));
  // Three lines of a hover hold about 3 × 72 Latin characters, a CJK character counting two.
  const width = [...short].reduce((n, ch) => n + (/[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1), 0);
  assert.ok(width <= 3 * 72, `${width} columns`);
});

test('a figure is a block of its own under the text it belongs to (BatchNorm2d)', () => {
  const { ex, excerpt } = hoverExcerpt('bn = nn.BatchNorm2d(64)', 'BatchNorm2d', 12);
  assert.equal(ex.best.point?.index, 1);
  const parts = excerpt.markdown.split('\n\n');
  assert.equal(parts.length, 2, excerpt.markdown);
  assert.match(parts[0], /^标准的BN 是对channel算均值和方差/);
  assert.match(parts[1], /^<img [^>]*src="figures\/bn-mean-var\.svg"[^>]*\/>$/);
  assert.equal(excerpt.truncated, false);
  // With no room for the figure, the text alone, and the rest for the panel.
  const tight = hoverExcerpt('bn = nn.BatchNorm2d(64)', 'BatchNorm2d', FIGURE_LINES - 1).excerpt;
  assert.doesNotMatch(tight.markdown, /<img/);
  assert.equal(tight.truncated, true);
});

test('an image inside a paragraph leaves it: text first, then the figure', () => {
  const blocks = markdownBlocks('Before ![fig](a.png) after.\nMore text.\n\n- item <img src="b.svg" alt="b">\n');
  assert.deepEqual(
    blocks.map((b) => [b.kind, b.markdown]),
    [
      ['text', 'Before  after.\nMore text.'],
      ['figure', '![fig](a.png)'],
      ['text', '- item'],
      ['figure', '<img src="b.svg" alt="b">'],
    ],
  );
});

test('a section that fits is shown whole and in order; blocks never break a fence or display math', () => {
  const short = 'Intro.\n\n```py\nx = 1\n```\n\nEnd.';
  const whole = focusedExcerpt(short, { maxLines: 12, focus: ['end'] });
  assert.deepEqual([whole.markdown, whole.truncated, whole.blocks.map((b) => b.kind)], [short, false, ['text', 'code', 'text']]);
  const src = ['Intro about nothing.', '', '```py', ...Array.from({ length: 10 }, (_, i) => `x${i} = ${i}`), '```', '', 'The focus word is here.', '', '$$', 'a = b', '$$'].join('\n');
  const e = focusedExcerpt(src, { maxLines: 4, focus: ['focus'] });
  assert.equal(e.markdown, 'The focus word is here.\n\n$$\na = b\n$$');
  assert.equal(e.truncated, true);
  const fence = focusedExcerpt(src, { maxLines: 5, focus: [] });
  assert.equal((fence.markdown.match(/```/g) ?? []).length % 2, 0, fence.markdown);
});

test('focus keys: a dotted name by its last part, a keyword argument by its name, snake_case as words', () => {
  assert.deepEqual(focusKeys(['torch.cat', 'Conv2d(bias)', 'skip_connection', 'warmup*']).sort(), ['bias', 'cat', 'conv2d', 'skip connection', 'skip_connection', 'torch.cat', 'warmup'].sort());
});

test('a figure right after a lone "![" is still a figure of its own, the "![" stays text', () => {
  const e = focusedExcerpt('![![a](b.png)', { maxLines: 20, focus: [] });
  assert.equal(e.markdown, '![\n\n![a](b.png)');
});

test('a hover draws each figure once: a Markdown figure is one link (its <img> is not taken for a figure again), a stray "![" stays text', () => {
  const doc = parseNote('# T\n\nText about bn.\n', 'file:///n/note.md');
  const excerpt = focusedExcerpt('![Text about bn.\n\n![BN](figures/bn.svg)', { maxLines: 20, focus: [] });
  const figures = new Map([['figures/bn.svg', { size: { width: 640, height: 360 } }]]);
  const ui = { t: (s: string) => s, icons: false, sectionLink: () => 'open:here' };
  const text = hoverMarkdownText({ doc, section: doc.sections[0] }, [], 'bn', excerpt, figures, ui);
  assert.match(text, /\n!\[Text about bn\.\n\n\[<img src="figures\/bn\.svg" alt="BN" width="320" height="180">\]\(open:here "Open this section in the ML Notes panel"\)\n/);
  assert.equal(replaceFigures('<img src="a.png"> ![b](c.png)', (f) => `<img src="${f.src}">`), '<img src="a.png"> <img src="c.png">');
});

/** What a hover shows for an excerpt, rendered as VS Code renders a hover (Markdown with HTML). */
function hoverHtml(excerpt: ReturnType<typeof focusedExcerpt>): string {
  const doc = parseNote('# T\n\nText.\n', 'file:///n/note.md');
  const ui = { t: (s: string) => s, icons: false, sectionLink: () => 'open:here' };
  return new MarkdownIt({ html: true }).render(hoverMarkdownText({ doc, section: doc.sections[0] }, [], 'x', excerpt, new Map(), ui));
}

function assertFiguresAlone(html: string): void {
  for (const p of html.match(/<p>[\s\S]*?<\/p>/g) ?? []) {
    if (/<img\b/.test(p)) assert.equal(p.replace(/<[^>]*>/g, '').trim(), '', `a figure beside text: ${p}`);
  }
}

test('a hover shows display math as a latex code block and code as it is: an <img> in either is text, never a figure; a "!" left before a figure does not make the next link one', () => {
  const e = focusedExcerpt('$$\n<img src="c.svg"># h\n$$\n', { maxLines: 3, focus: ['focus'] });
  const html = hoverHtml(e);
  assert.match(html, /<pre><code class="language-latex">&lt;img src=&quot;c.svg&quot;&gt;# h\n<\/code><\/pre>/);
  assertFiguresAlone(html);
  assertFiguresAlone(hoverHtml(focusedExcerpt('!![a](b.png)[l](u) word ', { maxLines: 1, focus: ['focus'] })));
  const code = hoverHtml(focusedExcerpt('An HTML sample:\n\n```html\n<img src="a.png">\n```\n', { maxLines: 20 }));
  assert.match(code, /<code class="language-html">&lt;img src=&quot;a.png&quot;&gt;\n<\/code>/);
  assert.doesNotMatch(code, /<img /);
});

test('property: any Markdown gives a hover whose figures never share a paragraph with text', () => {
  const piece = fc.oneof(
    fc.constantFrom('word ', '中文句子。', 'focus ', '. ', '\n', '\n\n', '- ', '1. ', '```\n', '$$\n', '![a](b.png)', '<img src="c.svg">', '# h\n', '<hr>\n', '**b** ', '[l](u) '),
    fc.string({ maxLength: 12 }),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 60 }), fc.integer({ min: 1, max: 20 }), (parts, maxLines) => {
      assertFiguresAlone(hoverHtml(focusedExcerpt(parts.join(''), { maxLines, focus: ['focus'] })));
    }),
    { numRuns: 300 },
  );
});

test('figure sizes: PNG, GIF, JPEG headers and SVG roots; scaled down into the hover box, never up', () => {
  const png = new Uint8Array(24);
  png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  new DataView(png.buffer).setUint32(16, 800);
  new DataView(png.buffer).setUint32(20, 600);
  assert.deepEqual(imageSize(png), { width: 800, height: 600 });
  const gif = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x40, 0x01, 0xc8, 0x00]);
  assert.deepEqual(imageSize(gif), { width: 320, height: 200 });
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0x2c, 0x01, 0x90, 0x03, 0, 0, 0]);
  assert.deepEqual(imageSize(jpeg), { width: 400, height: 300 });
  assert.deepEqual(svgSize('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 360">'), { width: 640, height: 360 });
  assert.deepEqual(svgSize('<svg width="100%" viewBox="0 0 640 360">'), { width: 640, height: 360 });
  assert.deepEqual(svgSize("<svg width='200' height='50px'>"), { width: 200, height: 50 });
  assert.equal(imageSize(new TextEncoder().encode('not an image')), undefined);
  const box = { width: 320, height: 180 };
  assert.deepEqual(fitSize({ width: 640, height: 360 }, box), { width: 320, height: 180 });
  assert.deepEqual(fitSize({ width: 400, height: 800 }, box), { width: 90, height: 180 });
  assert.deepEqual(fitSize({ width: 100, height: 50 }, box), { width: 100, height: 50 });
  assert.deepEqual(fitSize(undefined, box), { height: 180 });
  // The bundled figures are read.
  for (const f of ['bn-mean-var.svg', 'conv-bias-bn.svg', 'fpn.svg', 'precision-recall.svg']) {
    const size = imageSize(readFileSync(path.join(bundledNotesDir, 'figures', f)));
    assert.ok(size && size.width > 0 && size.height > 0, f);
  }
});
