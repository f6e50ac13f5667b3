import MarkdownIt from 'markdown-it';
import markdownItKatex from '@vscode/markdown-it-katex';
import type { NoteDocument } from '../notes/types';
import { escapeHtml, hasScriptScheme, isSafeImage, isSafeLink, missingImage, sanitizeHtml, SanitizeState } from './sanitize';
import { calloutsPlugin } from './callouts';
import { vaultMarksPlugin } from './vaultMarks';
import { MAX_EMBEDDED_CHARS, MAX_EMBEDS, rebase, rewriteNoteLink, vaultLinksPlugin, type VaultContext, type VaultRender } from './vaultLinks';

export interface RenderHooks {
  /** Maps an image src as written in the note to a URL the output can load; null when the image does not exist. */
  image?: (src: string) => string | null;
  /** Maps a link href as written in the note (relative links: other notes, files). Default: unchanged. */
  link?: (href: string) => string;
  /**
   * Resolves `[[wikilinks]]`, `![[embeds]]` and Markdown links to other notes (a NoteLibrary). Without it they render
   * as broken links.
   */
  vault?: VaultContext;
}

export type { VaultContext };

export interface RenderedNote {
  html: string;
  /** Table of contents, in document order. */
  headings: { slug: string; title: string; level: number; line: number }[];
}

/** KaTeX limits: no \href/\url/\htmlClass (trust: false), bounded macro expansion and sizes, errors shown inline. */
export const KATEX_OPTIONS = {
  throwOnError: false,
  trust: false,
  strict: 'ignore' as const,
  maxExpand: 1000,
  maxSize: 50,
  output: 'htmlAndMathml' as const,
  enableFencedBlocks: true,
};

/** Nesting markdown-it allows (blocks and inline): room for 100-deep lists (two levels each: list and item). */
const MAX_NESTING = 400;
/** Block nesting past which a container is shown as plain text (below MAX_NESTING, so markdown-it never cuts). */
const BLOCK_DEPTH_LIMIT = 300;

interface Env extends MarkdownIt.Env {
  hooks: RenderHooks;
  sanitize: SanitizeState;
  lineOffset: number;
  headingIds: Map<number, string>;
  pointIds: Map<number, string>;
  /** Vault links of this render (with a document and a vault context). */
  vault?: VaultRender;
  /** Embedded content: no source lines, no ids (they belong to the embedded note, not to this page). */
  embedded?: boolean;
}

/**
 * The one markdown-it instance: CommonMark + tables + KaTeX, raw HTML through the allowlist sanitiser, heading ids
 * equal to the note's section slugs, `data-line` on blocks (source lines, 0-based), image and link rewriting.
 */
export class Renderer {
  private readonly md: MarkdownIt.MarkdownIt;

  constructor() {
    const md = new MarkdownIt({ html: true, linkify: true, typographer: false, breaks: false, maxNesting: MAX_NESTING });
    md.use(markdownItKatex, KATEX_OPTIONS);
    md.use(vaultLinksPlugin);
    md.use(vaultMarksPlugin);
    md.use(calloutsPlugin);
    md.validateLink = (url: string) => isSafeLink(url) || isSafeImage(url);
    md.linkify.set({ fuzzyLink: false, fuzzyEmail: false });
    this.md = md;

    // markdown-it stops at maxNesting by skipping to the end of the *document*, not of the container that is too deep:
    // everything after a list nested that deep would vanish. A container nested deeper than BLOCK_DEPTH_LIMIT shows its
    // lines as one plain paragraph instead, and the note goes on after it.
    const tokenize = md.block.tokenize.bind(md.block);
    md.block.tokenize = (state, startLine, endLine) => {
      if (state.level < BLOCK_DEPTH_LIMIT) return tokenize(state, startLine, endLine);
      let last = startLine;
      for (let line = startLine; line < endLine; line++) {
        if (state.isEmpty(line)) continue;
        if (state.sCount[line] < state.blkIndent) break;
        last = line + 1;
      }
      const text = state.getLines(startLine, last, state.blkIndent, false).trim();
      if (text) {
        const open = state.push('paragraph_open', 'p', 1);
        open.map = [startLine, last];
        const inline = state.push('inline', '', 0);
        inline.content = text;
        inline.map = [startLine, last];
        inline.children = [];
        state.push('paragraph_close', 'p', -1);
      }
      state.line = last;
    };
    const rules = md.renderer.rules;

    // A dropped element (`<script>`, `<svg>`, …) ends with the HTML block it is in (see SanitizeState.endDrop).
    rules.html_block = (tokens, idx, _o, env) => {
      const state = envOf(env).sanitize;
      const html = sanitizeHtml(tokens[idx].content, { image: envOf(env).hooks.image }, state);
      state.endDrop();
      return html;
    };
    rules.html_inline = (tokens, idx, _o, env) => sanitizeHtml(tokens[idx].content, { image: envOf(env).hooks.image }, envOf(env).sanitize);

    // Inline content: what lies between the separate tags of a dropped element (`<script>…</script>` inside a
    // paragraph: text, code, math, images) is dropped too, and the element ends with the paragraph. Inline HTML an
    // author left open (`<a href=…>` without `</a>`) is closed at the end of its paragraph, so it cannot turn the rest
    // of the note into one link.
    const renderer = md.renderer;
    renderer.renderInline = (tokens, options, env) => {
      const state = envOf(env).sanitize;
      const depth = state.depth;
      let out = '';
      // Whether each open markdown-it element (link, emphasis…) was opened inside a dropped element: then it is
      // dropped with its closing token, so nothing of the dropped element survives, not even an empty link.
      const opened: boolean[] = [];
      for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i];
        if (t.nesting === 1) {
          opened.push(state.dropping);
          if (state.dropping) continue;
        } else if (t.nesting === -1) {
          if (opened.pop()) continue;
        } else if (state.dropping && t.type !== 'html_inline') continue;
        const rule = rules[t.type];
        const html = rule ? rule(tokens, i, options, env, renderer) : renderer.renderToken(tokens, i, options);
        // `$$…$$` inside a paragraph: the KaTeX plugin wraps it in <p class="katex-block">, a paragraph inside a
        // paragraph that the browser splits in two (leaving an empty one, and re-opening the paragraph's <a> or <b>
        // inside the math). A <span> of the same class (display: block in the panel) keeps the paragraph whole.
        out += t.type === 'math_block' ? html.replace(/^<p class="katex-block/, '<span class="katex-block').replace(/<\/p>\n?$/, '</span>') : html;
      }
      state.endDrop();
      return out + state.closeTo(depth);
    };

