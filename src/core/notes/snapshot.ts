import { lineStarts } from '../text';
import { normaliseText, rememberLineStarts } from './parse';
import { Point, Section } from './noteModel';
import type { NoteDocument, NoteLink, NoteSection } from './types';

/**
 * A parsed note without its text: what a host keeps between sessions (the extension, in its storage) so that a note
 * whose file has not changed is rebuilt from its text and this, without being parsed again. Plain JSON.
 */
export interface NoteSnapshot {
  v: typeof SNAPSHOT_VERSION;
  title: string;
  /** See NoteDocument.titleFromFile. */
  titleFromFile?: true;
  lineCount: number;
  contentStartLine: number;
  /** Front-matter terms, key → terms. */
  terms: [string, string[]][];
  warnings: NoteDocument['warnings'];
  aliases: string[];
  tags: NoteDocument['tags'];
  links: NoteLink[];
  blocks: NoteDocument['blocks'];
  checkBlocks: NoteDocument['checkBlocks'];
  /** [title, slug, level, startLine, bodyEndLine, endLine, bodyFrom, bodyTo, parent index (-1: none), points]. */
  sections: SectionRow[];
}

/** A point: [startLine, endLine, last line of the item, content indent]. */
type PointRow = [number, number, number, number];
type SectionRow = [string, string, number, number, number, number, number, number, number, PointRow[]];

/** Bumped whenever the parser's output changes: an older snapshot is then parsed again. */
export const SNAPSHOT_VERSION = 3;

export function snapshotOf(doc: NoteDocument): NoteSnapshot {
  const index = new Map<NoteSection, number>();
  doc.sections.forEach((s, i) => index.set(s, i));
  return {
    v: SNAPSHOT_VERSION,
    title: doc.title,
    ...(doc.titleFromFile ? { titleFromFile: true as const } : {}),
    lineCount: doc.lineCount,
    contentStartLine: doc.contentStartLine,
    terms: [...doc.terms],
    warnings: doc.warnings,
    aliases: doc.aliases,
    tags: doc.tags,
    links: doc.links,
    blocks: doc.blocks,
    checkBlocks: doc.checkBlocks,
    sections: doc.sections.map((s): SectionRow => {
      const range = s instanceof Section ? [s.bodyFrom, s.bodyTo] : [0, 0];
      const points = s.points.map((p): PointRow => (p instanceof Point ? [p.startLine, p.endLine, p.last, p.contentIndent] : [p.startLine, p.endLine, p.endLine, 0]));
      return [s.title, s.slug, s.level, s.startLine, s.bodyEndLine, s.endLine, range[0], range[1], s.parent ? (index.get(s.parent) ?? -1) : -1, points];
    }),
  };
}

/**
 * The note a snapshot describes, over `source` (the file's text as read). Undefined when the text does not fit the
 * snapshot (another number of lines, or a snapshot of another version): then the note is parsed.
 */
export function restoreNote(snapshot: NoteSnapshot, id: string, source: string): NoteDocument | undefined {
  if (!isSnapshot(snapshot)) return undefined;
  const text = normaliseText(source);
  const starts = lineStarts(text);
  if (starts.length !== snapshot.lineCount) return undefined;
  const lineEnd = (line: number) => (line + 1 < starts.length ? starts[line + 1] - 1 : text.length);
  const sections: Section[] = [];
  const n = starts.length;
  for (const row of snapshot.sections) {
    if (!isSectionRow(row, n, sections.length)) return undefined;
    const [title, slug, level, startLine, bodyEndLine, endLine, from, to, parent, points] = row;
    const s = new Section(title, slug, level, startLine, bodyEndLine, endLine);
    s.setBody(from < to ? text.slice(starts[from], lineEnd(to - 1)) : '', from, to);
    if (parent >= 0 && sections[parent]) {
      s.parent = sections[parent];
      sections[parent].addChild(s);
    }
    if (points.length) s.points = points.map(([a, b, last, indent], k) => new Point(k + 1, slug, a, b, last, indent, text, starts));
    sections.push(s);
  }
  const doc: NoteDocument = {
    id,
    title: snapshot.title,
    titleFromFile: snapshot.titleFromFile === true,
    terms: new Map(snapshot.terms),
    sections,
    lineCount: snapshot.lineCount,
    text,
    contentStartLine: snapshot.contentStartLine,
    warnings: snapshot.warnings,
    aliases: snapshot.aliases,
    tags: snapshot.tags,
    links: snapshot.links,
    blocks: snapshot.blocks,
    checkBlocks: snapshot.checkBlocks,
  };
  rememberLineStarts(doc, starts);
  return doc;
}

/**
 * Whether a value read back (from a file a host kept, which may be damaged or of another version) has a snapshot's
 * shape, down to what restoreNote and the readers of a note rely on: a wrong one is parsed again, never trusted.
 */
export function isSnapshot(x: unknown): x is NoteSnapshot {
  if (!x || typeof x !== 'object') return false;
  const s = x as Record<string, unknown>;
  return (
    s.v === SNAPSHOT_VERSION &&
    typeof s.title === 'string' &&
    isCount(s.lineCount) &&
    isCount(s.contentStartLine) &&
    Array.isArray(s.terms) &&
    s.terms.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && Array.isArray(e[1]) && e[1].every((t) => typeof t === 'string')) &&
    Array.isArray(s.aliases) &&
    s.aliases.every((a) => typeof a === 'string') &&
    [s.warnings, s.tags, s.links, s.blocks, s.checkBlocks].every((l) => Array.isArray(l) && l.every((o) => !!o && typeof o === 'object' && !Array.isArray(o))) &&
    Array.isArray(s.sections)
  );
}

/** A section row whose lines lie in a text of `lines` lines, whose parent comes before it (index `at`). */
function isSectionRow(r: unknown, lines: number, at: number): r is SectionRow {
  if (!Array.isArray(r) || r.length !== 10 || typeof r[0] !== 'string' || typeof r[1] !== 'string') return false;
  for (let i = 2; i < 8; i++) if (!isCount(r[i]) || r[i] > lines) return false;
  const [, , , startLine, bodyEndLine, endLine, from, to, parent, points] = r as SectionRow;
  if (endLine >= lines || startLine > endLine || bodyEndLine > endLine || from > to) return false;
  if (!Number.isInteger(parent) || parent < -1 || parent >= at || !Array.isArray(points)) return false;
  return points.every((p) => Array.isArray(p) && p.length === 4 && p.every(isCount) && p[0] < lines && p[2] < lines);
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}
