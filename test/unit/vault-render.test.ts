import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseFragment, type DefaultTreeAdapterMap } from 'parse5';
import type { NoteLibrary } from '../../src/core/notes/library';
import { Renderer, type RenderHooks } from '../../src/core/render/renderer';
import { checkRenderedHtml } from './hostileHtml';
import { vaultToMarkdown } from '../../src/core/notes/vaultMarkdown';
import { loadVault, vaultDir } from './vaultHelpers';

type Element = DefaultTreeAdapterMap['element'];
type ChildNode = DefaultTreeAdapterMap['childNode'];

const renderer = new Renderer();
const note = (rel: string) => path.join(vaultDir, rel);

/** Every element of a fragment, in document order. */
function elements(html: string): Element[] {
  const out: Element[] = [];
  const walk = (nodes: ChildNode[]) => {
    for (const n of nodes) {
      if ('tagName' in n) {
        out.push(n);
        walk(n.childNodes);
      }
    }
  };
  walk(parseFragment(html).childNodes);
  return out;
}

const attr = (e: Element, name: string) => e.attrs.find((a) => a.name === name)?.value;
const hasClass = (e: Element, cls: string) => (attr(e, 'class') ?? '').split(/\s+/).includes(cls);
function textOf(e: Element | ChildNode): string {
  if ('value' in e && e.nodeName === '#text') return e.value;
  return 'childNodes' in e ? e.childNodes.map(textOf).join('') : '';
}

