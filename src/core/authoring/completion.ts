/**
 * Completion while writing a note: note names (and their aliases) inside `[[` and `![[`, headings after `[[Note#`,
 * block ids after `#^`, and section keys (`slug`, `slug/N`) in the front matter's `terms`. The note being written is
 * read as the editor holds it; other notes come from the library, named as the library's resolver names them.
 */
import { parseNote } from '../notes/parse';
import type { NoteLibrary } from '../notes/library';
import type { NoteDocument } from '../notes/types';
import { LineIndex } from '../text';
import { frontMatterClose, inFrontMatter } from './frontMatterNodes';
import { linkNames } from './linkNames';

export type CompletionKind = 'note' | 'alias' | 'heading' | 'block' | 'section' | 'point';

export interface NoteCompletion {
  label: string;
  /** Text that replaces `replace` (a snippet when `snippet`: `$0` is where the cursor lands). */
  insertText: string;
  snippet?: boolean;
  /** Offsets in the text. */
  replace: { start: number; end: number };
  kind: CompletionKind;
  detail?: string;
  documentation?: string;
  sortText?: string;
  filterText?: string;
}

/** What can be completed at `offset` of a note's text (`noteId`: the note's id in the library). */
export function noteCompletions(library: NoteLibrary, noteId: string, text: string, offset: number): NoteCompletion[] {
  const index = new LineIndex(text);
  const pos = index.positionAt(offset);
  // Only where the front matter ends: its YAML is not parsed (a key being typed leaves it invalid anyway).
  const close = frontMatterClose(index);
  if (inFrontMatter(close, pos.line)) return termKeyCompletions(text, index, pos.line, offset, noteId);
  const link = linkContext(text, index, pos.line, offset, close ?? -1);
  return link ? linkCompletions(library, noteId, text, link) : [];
}

// ---------------------------------------------------------------------------------------------------------------
// Inside [[ … ]]

interface LinkContext {
  part: 'path' | 'heading' | 'block';
  /** The note path written before `#` (for headings and blocks). */
  path: string;
  /** What is typed of the part, and the offsets it (and the rest of the part after the cursor) spans. */
  typed: string;
  replace: { start: number; end: number };
  /** `]]` already follows the part (VS Code closes `[[` as it is typed). */
  closed: boolean;
}

