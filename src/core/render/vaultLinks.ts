import type MarkdownIt from 'markdown-it';
import { dirname, locationPath, normalizePath, safeDecode } from '../notes/paths';
import { breadcrumbTitle, relativePath, type LinkResolution } from '../notes/resolver';
import type { VaultMarkdownContext } from '../notes/vaultMarkdown';
import type { NoteDocument } from '../notes/types';
import { parseWikiTarget, wikiEnd, wikiLinkText, type WikiTarget } from '../notes/vaultSyntax';
import { noteLinkTarget } from '../notes/vaultExtract';
import { escapeHtml, hasScriptScheme, missingImage } from './sanitize';
import { lineStartsOf } from '../notes/parse';

/** What the renderer needs from the library to show a vault's links (NoteLibrary is one): the same as the hovers'. */
export type VaultContext = VaultMarkdownContext;

/** Embeds inside embeds are shown to this depth; deeper ones are links. */
const MAX_EMBED_DEPTH = 3;
/** Per page: embeds shown, and characters of embedded Markdown rendered (a note embedding a huge one stays bounded). */
export const MAX_EMBEDS = 200;
export const MAX_EMBEDDED_CHARS = 500_000;

const IMAGE = /\.(?:png|jpe?g|gif|svg|webp|bmp|avif|ico)$/i;

/** The state of one page render: which note a fragment comes from, the page's note, and the embeds so far. */
export interface VaultRender {
  ctx: VaultContext;
  /** The note whose Markdown is being rendered (an embedded note inside an embed). */
  source: NoteDocument;
  /** The note the page shows: hrefs and image paths are relative to it. */
  page: string;
  /** 0 for the page, 1 inside an embed, … */
  depth: number;
  /** `noteId#anchor` of the page and of every embed being rendered, outermost first (a repeat is a loop). */
  stack: string[];
  budget: { embeds: number; chars: number };
  /** HTML of the links rendered so far on this page, by source note and link text (a link repeated costs one). */
  memo: Map<string, string>;
  /** Renders embedded Markdown from `source` (a nested render, with the page's hooks rebased to that note). */
  renderNested(markdown: string, inner: VaultRender): string;
  /** The page's link hook (see RenderHooks.link) and image hook (null: missing). */
  link(href: string): string;
  image(src: string): string | null;
}

interface VaultEnv {
  vault?: VaultRender;
}

/**
 * `[[wikilinks]]` and `![[embeds]]` (markdown-it inline rules), and Markdown links to other notes (`[x](Warmup.md#y)`,
 * through `rewriteNoteLink`), resolved with the library. A missing or ambiguous target renders as a broken link with
 * the reason as its tooltip; a note embed shows the section (titled, linked, embeds in it to depth 3, a loop as a short
 * notice); a figure embed is an image, `|300` its width. Without a vault context every link renders broken.
 */
export function vaultLinksPlugin(md: MarkdownIt.MarkdownIt): void {
  const rule = (embed: boolean) => (state: MarkdownIt.StateInline, silent: boolean) => {
    const src = state.src;
    let pos = state.pos;
    if (embed) {
      if (src.charCodeAt(pos) !== 0x21 /* ! */) return false;
      pos++;
    }
    if (src.charCodeAt(pos) !== 0x5b || src.charCodeAt(pos + 1) !== 0x5b) return false;
    const end = wikiEnd(src, pos, state.posMax);
    if (end < 0) return false;
    const close = end - 2;
    const inner = src.slice(pos + 2, close);
    if (!silent) {
      const t = state.push(embed ? 'vault_embed' : 'vault_link', '', 0);
      t.meta = { target: parseWikiTarget(inner) };
      t.content = inner;
    }
    state.pos = close + 2;
    return true;
  };
  md.inline.ruler.before('image', 'ml_notes_embed', rule(true));
  md.inline.ruler.before('link', 'ml_notes_wikilink', rule(false));

  // An embed alone in its paragraph is a block: the paragraph is not drawn around it.
  md.core.ruler.after('inline', 'ml_notes_embed_blocks', (state) => {
    const tokens = state.tokens;
    for (let i = 1; i + 1 < tokens.length; i++) {
      const inline = tokens[i];
      if (inline.type !== 'inline' || tokens[i - 1].type !== 'paragraph_open') continue;
      const kids = (inline.children ?? []).filter((c) => !(c.type === 'text' && !c.content.trim()) && c.type !== 'softbreak');
      if (kids.length !== 1 || kids[0].type !== 'vault_embed') continue;
      kids[0].meta = { ...kids[0].meta, block: true };
      tokens[i - 1].hidden = true;
      tokens[i + 1].hidden = true;
    }
  });

  md.renderer.rules.vault_link = (tokens, idx, _o, env) => {
    const target = tokens[idx].meta?.target as WikiTarget;
    const label = wikiLinkText(target);
    const vault = (env as VaultEnv).vault;
    if (!vault) return brokenLink(label, 'Links to other notes are not resolved here.');
    const key = `${vault.source.id}\u0000${tokens[idx].content}`;
    let html = vault.memo.get(key);
    if (html === undefined) {
      html = linkHtml(vault, vault.ctx.resolveLink(vault.source.id, target, 'wikilink'), label, 'wikilink');
      if (vault.memo.size < 10_000) vault.memo.set(key, html);
    }
    return html;
  };

  md.renderer.rules.vault_embed = (tokens, idx, _o, env) => {
    const token = tokens[idx];
    const target = token.meta?.target as WikiTarget;
    const vault = (env as VaultEnv).vault;
    const name = target.path || wikiLinkText(target);
    if (!vault) return IMAGE.test(target.path) && !hasScriptScheme(name) ? missingImage(name, '') : brokenLink(name, 'Embeds are not resolved here.');
    const r = vault.ctx.resolveLink(vault.source.id, target, 'embed');
    if (r.kind === 'file') return fileEmbed(vault, r.relative, target);
    if (r.kind === 'broken') {
      // A name that spells a script URL is shown as text, never in an attribute (see hasScriptScheme).
      if (IMAGE.test(target.path) && !hasScriptScheme(target.path)) return missingImage(name, target.path);
      return brokenLink(wikiLinkText({ ...target, label: undefined }), r.message, r.doc && noteHref(vault, r.doc));
    }
    return noteEmbed(vault, r, target, !!token.meta?.block);
  };
}

