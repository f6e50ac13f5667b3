/**
 * Checks while writing a note: a front-matter `terms` key that names no section (or a point the section does not
 * have), a link or embed that resolves to nothing (or to several notes), and an alias another note also goes by. Each
 * comes with "did you mean" fixes where a close candidate exists. Links resolve with the library's own resolver; the
 * note itself is read as the editor holds it.
 */
import { msg, type Msg } from '../message';
import { sectionFinder, splitSectionKey, type NoteLibrary } from '../notes/library';
import { parseNote } from '../notes/parse';
import { findHeading, type LinkResolution } from '../notes/resolver';
import type { NoteDocument, NoteLink } from '../notes/types';
import { LineIndex, type Range, type TextEdit } from '../text';
import { frontMatterSpans, type FrontMatterSpan } from './frontMatterNodes';
import { linkNames } from './linkNames';
import { closest } from './suggest';
import { safeDecode } from '../notes/paths';

export type NoteProblemCode = 'unknown-section' | 'unknown-point' | 'broken-link' | 'ambiguous-link' | 'duplicate-alias';

export interface NoteFix {
  title: Msg;
  edit: TextEdit;
  /** The one fix a "did you mean" offers. */
  preferred?: boolean;
}

export interface NoteProblem {
  code: NoteProblemCode;
  range: Range;
  message: Msg;
  fixes: NoteFix[];
}

export function checkNote(library: NoteLibrary, noteId: string, text: string): NoteProblem[] {
  const doc = parseNote(text, noteId);
  const index = new LineIndex(text);
  // The front matter's YAML is read once for both checks of it.
  const span = frontMatterSpans(text);
  return [...termKeyProblems(doc, span), ...linkProblems(library, noteId, doc, index), ...aliasProblems(library, noteId, span)];
}

function termKeyProblems(doc: NoteDocument, span: FrontMatterSpan | undefined): NoteProblem[] {
  if (!span) return [];
  const find = sectionFinder(doc);
  const out: NoteProblem[] = [];
  for (const { key, range } of span.termKeys) {
    const { sectionKey, point } = splitSectionKey(key);
    const section = find(sectionKey);
    if (!section) {
      const names = [...doc.sections.map((s) => s.slug), ...doc.sections.map((s) => s.title)];
      const guess = closest(sectionKey, names);
      const slug = guess === undefined ? undefined : doc.sections.find((s) => s.slug === guess || s.title === guess)!.slug;
      const replacement = slug === undefined ? undefined : point === undefined ? slug : `${slug}/${point}`;
      out.push({
        code: 'unknown-section',
        range,
        message: msg('“{0}” names no section of this note: a terms key is a section’s slug or heading, with /N for its N-th point.', sectionKey),
        fixes: replacement ? [{ title: msg('Did you mean “{0}”?', replacement), edit: { range, newText: replacement }, preferred: true }] : [],
      });
    } else if (point !== undefined && !section.points[point - 1]) {
      out.push({ code: 'unknown-point', range, message: msg('“{0}” has {1} point(s): “{2}” names none of them.', section.title, section.points.length, key), fixes: [] });
    }
  }
  return out;
}

