import { plainInline } from './parse';
import { locationPath } from './paths';
import { NoteNames, sectionAt, type LinkResolution } from './resolver';
import type { NoteDocument, NoteLink, NoteSection } from './types';

/** One place that links to (or embeds) a note. */
export interface Backlink {
  /** The note that holds the link. */
  doc: NoteDocument;
  /** Its section that holds the link (undefined before the first heading of a note whose top holds no text). */
  section?: NoteSection;
  link: NoteLink;
  /** What the link resolves to (a note, and a section or block of it). */
  resolution: Extract<LinkResolution, { kind: 'note' }>;
  /** The link's line as plain text (list markers and link syntax removed), clipped. */
  context: string;
}

const MAX_CONTEXT = 200;

/**
 * Which notes link where: every note's links, filed under the base name of what they point at. A note's backlinks are
 * the links filed under its own name that resolve to it, so only the notes that may link to it are resolved; a
 * changed note refiles only its own links.
 */
export class LinkIndex {
  private readonly bySource = new Map<string, string[]>();
  private readonly byKey = new Map<string, Set<string>>();

  setFile(doc: NoteDocument): void {
    this.removeFile(doc.id);
    const keys = new Set<string>();
    for (const link of doc.links) if (link.path) keys.add(NoteNames.keyOf(link.path));
    if (!keys.size) return;
    this.bySource.set(doc.id, [...keys]);
    for (const k of keys) {
      let set = this.byKey.get(k);
      if (!set) this.byKey.set(k, (set = new Set()));
      set.add(doc.id);
    }
  }

  removeFile(id: string): void {
    const keys = this.bySource.get(id);
    if (!keys) return;
    this.bySource.delete(id);
    for (const k of keys) {
      const set = this.byKey.get(k);
      set?.delete(id);
      if (set && !set.size) this.byKey.delete(k);
    }
  }

  /** Notes whose links may point at a note with this id (by its base name). */
  sourcesFor(id: string): string[] {
    return [...(this.byKey.get(NoteNames.keyOf(locationPath(id))) ?? [])];
  }

  /**
   * Every link and embed in other notes that resolves to `target` (and, with `slug`, to that section, a section
   * under it, or a point or block inside it), in note order then line order; one per line (the first link on it).
   */
  backlinks(target: NoteDocument, resolve: (fromId: string, link: NoteLink) => LinkResolution, getDoc: (id: string) => NoteDocument | undefined, slug?: string): Backlink[] {
    const within = slug === undefined ? undefined : target.sections.find((s) => s.slug === slug);
    if (slug !== undefined && !within) return [];
    const out: Backlink[] = [];
    for (const sourceId of this.sourcesFor(target.id)) {
      if (sourceId === target.id) continue;
      const doc = getDoc(sourceId);
      if (!doc) continue;
      let lines: string[] | undefined;
      let lastLine = -1;
      for (const link of doc.links) {
        if (!link.path || link.line === lastLine) continue;
        const r = resolve(sourceId, link);
        if (r.kind !== 'note' || r.doc !== target) continue;
        if (within && !(r.section && r.section.startLine >= within.startLine && r.section.startLine <= within.endLine)) continue;
        lines ??= doc.text.split('\n');
        lastLine = link.line;
        out.push({ doc, section: sectionAt(doc, link.line), link, resolution: r, context: contextOf(lines[link.line] ?? '') });
      }
    }
    return out;
  }
}

/** A line of Markdown as the context of a link: no list marker, quote or heading marks, links as their text. */
export function contextOf(line: string): string {
  let t = line.replace(/^\s*(?:>\s*)*(?:[-+*]\s+(?:\[[ xX]\]\s+)?|\d{1,9}[.)]\s+|#{1,6}\s+)?/, '');
  t = plainInline(t);
  return t.length > MAX_CONTEXT ? t.slice(0, MAX_CONTEXT - 1).trimEnd() + '…' : t;
}