/**
 * A Markdown link's href when it points at a note (`Warmup.md#gradual-warmup`, `#Some heading`): the note's href
 * seen from the page, or a broken link. Undefined when the href is not a note link (left to the other hooks), or when a
 * fragment alone names nothing in the note (an anchor the note's HTML may hold).
 */
export function rewriteNoteLink(vault: VaultRender, href: string): { href?: string; broken?: string; title?: string } | undefined {
  const target = noteLinkTarget(href);
  if (!target) return undefined;
  const r = vault.ctx.resolveLink(vault.source.id, target, 'markdown');
  if (r.kind === 'note') return { href: noteHref(vault, r.doc, r.anchor), title: titleOf(r) };
  if (r.kind === 'file') return undefined;
  if (!target.path) return undefined;
  return { broken: safeTitle(r.message), href: r.doc ? noteHref(vault, r.doc) : undefined };
}

function linkHtml(vault: VaultRender, r: LinkResolution, label: string, cls: string): string {
  if (r.kind === 'broken') return brokenLink(label, r.message, r.doc && noteHref(vault, r.doc));
  const href = r.kind === 'note' ? noteHref(vault, r.doc, r.anchor) : vault.link(rebase(vault, r.relative));
  const title = r.kind === 'note' ? titleOf(r) : r.relative;
  return `<a href="${escapeHtml(href)}" class="${cls}" title="${escapeHtml(safeTitle(title))}">${escapeHtml(label)}</a>`;
}

/** A broken link: styled, with the reason as its tooltip; a link to the note when only its heading or block is missing. */
function brokenLink(label: string, reason: string, href?: string): string {
  const h = href ? ` href="${escapeHtml(href)}"` : '';
  return `<a${h} class="wikilink broken-link" title="${escapeHtml(safeTitle(reason))}">${escapeHtml(label)}</a>`;
}

/** `![[figure.png]]`, `![[figure.png|300]]`, `![[paper.pdf]]`. */
function fileEmbed(vault: VaultRender, relative: string, target: WikiTarget): string {
  const name = target.path.split('/').pop() || target.path;
  const src = rebase(vault, relative);
  if (!IMAGE.test(relative)) return `<a href="${escapeHtml(vault.link(src))}" class="embed-file" title="${escapeHtml(safeTitle(relative))}">${escapeHtml(name)}</a>`;
  const resolved = vault.image(src);
  if (resolved === null) return missingImage(name, src);
  const size = /^(\d{1,5})(?:x(\d{1,5}))?$/.exec(target.label ?? '');
  const alt = size || !target.label ? name : target.label;
  const dims = size ? ` width="${size[1]}"${size[2] ? ` height="${size[2]}"` : ''}` : '';
  return `<img src="${escapeHtml(resolved)}" alt="${escapeHtml(safeTitle(alt))}"${dims}>`;
}