function linkProblems(library: NoteLibrary, noteId: string, doc: NoteDocument, index: LineIndex): NoteProblem[] {
  const out: NoteProblem[] = [];
  let names: string[] | undefined;
  const noteNames = () => (names ??= [...linkNames(library, noteId).map((n) => n.name)]);
  for (const link of doc.links) {
    const r = resolve(library, noteId, doc, link);
    if (r.kind !== 'broken') continue;
    const lineText = index.lineText(link.line);
    const range: Range = { start: { line: link.line, character: link.start }, end: { line: link.line, character: link.end } };
    const message: Msg = { text: r.message, l10n: r.l10n };
    const parts = link.kind === 'markdown' ? undefined : wikiParts(lineText, link);
    const fixes: NoteFix[] = [];
    if (parts) {
      const replace = (span: { start: number; end: number }, newText: string, title: Msg, preferred: boolean): NoteFix => ({ title, edit: { range: { start: { line: link.line, character: span.start }, end: { line: link.line, character: span.end } }, newText }, preferred });
      if (r.problem === 'no-note') {
        const guess = closest(link.path, noteNames());
        if (guess) fixes.push(replace(parts.path, guess, msg('Did you mean “{0}”?', guess), true));
      } else if (r.problem === 'ambiguous') {
        for (const c of r.candidates ?? []) fixes.push(replace(parts.path, c, msg('Link to “{0}”', c), false));
      } else if (r.problem === 'no-heading' && r.doc && parts.fragment) {
        const guess = closest(link.heading ?? '', r.doc.sections.filter((s) => s.level > 0).map((s) => s.title));
        if (guess) fixes.push(replace(parts.fragment, guess, msg('Did you mean “{0}”?', guess), true));
      } else if (r.problem === 'no-block' && r.doc && parts.fragment) {
        const guess = closest(link.block ?? '', r.doc.blocks.map((b) => b.id));
        if (guess) fixes.push(replace({ start: parts.fragment.start + 1, end: parts.fragment.end }, guess, msg('Did you mean “^{0}”?', guess), true));
      }
    }
    out.push({ code: r.problem === 'ambiguous' ? 'ambiguous-link' : 'broken-link', range, message, fixes });
  }
  return out;
}

/** A link of this note resolved as the panel resolves it; `[[#…]]` against the note as it is being written. */
function resolve(library: NoteLibrary, noteId: string, doc: NoteDocument, link: NoteLink): LinkResolution {
  if (link.path === '' && library.has(noteId)) {
    if (link.heading !== undefined && link.heading.trim() && !findHeading(doc, link.heading)) {
      return { kind: 'broken', problem: 'no-heading', ...msgParts(msg('“{0}” has no heading “{1}”.', doc.title, link.heading)), doc };
    }
    if (link.block && !doc.blocks.some((b) => b.id.toLowerCase() === link.block!.toLowerCase())) {
      return { kind: 'broken', problem: 'no-block', ...msgParts(msg('“{0}” has no block “^{1}”.', doc.title, link.block)), doc };
    }
    return { kind: 'note', doc };
  }
  return library.resolveLink(noteId, { path: link.path, heading: link.heading, block: link.block }, link.kind);
}

function msgParts(m: Msg): { message: string; l10n: NonNullable<Msg['l10n']> } {
  return { message: m.text, l10n: m.l10n };
}

/** Columns of a wikilink's path and of its `#fragment` (without the `#`) on its line. */
function wikiParts(lineText: string, link: NoteLink): { path: { start: number; end: number }; fragment?: { start: number; end: number } } | undefined {
  const raw = lineText.slice(link.start, link.end);
  const open = raw.startsWith('![[') ? 3 : raw.startsWith('[[') ? 2 : -1;
  if (open < 0 || !raw.endsWith(']]')) return undefined;
  const inner = raw.slice(open, -2);
  const bar = inner.indexOf('|');
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const hash = target.indexOf('#');
  const base = link.start + open;
  const pathEnd = hash >= 0 ? hash : target.length;
  return { path: { start: base, end: base + pathEnd }, fragment: hash >= 0 ? { start: base + hash + 1, end: base + target.length } : undefined };
}

function aliasProblems(library: NoteLibrary, noteId: string, span: FrontMatterSpan | undefined): NoteProblem[] {
  if (!span?.aliases.length) return [];
  const out: NoteProblem[] = [];
  const seen = new Set<string>();
  for (const { name, range } of span.aliases) {
    const key = name.toLowerCase();
    if (seen.has(key)) {
      out.push({ code: 'duplicate-alias', range, message: msg('The alias “{0}” is listed twice.', name), fixes: [] });
      continue;
    }
    seen.add(key);
    const other = library.documents().find((d) => d.id !== noteId && (d.aliases.some((a) => a.toLowerCase() === key) || d.title.toLowerCase() === key || baseName(d.id) === key));
    if (other) out.push({ code: 'duplicate-alias', range, message: msg('The alias “{0}” is also a name of “{1}”: Look Up and hovers cannot tell the two apart by it.', name, other.title), fixes: [] });
  }
  return out;
}

function baseName(id: string): string {
  const path = safeDecode(id).replace(/\\/g, '/');
  return path.slice(path.lastIndexOf('/') + 1).replace(/\.(md|markdown)$/i, '').toLowerCase();
}