    const defaultImage = rules.image!;
    rules.image = (tokens, idx, options, env, self) => {
      const { hooks } = envOf(env);
      const token = tokens[idx];
      const src = String(token.attrGet('src') ?? '');
      let alt = self.renderInlineAsText(token.children ?? [], options, env);
      // Alt text or a title naming a script URL is not kept (see hasScriptScheme).
      if (hasScriptScheme(alt)) {
        alt = '';
        token.children = [];
      }
      if (hasScriptScheme(String(token.attrGet('title') ?? ''))) token.attrs = (token.attrs ?? []).filter(([n]) => n !== 'title');
      if (!isSafeImage(src)) return missingImage(alt, '', src.trim() !== '');
      if (hooks.image && !/^data:/i.test(src)) {
        // The hook gets the src as written in the note (markdown-it percent-encodes it: 图.png → %E5%9B%BE.png).
        const written = md.normalizeLinkText(src);
        const resolved = hooks.image(written);
        if (resolved === null) return missingImage(alt, written);
        token.attrSet('src', resolved);
      }
      return defaultImage(tokens, idx, options, env, self);
    };

    const defaultLinkOpen = rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
    rules.link_open = (tokens, idx, options, env, self) => {
      const { hooks } = envOf(env);
      const token = tokens[idx];
      const href = String(token.attrGet('href') ?? '');
      if (hasScriptScheme(String(token.attrGet('title') ?? ''))) token.attrs = (token.attrs ?? []).filter(([n]) => n !== 'title');
      const vault = envOf(env).vault;
      const note = vault && isSafeLink(href) ? rewriteNoteLink(vault, md.normalizeLinkText(href)) : undefined;
      if (note) {
        // A link to another note (or a heading of this one): resolved like a wikilink.
        token.attrs = (token.attrs ?? []).filter(([n]) => n !== 'href');
        if (note.href) token.attrSet('href', note.href);
        if (note.broken) {
          token.attrJoin('class', 'broken-link');
          token.attrSet('title', note.broken);
        } else if (note.title && !token.attrGet('title')) token.attrSet('title', note.title);
      } else if (!isSafeLink(href)) token.attrs = (token.attrs ?? []).filter(([n]) => n !== 'href');
      else {
        if (hooks.link) token.attrSet('href', hooks.link(md.normalizeLinkText(href)));
        if (/^https?:/i.test(href)) token.attrSet('rel', 'noopener noreferrer');
      }
      return defaultLinkOpen(tokens, idx, options, env, self);
    };

