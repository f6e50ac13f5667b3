import type { LibraryMatch, NoteLibrary, ResolvedRef } from './notes/library';
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
 * The Markdown a hover shows: the matching point, or the section body trimmed to `maxLines` with "…". Trimming never
 * leaves a code fence or a `$$` block open.
 */
export function excerptOf(r: ResolvedRef, maxLines: number): { markdown: string; truncated: boolean } {
  const source = r.point ? r.point.markdown : r.section.body;
  return trimMarkdown(source, Math.max(1, maxLines));
}

export function trimMarkdown(source: string, maxLines: number): { markdown: string; truncated: boolean } {
  const lines = source.split('\n');
  if (lines.length <= maxLines) return { markdown: source, truncated: false };
  const kept = lines.slice(0, maxLines);
  let fence: string | null = null;
  let mathOpenAt = -1;
  kept.forEach((l, i) => {
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(l);
    if (f) fence = fence === null ? f[1] : l.trim().startsWith(fence) ? null : fence;
    else if (fence === null && l.trim() === '$$') mathOpenAt = mathOpenAt < 0 ? i : -1;
  });
  if (mathOpenAt >= 0) kept.length = mathOpenAt;
  while (kept.length && kept[kept.length - 1].trim() === '') kept.pop();
  if (fence !== null) kept.push(fence);
  kept.push('', '…');
  return { markdown: kept.join('\n'), truncated: true };
}

/** Figures in a hover are thumbnails: a fixed width, so the text stays in view. */
export function fitImages(markdown: string): string {
  return markdown
    .replace(/!\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, (_m, alt: string, src: string) => `<img src="${src.replace(/"/g, '&quot;')}" alt="${alt.replace(/"/g, '&quot;')}" width="${HOVER_IMAGE_WIDTH}">`)
    .replace(/<img\b([^>]*)>/gi, (_m, attrs: string) => `<img${attrs.replace(/\s(width|height)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, '').replace(/\s*\/$/, '')} width="${HOVER_IMAGE_WIDTH}">`);
}

const HOVER_IMAGE_WIDTH = 320;
