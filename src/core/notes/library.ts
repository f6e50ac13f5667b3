import { parseNote, warning } from './parse';
import { msg } from '../message';
import type { NoteDocument, NotePoint, NoteRef, NoteSection, NoteWarning } from './types';
import { headingTerms, TermIndex, type CodeToken, type KeptTerms, type TermEntry, type TermMatch } from '../terms/termIndex';
import { LinkIndex, type Backlink } from './backlinks';
import { NoteNames, type LinkResolution, type LinkTarget } from './resolver';

export interface NoteFileInfo {
  /** Bundled notes rank before the user's when a slug is looked up without a file. */
  bundled?: boolean;
  /** Short label for the file (e.g. its path relative to the workspace). */
  label?: string;
  /** The notes folder (or note file) it was found under, as a location like the id: names and paths of links are
   * relative to it (`[[Optim/AdamW]]`). Without it a note is named by its file name only. */
  root?: string;
}

export interface ResolvedRef {
  doc: NoteDocument;
  section: NoteSection;
  point?: NotePoint;
}

export interface LibraryMatch extends ResolvedRef {
  term: string;
  score: number;
}

type Listener = (fileId: string) => void;

/**
 * Every note file, parsed once and indexed; a file is replaced or removed as a unit (saving a note re-indexes only
 * that note). Look-ups by term and by NoteRef are map look-ups.
 */
export class NoteLibrary {
  private readonly docs = new Map<string, { doc: NoteDocument; info: NoteFileInfo }>();
  /** Files whose terms are known (from a host's snapshot) but which are not read yet: see setPending. */
  private readonly pending = new Set<string>();
  readonly terms = new TermIndex();
  /** Names of the notes (and files next to them), for links. */
  readonly names = new NoteNames((id) => this.docs.get(id)?.doc);
  /** Every note's links, for backlinks. */
  readonly links = new LinkIndex();
  private readonly listeners = new Set<Listener>();
  private version = 0;

  /** Increases on every change; caches key on it. */
  get generation(): number {
    return this.version;
  }

  onDidChange(l: Listener): { dispose(): void } {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  }

  /** Parses and indexes a note file (replacing an earlier version). Returns the parser's and the index's warnings. */
  setFile(id: string, text: string, info: NoteFileInfo = {}): NoteWarning[] {
    const doc = parseNote(text, id);
    return this.setDocument(doc, info);
  }

  /**
   * A file whose term entries are known (kept by the host from an earlier session, in the kept index's compact form:
   * see KeptTerms) before the file is read: code tokens resolve to it at once, and a host reads it (setDocument) when
   * a match needs its text. Not a document until then: documents(), get() and the link index do not see it. No change
   * event.
   */
  setPending(id: string, kept: KeptTerms): void {
    if (this.docs.has(id)) return;
    this.pending.add(id);
    this.terms.setKeptFile(id, kept);
  }

  /** Whether the file's terms are known but its text not read yet (see setPending). */
  isPending(id: string): boolean {
    return this.pending.has(id);
  }

  setDocument(doc: NoteDocument, info: NoteFileInfo = {}): NoteWarning[] {
    this.pending.delete(doc.id);
    const warnings = [...doc.warnings];
    this.docs.set(doc.id, { doc, info });
    this.terms.setFile(doc.id, termEntries(doc, warnings));
    this.names.add(doc.id, info.root);
    this.links.setFile(doc);
    this.changed(doc.id);
    return warnings;
  }

  removeFile(id: string): boolean {
    if (this.pending.delete(id)) this.terms.removeFile(id);
    if (!this.docs.delete(id)) return false;
    this.terms.removeFile(id);
    this.names.remove(id);
    this.links.removeFile(id);
    this.changed(id);
    return true;
  }

  has(id: string): boolean {
    return this.docs.has(id);
  }

  /** The files a code token may mean, whether read or pending (a host reads the pending ones before lookupToken). */
  filesFor(token: CodeToken, limit = 8): string[] {
    return [...new Set(this.terms.resolve(token, limit).map((m) => m.target.file))];
  }