describe('rendering the fixture vault', () => {
  let lib: NoteLibrary;
  let html: string;
  let els: Element[];
  const hooks = (): RenderHooks => ({ vault: lib, image: (src) => (src.includes('lr-schedule') ? null : `https://file%2B.vscode-resource.vscode-cdn.net/v/${src}`) });
  before(async () => {
    lib = await loadVault();
    html = renderer.renderDocument(lib.get(note('Home.md'))!, hooks()).html;
    els = elements(html);
  });

  test('no vault syntax is left as text: no [[, ]], ==, [!type] or ^block-id', () => {
    const text = parseFragment(html).childNodes.map(textOf).join('');
    assert.match(text, /Training recipes/);
    assert.doesNotMatch(text, /\[\[|\]\]|==|\[!\w+\]|\^home-summary|\^goyal/);
    assert.deepEqual(checkRenderedHtml(html).violations, []);
  });

  test('wikilinks point at the note and the heading or block, relative to the page; labels as written', () => {
    const links = els.filter((e) => hasClass(e, 'wikilink') && !hasClass(e, 'broken-link'));
    const byText = new Map(links.map((e) => [textOf(e), attr(e, 'href')]));
    assert.equal(byText.get('Warmup'), './Warmup.md');
    assert.equal(byText.get('a gradual warmup'), './Warmup.md#gradual-warmup');
    assert.equal(byText.get('Warmup › ^linear-ramp'), './Warmup.md#%5Elinear-ramp');
    assert.equal(byText.get('Optim/AdamW'), './Optim/AdamW.md');
    assert.equal(byText.get('LAMB'), './ml.optim.lamb.md');
    assert.equal(byText.get('Focal Loss'), './Losses/Focal%20Loss.md');
    assert.equal(byText.get('Reading list'), '#reading-list');
    const md = els.find((e) => e.tagName === 'a' && textOf(e) === 'the warmup section');
    assert.equal(md && attr(md, 'href'), './Warmup.md#gradual-warmup');
  });

  test('missing and ambiguous targets are visibly broken, with the reason as the tooltip', () => {
    const broken = els.filter((e) => hasClass(e, 'broken-link'));
    const reasons = new Map(broken.map((e) => [textOf(e), attr(e, 'title')]));
    assert.match(reasons.get('AdamW') ?? '', /names 2 notes/);
    assert.match(reasons.get('Missing note') ?? '', /No note is named “Missing note”/);
    assert.match(reasons.get('Warmup › No such heading') ?? '', /has no heading “No such heading”/);
    // A missing heading still links to the note.
    assert.equal(attr(broken.find((e) => textOf(e) === 'Warmup › No such heading')!, 'href'), './Warmup.md');
    assert.equal(attr(broken.find((e) => textOf(e) === 'Missing note')!, 'href'), undefined);
  });

  test('embeds: the section, titled and linked, with its own figure; a figure with a width; a missing one as text', () => {
    const embed = els.find((e) => e.tagName === 'div' && attr(e, 'class') === 'embed');
    assert.ok(embed, html);
    const title = elements(renderInner(embed)).find((e) => hasClass(e, 'embed-link'));
    assert.equal(title && textOf(title), 'Warmup › Gradual warmup');
    assert.equal(title && attr(title, 'href'), './Warmup.md#gradual-warmup');
    assert.match(textOf(embed), /Ramp the learning rate/);
    assert.match(textOf(embed), /Linear ramp over 5 epochs/);
    const images = els.filter((e) => e.tagName === 'img');
    assert.deepEqual(
      images.map((e) => [attr(e, 'src'), attr(e, 'width') ?? null]),
      [
        ['https://file%2B.vscode-resource.vscode-cdn.net/v/figures/warmup.svg', null],
        ['https://file%2B.vscode-resource.vscode-cdn.net/v/figures/warmup.svg', '240'],
      ],
    );
    assert.ok(els.some((e) => hasClass(e, 'missing-image') && textOf(e) === 'lr-schedule.svg'));
  });

  test('callouts: type, alias, title, folded and open', () => {
    const callouts = els.filter((e) => hasClass(e, 'callout'));
    assert.deepEqual(
      callouts.map((e) => [e.tagName, attr(e, 'class'), attr(e, 'open') ?? null, textOf(e.childNodes.find((c) => 'tagName' in c && hasClass(c as Element, 'callout-title'))!)]),
      [
        ['div', 'callout callout-note', null, 'Note'],
        ['div', 'callout callout-tip', null, 'Batch size first'],
        ['details', 'callout callout-warning', null, 'Mixed precision hides overflows'],
        ['details', 'callout callout-info', '', 'Where the numbers come from'],
        ['div', 'callout callout-tip', null, 'Hint'],
      ],
    );
  });

  test('tags, highlights and block ids', () => {
    assert.deepEqual(
      els.filter((e) => hasClass(e, 'tag')).map(textOf),
      ['#ml/training', '#training'],
    );
    assert.ok(els.some((e) => e.tagName === 'mark' && textOf(e) === 'large batch'));
    assert.ok(els.some((e) => e.tagName === 'p' && attr(e, 'id') === '^home-summary'));
    assert.ok(els.some((e) => attr(e, 'id') === '^goyal'));
    // Inside an embed, the embedded note's ids are not the page's.
    assert.ok(!els.some((e) => attr(e, 'id') === '^linear-ramp'));
  });

  test('an embed loop shows a short notice; the links around it still work', () => {
    const a = renderer.renderDocument(lib.get(note('Loops/A.md'))!, hooks()).html;
    assert.match(a, /This embed leads back to itself \(B → A\); it is not shown again\./);
    assert.match(a, /Loop B/);
    assert.deepEqual(checkRenderedHtml(a).violations, []);
  });

  test('embeds in embeds go three levels deep, then become links', async () => {
    const chain: Record<string, string> = {};
    for (let i = 0; i < 6; i++) chain[`Chain/C${i}.md`] = `# C${i}\n\nLevel ${i}.\n\n![[C${i + 1}]]\n`;
    const deep = await loadVault(chain);
    const out = renderer.renderDocument(deep.get(note('Chain/C0.md'))!, { vault: deep }).html;
    for (let i = 1; i <= 3; i++) assert.match(out, new RegExp(`Level ${i}\\.`));
    assert.doesNotMatch(out, /Level 4\./);
    assert.match(out, /Embeds nested deeper than 3 levels are shown as links\./);
  });

  test('a page embedding a huge note many times stays bounded', async () => {
    const big = `# Big\n\n${'A long line of the big note, with a [[Warmup]] link.\n\n'.repeat(12000)}`;
    const many = `# Many\n\n${'![[Big]]\n\n'.repeat(300)}`;
    const v = await loadVault({ 'Big.md': big, 'Many.md': many });
    const out = renderer.renderDocument(v.get(note('Many.md'))!, { vault: v }).html;
    assert.ok(out.length < 2_000_000, `${out.length}`);
    assert.match(out, /This page embeds too much to show more/);
  });

  test('without a vault, links and embeds render as broken links, never as [[text]]', () => {
    const out = renderer.renderDocument(lib.get(note('Home.md'))!).html;
    assert.doesNotMatch(out, /\[\[/);
    assert.match(out, /class="wikilink broken-link"/);
  });
});

function renderInner(e: Element): string {
  // The title row is the first child; re-serialising is enough to find its link.
  return e.childNodes
    .map((c) => ('tagName' in c ? `<${c.tagName} class="${attr(c as Element, 'class') ?? ''}">${(c as Element).childNodes.map((k) => ('tagName' in k ? `<a href="${attr(k as Element, 'href')}" class="${attr(k as Element, 'class')}">${textOf(k)}</a>` : '')).join('')}</${c.tagName}>` : ''))
    .join('');
}

describe('vault syntax in hovers (plain Markdown)', () => {
  let lib: NoteLibrary;
  before(async () => {
    lib = await loadVault();
  });
  const link = (ref: { file?: string; slug: string; point?: number }) => `cmd:${path.relative(vaultDir, ref.file ?? '')}#${ref.slug}${ref.point ? '/' + ref.point : ''}`;

  test('links open the section, broken ones are struck through, callouts are titled quotes, marks are plain', () => {
    const md = [
      'See [[Warmup#Gradual warmup|the ramp]], [[Warmup#^linear-ramp]], [[AdamW]] and [x](Warmup.md#linear-scaling-rule). #ml/optim ==hot== ^blk',
      '',
      '> [!warning]- Overflow',
      '> body',
      '',
      '![[warmup.svg|200]] ![[Warmup#Gradual warmup]]',
      '',
      '```python',
      'x = "[[not a link]]"  # [!note] ==no==',
      '```',
    ].join('\n');
    const out = vaultToMarkdown(md, lib.get(path.join(vaultDir, 'Home.md'))!, lib, link);
    assert.equal(
      out,
      [
        'See [the ramp](cmd:Warmup.md#gradual-warmup), [Warmup › ^linear-ramp](cmd:Warmup.md#gradual-warmup/1), ~~AdamW~~ and [x](cmd:Warmup.md#linear-scaling-rule). `#ml/optim` **hot** ',
        '',
        '> **⚠ Overflow**',
        '> body',
        '',
        '![warmup.svg](figures/warmup.svg) ↪ [Warmup › Gradual warmup](cmd:Warmup.md#gradual-warmup)',
        '',
        '```python',
        'x = "[[not a link]]"  # [!note] ==no==',
        '```',
      ].join('\n'),
    );
  });
});