    // Block tokens carry their source line; headings get the section slug, list items of points their id.
    md.core.ruler.push('ml_notes_lines', (state) => {
      const env = envOf(state.env);
      if (env.embedded) return;
      let listDepth = 0;
      for (const t of state.tokens) {
        // A fence's language becomes a class name: only a word of letters, digits and `#+.-_` (```c++, ```f#) is kept.
        if (t.type === 'fence' && t.info) {
          const lang = md.utils.unescapeAll(t.info).trim().split(/\s+/)[0];
          if (lang && !/^[\p{L}\p{N}_#+.-]+$/u.test(lang)) t.info = '';
        }
        if (t.type === 'bullet_list_open' || t.type === 'ordered_list_open') listDepth++;
        if (t.type === 'bullet_list_close' || t.type === 'ordered_list_close') listDepth--;
        if (!t.map || !t.block || !(t.nesting === 1 || t.type === 'fence' || t.type === 'code_block' || t.type === 'hr')) continue;
        const line = t.map[0] + (env.lineOffset ?? 0);
        t.attrSet('data-line', String(line));
        if (t.type === 'heading_open') {
          const id = env.headingIds?.get(line);
          if (id) t.attrSet('id', id);
        } else if (t.type === 'list_item_open' && listDepth === 1) {
          const id = env.pointIds?.get(line);
          if (id) {
            t.attrSet('id', id);
            t.attrJoin('class', 'note-point');
          }
        }
      }
    });
  }

  /** Renders a whole note (without its front matter). */
  renderDocument(doc: NoteDocument, hooks: RenderHooks = {}): RenderedNote {
    const lines = doc.text.split('\n');
    const content = lines.slice(doc.contentStartLine).join('\n');
    const headingIds = new Map<number, string>();
    const pointIds = new Map<number, string>();
    const headings: RenderedNote['headings'] = [];
    for (const s of doc.sections) {
      for (const p of s.points) pointIds.set(p.startLine, p.id);
      if (s.level === 0) continue;
      headingIds.set(s.startLine, s.slug);
      headings.push({ slug: s.slug, title: s.title, level: s.level, line: s.startLine });
    }
    const html = this.render(content, hooks, doc.contentStartLine, headingIds, pointIds, doc);
    const implicit = doc.sections.find((s) => s.level === 0);
    const anchor = implicit ? `<a id="${escapeHtml(implicit.slug)}" class="section-anchor"></a>` : '';
    return { html: anchor + html, headings };
  }

  /** Renders a Markdown fragment (no note: its vault links render broken). */
  renderMarkdown(markdown: string, hooks: RenderHooks = {}): string {
    return this.render(markdown, hooks, 0, new Map(), new Map());
  }

  private render(markdown: string, hooks: RenderHooks, lineOffset: number, headingIds: Map<number, string>, pointIds: Map<number, string>, doc?: NoteDocument): string {
    const env: Env = { hooks, sanitize: new SanitizeState(), lineOffset, headingIds, pointIds };
    if (doc && hooks.vault) env.vault = this.pageVault(doc, hooks, hooks.vault);
    return this.renderEnv(markdown, env);
  }

  private renderEnv(markdown: string, env: Env): string {
    let html: string;
    try {
      html = this.md.render(markdown, env);
    } catch (e) {
      // markdown-it and KaTeX are not expected to throw; if they do, show the source rather than nothing.
      html = `<pre class="render-error">${escapeHtml(markdown)}</pre>`;
    }
    return html + env.sanitize.closeAll();
  }

  /** The vault state of a page: embeds render nested, with the page's hooks seeing paths relative to the page. */
  private pageVault(doc: NoteDocument, hooks: RenderHooks, ctx: VaultContext): VaultRender {
    const image = (src: string) => (hooks.image ? hooks.image(src) : src);
    const link = (href: string) => (hooks.link ? hooks.link(href) : href);
    return {
      ctx,
      source: doc,
      page: doc.id,
      depth: 0,
      stack: [`${doc.id}#`],
      budget: { embeds: MAX_EMBEDS, chars: MAX_EMBEDDED_CHARS },
      memo: new Map(),
      link,
      image,
      renderNested: (markdown, inner) => {
        // Paths written in the embedded note are relative to it; the page's hooks expect them relative to the page.
        const relative = (p: string) => !/^(?:[a-z][\w+.-]*:|\/|#)/i.test(p);
        const nestedHooks: RenderHooks = {
          vault: ctx,
          image: (src) => image(relative(src) ? rebase(inner, src) : src),
          link: (href) => link(relative(href) ? rebase(inner, href) : href),
        };
        return this.renderEnv(markdown, { hooks: nestedHooks, sanitize: new SanitizeState(), lineOffset: 0, headingIds: new Map(), pointIds: new Map(), vault: inner, embedded: true });
      },
    };
  }
}

function envOf(env: MarkdownIt.Env | undefined): Env {
  return env as Env;
}

let shared: Renderer | undefined;

/** The renderer is created on first use, so markdown-it and KaTeX load only when something is rendered. */
export function getRenderer(): Renderer {
  return (shared ??= new Renderer());
}

export type Token = MarkdownIt.Token;