function linkContext(text: string, index: LineIndex, line: number, offset: number, frontMatterEnd: number): LinkContext | undefined {
  if (insideFence(index, line, frontMatterEnd + 1)) return undefined;
  const lineStart = index.lineStart(line);
  const before = text.slice(lineStart, offset);
  const open = before.lastIndexOf('[[');
  if (open < 0 || before.indexOf(']]', open) >= 0) return undefined;
  // Inside an inline code span: an odd number of backticks before the `[[`.
  if (((before.slice(0, open).match(/`/g) ?? []).length & 1) === 1) return undefined;
  const inner = before.slice(open + 2);
  if (/[|\]\[]/.test(inner)) return undefined; // a label, or something that is no link
  const after = text.slice(offset, index.lineEnd(line));
  const hash = inner.indexOf('#');
  const stopAt = (s: string, stops: RegExp) => {
    const m = stops.exec(s);
    return m ? m.index : s.length;
  };
  // `]]` follows what is replaced, before any other bracket: the link is closed already.
  const closedAfter = (rest: number) => /^[^[\]]*\]\]/.test(after.slice(rest));
  if (hash < 0) {
    const rest = stopAt(after, /[#|\]]/);
    return { part: 'path', path: '', typed: inner, replace: { start: offset - inner.length, end: offset + rest }, closed: closedAfter(rest) };
  }
  const path = inner.slice(0, hash);
  const fragment = inner.slice(hash + 1);
  const rest = stopAt(after, /[|\]]/);
  const closed = closedAfter(rest);
  if (fragment.startsWith('^')) return { part: 'block', path, typed: fragment.slice(1), replace: { start: offset - fragment.length + 1, end: offset + rest }, closed };
  return { part: 'heading', path, typed: fragment, replace: { start: offset - fragment.length, end: offset + rest }, closed };
}

/** Whether the line is inside a fenced code block (fences counted from the start of the content). */
function insideFence(index: LineIndex, line: number, from: number): boolean {
  let fence: string | undefined;
  for (let l = Math.max(0, from); l < line; l++) {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(index.lineText(l));
    if (!m) continue;
    if (!fence) fence = m[1];
    else if (m[1][0] === fence[0] && m[1].length >= fence.length) fence = undefined;
  }
  return fence !== undefined;
}

function linkCompletions(library: NoteLibrary, noteId: string, text: string, ctx: LinkContext): NoteCompletion[] {
  const close = ctx.closed ? '' : ']]';
  if (ctx.part === 'path') {
    const out: NoteCompletion[] = [];
    const own = (id: string) => !library.info(id)?.bundled;
    for (const { id, name } of linkNames(library, noteId)) {
      const doc = library.get(id)!;
      const sort = `${own(id) ? 0 : 1}${id === noteId ? 1 : 0}`;
      out.push({ label: name, insertText: name + close, replace: ctx.replace, kind: 'note', detail: doc.title !== name ? doc.title : undefined, documentation: library.info(id)?.label, sortText: `${sort}${name.toLowerCase()}`, filterText: `${name} ${doc.title}` });
      for (const alias of doc.aliases) {
        out.push({ label: alias, insertText: `${name}|${alias}${close}`, replace: ctx.replace, kind: 'alias', detail: `→ ${name}`, sortText: `${sort}${alias.toLowerCase()}`, filterText: alias });
      }
    }
    return out;
  }
  const target = targetDoc(library, noteId, text, ctx.path);
  if (!target) return [];
  if (ctx.part === 'heading') {
    return target.sections
      .filter((s) => s.level > 0)
      .map((s, i) => ({ label: s.title, insertText: s.title + close, replace: ctx.replace, kind: 'heading' as const, detail: s.breadcrumb.length ? s.breadcrumb.join(' › ') : undefined, sortText: String(i).padStart(6, '0') }));
  }
  const lines = target.text.split('\n');
  return target.blocks.map((b, i) => ({ label: `^${b.id}`, insertText: b.id + close, replace: ctx.replace, kind: 'block' as const, detail: (lines[b.line] ?? '').replace(/\s*\^[\w-]+\s*$/, '').trim().slice(0, 80), sortText: String(i).padStart(6, '0'), filterText: b.id }));
}

/** The note whose headings or blocks are completed: this one as written (`[[#…`), or the one the path names. */
function targetDoc(library: NoteLibrary, noteId: string, text: string, path: string): NoteDocument | undefined {
  if (!path.trim()) return parseNote(text, noteId);
  const r = library.resolveLink(noteId, { path });
  return r.kind === 'note' ? r.doc : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Front matter: section keys of `terms`

function termKeyCompletions(text: string, index: LineIndex, line: number, offset: number, noteId: string): NoteCompletion[] {
  // Read line by line, not with the YAML parser: a key being typed (`  gr`) leaves the front matter invalid.
  let termsLine = -1;
  for (let l = line - 1; l > 0; l--) {
    const t = index.lineText(l);
    if (!t.trim() || /^\s/.test(t) || t.trimStart().startsWith('#')) continue;
    if (/^["']?terms["']?[ \t]*:[ \t]*(#.*)?$/.test(t)) termsLine = l;
    break;
  }
  if (termsLine < 0) return [];
  const existing = new Set<string>();
  for (let l = termsLine + 1; l < index.lineCount && l !== line; l++) {
    const m = /^[ \t]+["']?([^"':#]+?)["']?[ \t]*:/.exec(index.lineText(l));
    if (m) existing.add(m[1]);
    else if (/^\S/.test(index.lineText(l))) break;
  }
  const lineText = index.lineText(line);
  const indent = /^[ \t]*/.exec(lineText)![0].length;
  const col = offset - index.lineStart(line);
  if (indent === 0 || col < indent) return [];
  const colon = lineText.indexOf(':', indent);
  if (colon >= 0 && col > colon) return [];
  const typed = lineText.slice(indent, col);
  if (/["'\[{#]/.test(typed)) return [];
  const doc = parseNote(text, noteId);
  const replace = { start: index.lineStart(line) + indent, end: index.lineStart(line) + (colon >= 0 ? colon : lineText.trimEnd().length) };
  const suffix = colon >= 0 ? '' : ': [$0]';
  const out: NoteCompletion[] = [];
  doc.sections.forEach((s, i) => {
    const order = String(i).padStart(5, '0');
    const add = (key: string, kind: 'section' | 'point', detail: string, sub: number) => {
      const used = existing.has(key);
      out.push({ label: key, insertText: escapeSnippet(key) + suffix, snippet: true, replace, kind, detail: used ? `${detail} (✓)` : detail, sortText: `${used ? 1 : 0}${order}${String(sub).padStart(4, '0')}` });
    };
    add(s.slug, 'section', s.title, 0);
    for (const p of s.points) add(`${s.slug}/${p.index}`, 'point', `${s.title} · ${p.summary.slice(0, 60)}`, p.index);
  });
  return out;
}

function escapeSnippet(s: string): string {
  return s.replace(/[$}\\]/g, '\\$&');
}
