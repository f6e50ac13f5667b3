/**
 * The hostile corpus (test/fixtures/hostile/<category>/*.md): every input is parsed as a note and rendered by the one
 * Renderer, with and without the panel's image and link hooks, and the HTML is checked by an independent allowlist
 * checker (test/unit/hostileHtml.ts, parse5). An input "executed" when its output holds anything the allowlist does
 * not: a script or other element outside the list, an event handler, a style outside math, a URL that is not
 * http(s), relative, a fragment or a raster data: image. The count must be 0.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import MarkdownIt from 'markdown-it';
import { parseNote } from '../../src/core/notes/parse';
import { NoteLibrary } from '../../src/core/notes/library';
import { Renderer, type RenderHooks } from '../../src/core/render/renderer';
import { checkRenderedHtml, isAllowedUrl, type CheckResult } from './hostileHtml';
import { bundledNotesDir, fixturesDir } from './helpers';
import { recordFigures, watchUnhandled } from './securityFigures';

const hostileDir = path.join(fixturesDir, 'hostile');
/**
 * CPU time per input and render (this process's, which other processes on a busy machine do not inflate, unlike the
 * wall clock); typical inputs take a few ms, a quadratic blow-up on the generated ones takes seconds.
 */
const TIME_BUDGET_MS = 2000;

interface Input {
  name: string;
  text: string;
  generated?: boolean;
}

function corpusFiles(): Input[] {
  const out: Input[] = [];
  for (const category of readdirSync(hostileDir).sort()) {
    const dir = path.join(hostileDir, category);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.md')) out.push({ name: `${category}/${f}`, text: readFileSync(path.join(dir, f), 'utf8') });
  }
  return out;
}

/** Inputs too large to keep as files: built here, rendered and checked like the corpus. */
function generatedInputs(): Input[] {
  return [
    { name: 'generated/front-matter-1mb-string', text: `---\ntitle: "${'<script>alert(1)</script>'.repeat(40000)}"\n---\n\n# Body\n`, generated: true },
    { name: 'generated/20000-img-onerror-tags', text: '<img src=x onerror=alert(1)> '.repeat(20000), generated: true },
    { name: 'generated/5000-unclosed-links-in-one-block', text: '<details>\n' + '<a href="https://example.com">x'.repeat(5000) + '\n', generated: true },
    { name: 'generated/200-macro-bombs', text: Array.from({ length: 200 }, (_, i) => `Formula ${i}: $\\def\\a{\\a\\a}\\a$`).join('\n\n'), generated: true },
    { name: 'generated/5000-javascript-links', text: Array.from({ length: 5000 }, (_, i) => `[${i}](javascript:alert(${i})) <a href="jav&#x09;ascript:alert(${i})">${i}</a>`).join('\n'), generated: true },
    { name: 'generated/10000-headings-with-html', text: Array.from({ length: 10000 }, (_, i) => `## <img src=x onerror=alert(${i})> h${i}\n`).join('\n'), generated: true },
    // Vault syntax: 10,000 links (and unclosed brackets) on one line; a note of 400 KB embedded 1,000 times.
    { name: 'generated/10000-wikilinks-on-a-line', text: '[[embed-loop]] '.repeat(10000) + '[['.repeat(1000) + '![['.repeat(1000) + '[[javascript:alert(1)]]'.repeat(2000), generated: true },
    { name: 'generated/huge-note', text: `# Huge\n\n${'A line of the huge note with a [[embed-loop]] link and ==marks== #tag.\n\n'.repeat(5000)}![[huge-note]]\n`, generated: true },
    { name: 'generated/1000-embeds-of-a-huge-note', text: '# Embeds\n\n' + '![[huge-note]]\n\n'.repeat(1000), generated: true },
  ];
}

/** Every input as one vault (names are file names), with a figure and a binary file next to them. */
function corpusLibrary(inputs: Input[]): NoteLibrary {
  const lib = new NoteLibrary();
  for (const input of inputs) lib.setFile(inputId(input), input.text, { root: 'hostile' });
  lib.setAttachments('hostile', ['hostile/vault/figure.png', 'hostile/vault/blob.bin']);
  return lib;
}