  get(id: string): NoteDocument | undefined {
    return this.docs.get(id)?.doc;
  }

  info(id: string): NoteFileInfo | undefined {
    return this.docs.get(id)?.info;
  }

  /** Bundled notes first, then the user's, each group in the order they were added. */
  documents(): NoteDocument[] {
    const all = [...this.docs.values()];
    return [...all.filter((d) => d.info.bundled), ...all.filter((d) => !d.info.bundled)].map((d) => d.doc);
  }

  get fileCount(): number {
    return this.docs.size;
  }

  fileIds(): string[] {
    return [...this.docs.keys()];
  }

  resolveRef(ref: NoteRef): ResolvedRef | undefined {
    const candidates = ref.file ? [this.docs.get(ref.file)].filter(isDefined) : this.documents().map((d) => this.docs.get(d.id)!);
    for (const entry of candidates) {
      const section = sectionsBySlug(entry.doc).get(ref.slug);
      if (!section) continue;
      const point = ref.point ? section.points[ref.point - 1] : undefined;
      return { doc: entry.doc, section, point };
    }
    return undefined;
  }

  /**
   * Resolves a link written in note `fromId` (a `[[wikilink]]`, `![[embed]]` or Markdown link, as NoteLink or
   * LinkTarget): a note and its section, point or block; a file next to the notes; or why it is broken (no such note,
   * a name several notes share, no such heading or block).
   */
  resolveLink(fromId: string, target: LinkTarget, kind: 'wikilink' | 'embed' | 'markdown' = 'wikilink'): LinkResolution {
    return this.names.resolve(fromId, target, kind);
  }

  /** Links and embeds in other notes that point at a note (with `slug`: at that section or inside it). */
  backlinks(id: string, slug?: string): Backlink[] {
    const doc = this.get(id);
    if (!doc) return [];
    return this.links.backlinks(doc, (from, link) => this.names.resolve(from, link, link.kind), (x) => this.get(x), slug);
  }

  /** The files (figures, PDFs…) found under a notes folder, for embeds such as `![[figure.png]]`. */
  setAttachments(root: string, locations: readonly string[]): void {
    this.names.setAttachments(root, locations);
  }

  /** The notes a code token means, best first. */
  lookupToken(token: CodeToken, limit = 8): LibraryMatch[] {
    return this.terms
      .resolve(token, limit)
      .map((m: TermMatch) => {
        const r = this.resolveRef({ file: m.target.file, slug: m.target.slug, point: m.target.point });
        return r ? { ...r, term: m.term, score: m.score } : undefined;
      })
      .filter(isDefined);
  }

  private changed(id: string): void {
    this.version++;
    for (const l of this.listeners) l(id);
  }
}

function isDefined<T>(x: T | undefined): x is T {
  return x !== undefined;
}

/** One front-matter `terms` key, resolved: the section it names (by slug or heading) and the point for `slug/N`. */
export interface FrontMatterTarget {
  /** The section part of the key (the whole key when it names no point). */
  sectionKey: string;
  section?: NoteSection;
  point?: number;
  terms: string[];
}

/**
 * How a note names its sections in front-matter `terms` keys and in `NOTE#…` references: by slug (as written, then
 * lower-cased) or by heading text (case-insensitive, the first heading of that text).
 */
export function sectionFinder(doc: NoteDocument): (key: string) => NoteSection | undefined {
  const bySlug = sectionsBySlug(doc);
  // Headings are lower-cased only when a key is no slug (most keys are).
  let byTitle: Map<string, NoteSection> | undefined;
  const titled = (key: string) => {
    if (!byTitle) {
      byTitle = new Map();
      for (const s of doc.sections) {
        const lower = s.title.toLowerCase();
        if (!byTitle.has(lower)) byTitle.set(lower, s);
      }
    }
    return byTitle.get(key);
  };
  return (key) => bySlug.get(key) ?? bySlug.get(key.toLowerCase()) ?? titled(key.toLowerCase().trim());
}

