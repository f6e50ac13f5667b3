import { frontMatterTargets, type LibraryMatch, type NoteLibrary, type ResolvedRef } from './notes/library';
import { FIGURE, focusedExcerpt, type Excerpt } from './excerpt';
import type { NoteRef } from './notes/types';
import { tokenAt } from './terms/codeToken';
import type { CodeToken } from './terms/termIndex';

/** What a hover (or `ml-notes explain`) shows for the code at one offset. */
export interface Explanation {
  /** Offsets of the identifier the explanation is about. */
  start: number;
  end: number;
  /** The token as the term index saw it (dotted chain, keyword argument's callee). */
  token: CodeToken;
  best: LibraryMatch;
  /** Other notes the token may mean, best first. */
  others: LibraryMatch[];
}

export const MAX_OTHER_MATCHES = 4;

/** Lines before the cursor a hover reads (the enclosing call of a keyword argument lies within them), and after it. */
export const HOVER_LINES_BEFORE = 40;
export const HOVER_LINES_AFTER = 1;

/**
 * The lines a hover reads around the cursor's line: the editor's hover and `ml-notes refs` both resolve a token in
 * this window only, so a place `refs` lists is a place the hover explains the same way.
 */
export function hoverWindow(line: number, lineCount: number): { startLine: number; endLine: number } {
  return { startLine: Math.max(0, line - HOVER_LINES_BEFORE), endLine: Math.min(lineCount - 1, line + HOVER_LINES_AFTER) };
}

/**
 * What the hover shows at `offset` of `text` (the hover's window of lines). `lookup` is the library's own look-up,
 * or a memo of it (`refs` resolves the same token many times).
 */
export function explainAt(library: NoteLibrary, text: string, offset: number, lookup: (token: CodeToken) => LibraryMatch[] = (t) => library.lookupToken(t)): Explanation | undefined {
  const at = tokenAt(text, offset);
  if (!at) return undefined;
  const matches = lookup(at.token);
  if (!matches.length) return undefined;
  return { start: at.start, end: at.end, token: at.token, best: matches[0], others: matches.slice(1, 1 + MAX_OTHER_MATCHES) };
}

export function refOf(r: ResolvedRef): NoteRef {
  return { file: r.doc.id, slug: r.section.slug, point: r.point?.index };
}

/** "Note title › Parent › Section" */
export function breadcrumbOf(r: ResolvedRef): string[] {
  return [r.doc.title, ...r.section.breadcrumb, ...(r.section.level === 0 ? [] : [r.section.title])];
}

export function labelOf(r: ResolvedRef): string {
  return r.point ? `${r.section.title} · ${r.point.summary.slice(0, 60)}${r.point.summary.length > 60 ? '…' : ''}` : r.section.title;
}

/**
 * The Markdown a hover shows: the matching point, or the section, cut to `maxLines` drawn lines around what `focus`
 * names (see focusedExcerpt). Cutting never leaves a code fence or a `$$` block open. `rewrite` turns the note's
 * Markdown into what the host shows first (vault syntax as plain Markdown), so that figures it makes are placed too.
 */
export function excerptOf(r: ResolvedRef, maxLines: number, focus: Focus = { focus: [], related: [] }, rewrite: (markdown: string) => string = (m) => m): Excerpt {
  return focusedExcerpt(rewrite(r.point ? r.point.markdown : r.section.body), { maxLines, ...focus });
}

export interface Focus {
  /** The code the user pointed at and the term that matched it. */
  focus: string[];
  /** The note's other front-matter terms for that section or point. */
  related: string[];
}

/** What an explanation is about: the code the user pointed at, the term that matched it, and the note's front-matter terms for that section or point. */
export function focusOf(ex: Explanation, word: string): Focus {
  const { best } = ex;
  const related = frontMatterTargets(best.doc)
    .filter((t) => t.section === best.section && t.point === best.point?.index)
    .flatMap((t) => t.terms);
  return { focus: [...new Set([word, best.term])], related: [...new Set(related)] };
}

/** A figure of a note excerpt: where it points and what it shows. */
export interface Figure {
  src: string;
  alt: string;
}

/**
 * Every figure (`![alt](src)` or `<img … src alt>`) of Markdown, replaced by what `render` makes of it. One pass over
 * the text (see FIGURE): what `render` returns, an `<img>` too, is never taken for a figure again.
 */
export function replaceFigures(markdown: string, render: (figure: Figure) => string): string {
  return markdown.replace(FIGURE, (m: string, alt: string | undefined, src: string | undefined) => {
    if (m.startsWith('<')) return render({ src: attribute(m, 'src') ?? '', alt: attribute(m, 'alt') ?? '' });
    return src ? render({ src, alt: alt ?? '' }) : m;
  });
}

/**
 * An excerpt as a hover shows it: each figure of its text replaced by what `render` makes of it, code left as it is
 * (an `<img>` in an HTML sample stays text), display math as a `latex` code block (a hover cannot typeset it, and
 * what is inside is TeX, never a figure).
 */
export function hoverExcerptMarkdown(excerpt: Excerpt, render: (figure: Figure) => string): string {
  return excerpt.blocks
    .map((b) => {
      if (b.kind === 'code') return b.markdown;
      if (b.kind === 'math') return `\`\`\`latex\n${b.markdown.split('\n').slice(1, -1).join('\n')}\n\`\`\``;
      return replaceFigures(b.markdown, render);
    })
    .join('\n\n');
}

/** The figures a hover draws for an excerpt (see hoverExcerptMarkdown), in order. */
export function excerptFigures(excerpt: Excerpt): Figure[] {
  const out: Figure[] = [];
  hoverExcerptMarkdown(excerpt, (f) => (out.push(f), ''));
  return out;
}

function attribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return m ? (m[1] ?? m[2] ?? m[3]).replace(/&quot;/g, '"').replace(/&amp;/g, '&') : undefined;
}

/** The largest a figure is drawn in a hover: a thumbnail on its own line, with the text in view. */
export const HOVER_FIGURE_BOX = { width: 320, height: 180 } as const;