/** `![[Note#Heading]]`: the section itself, titled and linked; a link only when too deep, a loop, or over budget. */
function noteEmbed(vault: VaultRender, r: Extract<LinkResolution, { kind: 'note' }>, target: WikiTarget, block: boolean): string {
  const href = noteHref(vault, r.doc, r.anchor);
  const title = titleOf(r);
  const link = `<a href="${escapeHtml(href)}" class="embed-link" title="${escapeHtml(safeTitle(title))}">${escapeHtml(target.label || title)}</a>`;
  if (!block) return link;
  const key = `${r.doc.id}#${r.anchor ?? ''}`;
  const wrap = (inner: string, cls = 'embed') => `<div class="${cls}"><div class="embed-title">${link}</div>${inner}</div>`;
  if (vault.stack.includes(key) || vault.stack.includes(`${r.doc.id}#`)) {
    return wrap(`<p class="embed-notice">${escapeHtml(`This embed leads back to itself (${loopPath(vault, key)}); it is not shown again.`)}</p>`, 'embed embed-loop');
  }
  if (vault.depth + 1 > MAX_EMBED_DEPTH) return wrap(`<p class="embed-notice">${escapeHtml(`Embeds nested deeper than ${MAX_EMBED_DEPTH} levels are shown as links.`)}</p>`, 'embed embed-deep');
  const [from, to] = embeddedRange(r);
  if (vault.budget.embeds <= 0 || vault.budget.chars < to - from) {
    return wrap(`<p class="embed-notice">${escapeHtml('This page embeds too much to show more; open the link.')}</p>`, 'embed embed-deep');
  }
  vault.budget.embeds--;
  vault.budget.chars -= to - from;
  const markdown = r.point && r.block ? r.point.markdown : r.doc.text.slice(from, to);
  const inner: VaultRender = { ...vault, source: r.doc, depth: vault.depth + 1, stack: [...vault.stack, key] };
  return wrap(`<div class="embed-content">${vault.renderNested(markdown, inner)}</div>`);
}

function loopPath(vault: VaultRender, key: string): string {
  const names = [...vault.stack.slice(1), key].map((k) => k.split('#')[0].split(/[\\/]/).pop()!.replace(/\.(md|markdown)$/i, ''));
  return names.map(safeDecode).join(' → ');
}

/**
 * Where the Markdown an embed shows lies in its note's text, as offsets: a block's paragraph or list item, a section
 * with its subsections (without the heading), or the whole note (without the front matter).
 */
function embeddedRange(r: Extract<LinkResolution, { kind: 'note' }>): [number, number] {
  const doc = r.doc;
  const starts = lineStartsOf(doc);
  const text = doc.text;
  const at = (line: number) => (line < starts.length ? starts[line] : text.length);
  const endOf = (line: number) => (line + 1 < starts.length ? starts[line + 1] - 1 : text.length);
  const lineText = (line: number) => text.slice(at(line), endOf(line));
  if (r.block) {
    if (r.point) return [at(r.point.startLine), endOf(r.point.endLine)];
    let start = r.block.line;
    const floor = r.section?.startLine ?? doc.contentStartLine;
    while (start > floor + 1 && lineText(start - 1).trim() !== '') start--;
    return [at(start), endOf(r.block.line)];
  }
  if (r.section && r.section.level > 0) {
    let from = r.section.startLine + 1;
    if (/^ {0,3}(=+|-+)[ \t]*$/.test(lineText(from))) from++;
    return [Math.min(at(from), text.length), endOf(r.section.endLine)];
  }
  return [at(doc.contentStartLine), text.length];
}

function titleOf(r: Extract<LinkResolution, { kind: 'note' }>): string {
  return breadcrumbTitle(r.doc, r.section, r.block ? `^${r.block.id}` : undefined);
}

/** The href of a note (and an anchor in it) from the page: `#anchor` within the page, else a relative path. */
function noteHref(vault: VaultRender, doc: NoteDocument, anchor?: string): string {
  const frag = anchor ? `#${encodeURIComponent(anchor)}` : '';
  if (doc.id === vault.page) return frag || '#';
  const rel = relativePath(dirname(locationPath(vault.page)), locationPath(doc.id));
  const encoded = rel.split('/').map(encodeURIComponent).join('/');
  return vault.link((encoded.startsWith('../') ? encoded : `./${encoded}`) + frag);
}

/** A path relative to the source note, made relative to the page (they differ inside an embed). */
export function rebase(vault: VaultRender, relative: string): string {
  if (vault.source.id === vault.page) return relative;
  const abs = normalizePath(`${dirname(locationPath(vault.source.id))}/${relative}`);
  return relativePath(dirname(locationPath(vault.page)), abs);
}

/** A tooltip never repeats a script URL written in a note (see hasScriptScheme). */
function safeTitle(s: string): string {
  return hasScriptScheme(s) ? 'This link points at an address that is not allowed.' : s;
}