const slugMaps = new WeakMap<NoteDocument, Map<string, NoteSection>>();

/** A note's sections by slug, made when first asked (references and front-matter keys ask) and kept with the note. */
export function sectionsBySlug(doc: NoteDocument): ReadonlyMap<string, NoteSection> {
  let bySlug = slugMaps.get(doc);
  if (!bySlug) {
    bySlug = new Map();
    for (const s of doc.sections) bySlug.set(s.slug, s);
    slugMaps.set(doc, bySlug);
  }
  return bySlug;
}

/** A section key with an optional point: `slug` or `slug/N` (N ≥ 1). */
export function splitSectionKey(key: string): { sectionKey: string; point?: number } {
  const m = /^(.*?)\/(\d+)$/.exec(key);
  return m ? { sectionKey: m[1], point: Number(m[2]) } : { sectionKey: key };
}

const targetsOf = new WeakMap<NoteDocument, FrontMatterTarget[]>();

/**
 * The front-matter `terms` of a note, each key resolved to its section (undefined when the note has none such);
 * computed once per parsed note (the term index and the lookup index both ask).
 */
export function frontMatterTargets(doc: NoteDocument): FrontMatterTarget[] {
  if (!doc.terms.size) return [];
  let targets = targetsOf.get(doc);
  if (!targets) targetsOf.set(doc, (targets = resolveTargets(doc)));
  return targets;
}

function resolveTargets(doc: NoteDocument): FrontMatterTarget[] {
  const find = sectionFinder(doc);
  const out: FrontMatterTarget[] = [];
  for (const [key, terms] of doc.terms) {
    const { sectionKey, point } = splitSectionKey(key);
    out.push({ sectionKey, section: find(sectionKey), point, terms });
  }
  return out;
}

/**
 * A note's term entries (see termEntries), without the warnings: what a kept index holds of a note the term index does
 * not hold (see encodeLibraryCache), for setPending in a later session.
 */
export function termEntriesOf(doc: NoteDocument): TermEntry[] {
  return termEntries(doc, []);
}

/** Front-matter terms (keys: slug, heading text, or `slug/N` for a point) and the terms headings imply. */
function termEntries(doc: NoteDocument, warnings: NoteWarning[]): TermEntry[] {
  const entries: TermEntry[] = [];
  for (const { sectionKey, section, point, terms } of frontMatterTargets(doc)) {
    if (!section) {
      warnings.push(warning(msg('Front matter "terms" names a section "{0}" that this note does not have.', sectionKey)));
      continue;
    }
    if (point !== undefined && !section.points[point - 1]) {
      warnings.push(warning(msg('Front matter "terms" names point {0} of "{1}", which has {2} point(s).', point, section.title, section.points.length)));
      continue;
    }
    for (const term of terms) entries.push({ term, target: { file: doc.id, slug: section.slug, point }, source: 'frontMatter' });
  }
  for (const s of doc.sections) {
    if (s.level === 0) continue;
    const terms = headingTerms(s.title);
    if (!terms.length) continue;
    // One target for the section's terms (the term index keeps one per section anyway).
    const target = { file: doc.id, slug: s.slug };
    for (const term of terms) entries.push({ term, target, source: 'heading' });
  }
  // The note's aliases (and a front-matter title no heading carries) are names of it, like heading words of its top.
  // A title that is the file name is not: `notes.md` or `model.md` would catch every `notes` and `model` in code.
  const top = doc.sections[0];
  const titled = !!top && top.level > 0 && doc.title !== top.title && !doc.titleFromFile;
  if (top && (doc.aliases.length || titled)) {
    const names = titled ? [doc.title, ...doc.aliases] : doc.aliases;
    for (const name of names) for (const term of headingTerms(name)) entries.push({ term, target: { file: doc.id, slug: top.slug }, source: 'heading' });
  }
  return entries;
}