function inputId(input: Input): string {
  return `hostile/${input.name}`;
}

/** Resolves images like the panel: relative paths to a webview resource URL, some of them missing. */
const panelHooks: RenderHooks = {
  image: (src) => (/^https?:/i.test(src) ? src : src.includes('missing') ? null : `https://file%2B.vscode-resource.vscode-cdn.net/notes/${encodeURI(src)}`),
  link: (href) => href,
};

const renderer = new Renderer();

interface Outcome {
  input: Input;
  results: CheckResult[];
  html: string;
  /** Rendered with the panel's hooks and the corpus as a vault. */
  vaultHtml?: string;
  ms: number;
  /** CPU time this process spent on it, what the budget applies to. */
  cpuMs: number;
  error?: unknown;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function renderAndCheck(input: Input, lib: NoteLibrary): Outcome {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  try {
    const doc = lib.get(inputId(input)) ?? parseNote(input.text, inputId(input));
    const plain = renderer.renderDocument(doc).html;
    // The panel's hooks, and the vault's links and embeds resolved against the whole corpus.
    const withHooks = renderer.renderDocument(doc, { ...panelHooks, vault: lib }).html;
    const ms = performance.now() - t0;
    const cpuMs = cpuMsSince(c0);
    return { input, results: [checkRenderedHtml(plain), checkRenderedHtml(withHooks)], html: plain, vaultHtml: withHooks, ms, cpuMs };
  } catch (error) {
    return { input, results: [], html: '', ms: performance.now() - t0, cpuMs: cpuMsSince(c0), error };
  }
}

const unhandled = watchUnhandled();
const corpus = corpusFiles();
const generated = generatedInputs();
const outcomes = new Map<string, Outcome>();

before(() => {
  const lib = corpusLibrary([...corpus, ...generated]);
  for (const input of [...corpus, ...generated]) outcomes.set(input.name, renderAndCheck(input, lib));
});

function outcome(name: string): Outcome {
  const o = outcomes.get(name);
  assert.ok(o, `no corpus input ${name}`);
  assert.equal(o.error, undefined, `${name} threw`);
  return o;
}

describe('the allowlist checker itself', () => {
  const bad: [string, RegExp][] = [
    ['<img src=x onerror=alert(1)>', /event handler/],
    ['<a href="javascript:alert(1)">x</a>', /URL not allowed/],
    ['<a href="jav&#x09;ascript:alert(1)">x</a>', /URL not allowed/],
    ['<a href=" &#x01;javascript:alert(1)">x</a>', /URL not allowed/],
    ['<a href="mailto:a@b.c">x</a>', /URL not allowed/],
    ['<a href="command:workbench.action.quit">x</a>', /URL not allowed/],
    ['<img src="data:image/svg+xml;base64,PHN2Zz4=">', /URL not allowed/],
    ['<img src="x.png" srcset="https://example.com/a.png 2x">', /URL attribute not allowed/],
    ['<script>alert(1)</script>', /element not allowed/],
    ['<svg><circle/></svg>', /element not allowed/],
    ['<p style="color:red">x</p>', /style attribute outside KaTeX/],
    ['<span class="katex"><span style="background:url(x.png)">x</span></span>', /loading or scripted value/],
    ['<span class="katex"><span style="position:fixed">x</span></span>', /position:fixed/],
    ['<span class="katex"><iframe src="https://example.com"></iframe></span>', /element not allowed in math/],
    ['<span class="katex"><svg><foreignObject><p>x</p></foreignObject></svg></span>', /element not allowed in math/],
    ['<span class="katex"><b style="color:red">x</b></span>', /style attribute outside KaTeX/],
    ['<span class="katex"><a href="javascript:alert(1)">x</a></span>', /URL not allowed/],
    ['<p><!-- hidden --></p>', /comment in the output/],
    ['<a href="https://example.com">x</a>', /without rel=noopener/],
    ['<table><tr><td style="text-align:left;background:red">x</td></tr></table>', /style attribute outside KaTeX/],
    ['<code class="language-javascript:alert(1)">x</code>', /dangerous scheme/],
    ['<p title="x" data-x="javascript:alert(1)">x</p>', /attribute not allowed/],
  ];
  for (const [html, reason] of bad) {
    test(`flags ${html}`, () => {
      const r = checkRenderedHtml(html);
      assert.ok(r.violations.some((v) => reason.test(v)), `expected ${reason} in ${JSON.stringify(r.violations)}`);
    });
  }

  test('accepts what the renderer makes of ordinary notes: the bundled and user notes, math, tables, code, figures', () => {
    const files = [path.join(bundledNotesDir, 'ml-basis-notes.md'), ...readdirSync(path.join(fixturesDir, 'user-notes')).filter((f) => f.endsWith('.md')).map((f) => path.join(fixturesDir, 'user-notes', f))];
    const ordinary = [
      '# Losses',
      '',
      'Cross entropy $H(p, q) = -\\sum_i p_i \\log q_i$, with $\\sqrt{d_k}$ scaling and $\\widehat{y}$, $\\overrightarrow{AB}$, $\\color{red}{x}$.',
      '',
      '$$',
      '\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix} \\xrightarrow{f} \\left( \\frac{\\partial L}{\\partial w} \\right)^{\\!2} \\cancel{x} \\underbrace{a+b}_{n} \\rule{2em}{1em} \\kern{1em} \\boxed{z}',
      '$$',
      '',
      '| left | right | centre |',
      '|:--|--:|:-:|',
      '| 1 | 2 | 3 |',
      '',
      '```python',
      'x = torch.cat([a, b], dim=1)',
      '```',
      '',
      '- [paper](https://arxiv.org/abs/1612.03144) and [the other note](other.md#fpn)',
      '- ![a figure](figures/fpn.svg) <img src="figures/missing.png" alt="gone" width="40%">',
    ].join('\n');
    let elements = 0;
    for (const [name, text] of [...files.map((f) => [f, readFileSync(f, 'utf8')]), ['ordinary.md', ordinary]]) {
      for (const hooks of [{}, panelHooks]) {
        const html = renderer.renderDocument(parseNote(text, name), hooks).html;
        const r = checkRenderedHtml(html);
        assert.deepEqual(r.violations, [], name);
        elements += r.elements;
      }
    }
    assert.ok(elements > 1000, `only ${elements} elements`);
  });

  test('URLs: http(s), relative, fragments and raster data: images only', () => {
    for (const ok of ['https://example.com/a', 'http://x', '//cdn.example.com/a.png', 'figures/a.png', '../a.md#x', '/abs/path', '?q=1', 'a%3Ab']) assert.ok(isAllowedUrl(ok, false), ok);
    assert.ok(isAllowedUrl('data:image/png;base64,iVBORw0KGgo=', true));
    for (const no of ['javascript:alert(1)', ' java\tscript:x', 'mailto:a@b.c', 'data:image/png;base64,AA', 'command:x', 'file:///etc/passwd', 'vscode-webview://x']) {
      assert.ok(!isAllowedUrl(no, false), no);
    }
    assert.ok(!isAllowedUrl('data:image/svg+xml;base64,PHN2Zz4=', true));
  });
});

describe('hostile corpus', () => {
  test('holds at least 100 inputs across every category the brief names', () => {
    assert.ok(corpus.length >= 100, `${corpus.length} inputs`);
    const categories = new Set(corpus.map((c) => c.name.split('/')[0]));
    for (const c of ['markdown-links', 'raw-html', 'image-attributes', 'math', 'front-matter', 'headings', 'comments-cdata', 'structure', 'vault']) assert.ok(categories.has(c), c);
  });

  test('no input throws, and every one renders within the time budget', () => {
    const slow: string[] = [];
    for (const o of outcomes.values()) {
      assert.equal(o.error, undefined, `${o.input.name} threw: ${o.error instanceof Error ? o.error.stack : o.error}`);
      if (o.cpuMs > TIME_BUDGET_MS) slow.push(`${o.input.name}: ${o.cpuMs.toFixed(0)} ms of CPU (${o.ms.toFixed(0)} ms on the clock)`);
    }
    assert.deepEqual(slow, []);
  });

  test('no input produces a construct outside the allowlist (0 executed)', () => {
    const executed = [...outcomes.values()].filter((o) => o.results.some((r) => r.violations.length));
    assert.deepEqual(
      executed.map((o) => `${o.input.name}: ${[...new Set(o.results.flatMap((r) => r.violations))].slice(0, 5).join(' | ')}`),
      [],
    );
  });

  test('no input makes the panel load a remote resource (an <img> with an http(s) or protocol-relative src)', () => {
    const remote = [...outcomes.values()].filter((o) => /<img\b[^>]*\ssrc="(?:https?:)?\/\//i.test(o.html)).map((o) => o.input.name);
    // Vault embeds never name a remote image, however the address is spelled (`https:/x` loads like `https://x`).
    const vaultRemote = [...outcomes.values()].filter((o) => o.input.name.startsWith('vault/') && /<img\b[^>]*\ssrc="(?!https:\/\/file%2B\.vscode-resource\.vscode-cdn\.net\/)(?:[a-z]+:|\/\/)/i.test(o.vaultHtml ?? '')).map((o) => o.input.name);
    assert.deepEqual(vaultRemote, []);
    assert.deepEqual(remote, []);
  });

  test('the corpus bites: markdown-it with raw HTML and no sanitiser lets most inputs through', () => {
    const naive = new MarkdownIt({ html: true, linkify: true });
    naive.validateLink = () => true;
    const through = corpus.filter((c) => {
      try {
        return checkRenderedHtml(naive.render(c.text)).violations.length > 0;
      } catch {
        return false;
      }
    });
    naiveExecuted = through.length;
    assert.ok(through.length >= corpus.length * 0.6, `only ${through.length} of ${corpus.length} inputs are caught without the sanitiser`);
  });
});

let naiveExecuted = 0;

describe('hostile corpus: what the user still sees', () => {
  const text = (name: string) => outcome(name).html;

  test('a stray <svg> or <title> in a sentence hides the rest of that sentence only, not the rest of the note', () => {
    const html = text('raw-html/stray-svg-in-prose.md');
    assert.match(html, /This paragraph must stay visible\./);
    assert.match(html, /<h2[^>]*>Later section<\/h2>/);
    assert.match(html, /Still visible\./);
  });

  test('text after a script block or inside an unclosed script stays out, the note after it is shown', () => {
    assert.match(text('raw-html/script-block.md'), /Text after\./);
    assert.doesNotMatch(text('raw-html/script-block.md'), /alert/);
    assert.doesNotMatch(text('raw-html/script-inline.md'), /alert/);
    assert.match(text('raw-html/script-inline.md'), /Before\s+after\./);
  });

  test('a command: link shows its text and is not a link', () => {
    const html = text('markdown-links/command-link.md');
    assert.match(html, /open a terminal/);
    assert.doesNotMatch(html, /<a [^>]*href="command:/);
  });

  test('javascript: links in every spelling keep their text and lose the link', () => {
    for (const name of ['markdown-links/javascript-link.md', 'raw-html/a-href-javascript-entities.md', 'raw-html/a-href-javascript-whitespace.md']) {
      const html = text(name);
      assert.doesNotMatch(html, /href=/, name);
    }
    assert.match(text('raw-html/a-href-javascript-entities.md'), /<a>a<\/a>/);
  });

  test('allowed markup survives: details, kbd, sub/sup, mark, an https link, a missing figure as its alt text', () => {
    const html = outcomes.get('raw-html/allowed-markup-kept.md')!;
    const withHooks = renderer.renderDocument(parseNote(html.input.text, 'x.md'), panelHooks).html;
    assert.match(withHooks, /<details open="">/);
    assert.match(withHooks, /<kbd>Ctrl<\/kbd>/);
    assert.match(withHooks, /H<sub>2<\/sub>O/);
    assert.match(withHooks, /<mark>marked<\/mark>/);
    assert.match(withHooks, /<a href="https:\/\/example.com\/paper" title="paper" rel="noopener noreferrer">paper<\/a>|<a rel="noopener noreferrer" href="https:\/\/example.com\/paper" title="paper">paper<\/a>/);
    assert.match(withHooks, /<span class="missing-image"[^>]*>a missing figure<\/span>/);
  });

  test('a refused image address is never repeated in the placeholder', () => {
    const html = text('image-attributes/src-javascript.md');
    assert.doesNotMatch(html, /alert/);
    assert.match(html, /Image not shown/);
  });

  test('math: \\href, \\url, \\html… and \\includegraphics are shown as errors, never as links, classes or images', () => {
    for (const name of ['math/href.md', 'math/url.md', 'math/html-class.md', 'math/html-id.md', 'math/html-style.md', 'math/html-data.md', 'math/includegraphics.md']) {
      const html = text(name);
      assert.match(html, /color:#cc0000/, name);
      assert.doesNotMatch(html, /<a [^>]*\bhref=|<img |class="[^"]*note-point|id="app"|style="[^"]*position:fixed|data-foo=/, name);
    }
  });

  test('math: macro bombs stop at maxExpand and say so', () => {
    for (const name of ['math/macro-bomb-def.md', 'math/macro-bomb-exponential.md', 'math/macro-bomb-newcommand.md', 'math/macro-bomb-edef.md']) {
      assert.match(text(name), /katex-error|Too many expansions/, name);
    }
  });

  test('math: a huge \\rule, \\kern or \\hspace is capped at maxSize (50em)', () => {
    const html = renderer.renderMarkdown('$\\rule{10000em}{10000em}$ $a\\kern{10000em}b\\hspace{100000em}c$');
    const sizes = [...html.matchAll(/style="([^"]*)"/g)].flatMap((m) => [...m[1].matchAll(/(-?[\d.]+)em/g)].map((x) => Number(x[1])));
    assert.ok(sizes.length > 0);
    assert.ok(Math.max(...sizes) <= 50, `sizes: ${sizes.join(', ')}`);
  });

  test('front matter: a billion laughs is refused quickly with a warning; tags are never code; no prototype pollution', async () => {
    const laughs = parseNote(outcome('front-matter/billion-laughs.md').input.text, 'x.md');
    assert.match(laughs.warnings.map((w) => w.message).join('\n'), /not valid YAML/);
    assert.equal(laughs.title, 'Body');
    const processWarnings: string[] = [];
    const onWarning = (w: Error) => processWarnings.push(w.message);
    process.on('warning', onWarning);
    const tagged = parseNote(outcome('front-matter/js-function-tag.md').input.text, 'x.md');
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    assert.equal(typeof tagged.title, 'string');
    assert.match(tagged.warnings.map((w) => w.message).join('\n'), /Front matter: Unresolved tag: tag:yaml.org,2002:js\/function; read as plain text\./);
    assert.deepEqual(processWarnings, [], 'YAML warnings go to the note, not to stderr');
    const polluted = parseNote(outcome('front-matter/prototype-pollution.md').input.text, 'x.md');
    assert.equal(polluted.title, 'Pollution');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  });

  test('an unterminated front matter is shown as sanitised text', () => {
    const html = text('front-matter/unterminated-with-html.md');
    assert.match(html, /title:/);
    assert.doesNotMatch(html, /<script|onerror/);
  });

  test('headings with HTML keep their sections and slugs, and the heading ids are the slugs', () => {
    const o = outcome('headings/slug-collisions.md');
    const doc = parseNote(o.input.text, 'x.md');
    const slugs = doc.sections.map((s) => s.slug);
    assert.equal(new Set(slugs).size, slugs.length);
    const ids = [...o.html.matchAll(/<h1[^>]* id="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(ids, doc.sections.filter((s) => s.level > 0).map((s) => s.slug));
  });
});

describe('hostile corpus: vault syntax', () => {
  const vault = (name: string) => outcome(name).vaultHtml ?? '';

  test('script targets of wikilinks, embeds and note links are broken links with no address', () => {
    const html = vault('vault/javascript-wikilinks.md');
    assert.match(html, /class="wikilink broken-link"/);
    assert.doesNotMatch(html, /href="[^"]*(?:script|data|command)[:%]/i);
    assert.doesNotMatch(html, /title="[^"]*javascript:/i);
  });

  test('an embed loop shows a short notice, and every link of the loop notes resolves', () => {
    const html = vault('vault/embed-loop.md');
    assert.match(html, /leads back to itself \(embed-loop-b → embed-loop\)|leads back to itself/);
    assert.ok((html.match(/class="embed embed-loop"/g) ?? []).length >= 2);
    assert.doesNotMatch(html, /\[\[/);
  });

  test('a huge note embedded a thousand times stays bounded: the rest are links', () => {
    const o = outcome('generated/1000-embeds-of-a-huge-note');
    const html = o.vaultHtml ?? '';
    assert.ok(html.length < 8_000_000, `${html.length} characters`);
    assert.match(html, /This page embeds too much to show more/);
  });

  test('ten thousand links and unclosed brackets on one line render in bounded time', () => {
    const o = outcome('generated/10000-wikilinks-on-a-line');
    assert.ok((o.vaultHtml?.match(/class="wikilink"/g) ?? []).length === 10000);
  });

  test('binary files and paths out of the vault are never shown as images or loaded', () => {
    const html = vault('vault/embed-binary-and-missing.md');
    assert.doesNotMatch(html, /<img[^>]*src="[^"]*(?:passwd|win\.ini|blob\.bin|example\.com)/i);
    assert.match(html, /class="embed-file"[^>]*>blob\.bin</);
  });

  test('callout types and titles with markup are text; callouts nest', () => {
    const html = vault('vault/callout-injection.md');
    // `[!">…]` and `[!note" onclick=…]` are no callout types: plain quotes.
    assert.match(html, /<blockquote[^>]*>\n<p[^>]*>\[!&quot;/);
    assert.match(html, /<details class="callout callout-tip"/);
    assert.match(html, /<details class="callout callout-warning" open=""/);
    assert.match(html, /class="callout callout-danger"/);
    assert.doesNotMatch(html, /<script|<iframe|<[^>]+\son\w+=/i);
  });
});

after(() => {
  unhandled.stop();
  const all = [...outcomes.values()];
  const executed = all.filter((o) => o.error !== undefined || o.results.some((r) => r.violations.length)).length;
  const slowest = all.reduce((a, b) => (b.ms > a.ms ? b : a), all[0]);
  const byCategory: Record<string, number> = {};
  for (const c of corpus) byCategory[c.name.split('/')[0]] = (byCategory[c.name.split('/')[0]] ?? 0) + 1;
  recordFigures('hostile', {
    corpusFiles: corpus.length,
    generatedInputs: generated.length,
    inputsTried: all.length,
    rendersChecked: all.reduce((n, o) => n + o.results.length, 0),
    executed,
    byCategory,
    inertSchemeTextInputs: all.filter((o) => o.results.some((r) => r.inertSchemeText.length)).length,
    naiveMarkdownItExecuted: naiveExecuted,
    slowestInput: slowest ? { name: slowest.input.name, ms: Math.round(slowest.ms * 10) / 10 } : undefined,
    totalRenderMs: Math.round(all.reduce((n, o) => n + o.ms, 0)),
    unhandledErrors: unhandled.count,
  });
});

test('no unhandled rejection or uncaught exception while rendering the corpus', async () => {
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(unhandled.messages, []);
});
