import { termEntriesOf, type NoteFileInfo } from './library';
import { isSnapshot, SNAPSHOT_VERSION, snapshotOf, type NoteSnapshot } from './snapshot';
import { msg, type Msg } from '../message';
import type { TermEntry } from '../terms/termIndex';
import type { NoteDocument } from './types';

/**
 * What a host keeps of its notes between sessions: per file, what it was when read (size, modification time), its
 * term entries (hovers answer from them before any file is read again) and its snapshot (an unchanged file is rebuilt
 * from its text without being parsed). One JSON text; term texts and slugs are listed once.
 */
export interface CachedNote {
  size: number;
  mtime: number;
  info: NoteFileInfo;
  entries: TermEntry[];
  snapshot: NoteSnapshot;
}

interface CacheFile {
  format: 'ml-notes-library';
  v: number;
  /** What the notes were read for (roots, settings, extension version): another key, another cache. */
  key: string;
  terms: string[];
  files: {
    id: string;
    size: number;
    mtime: number;
    info: NoteFileInfo;
    slugs: string[];
    /** 4 numbers an entry: term index, slug index, point (0: none), source (1: front matter, 0: heading). */
    e: number[];
    snap: NoteSnapshot;
  }[];
}

export function encodeLibraryCache(key: string, notes: { doc: NoteDocument; info: NoteFileInfo; size: number; mtime: number }[]): string {
  const termIndex = new Map<string, number>();
  const terms: string[] = [];
  const files: CacheFile['files'] = [];
  for (const { doc, info, size, mtime } of notes) {
    const slugIndex = new Map<string, number>();
    const slugs: string[] = [];
    const e: number[] = [];
    for (const entry of termEntriesOf(doc)) {
      let t = termIndex.get(entry.term);
      if (t === undefined) termIndex.set(entry.term, (t = terms.push(entry.term) - 1));
      let s = slugIndex.get(entry.target.slug);
      if (s === undefined) slugIndex.set(entry.target.slug, (s = slugs.push(entry.target.slug) - 1));
      e.push(t, s, entry.target.point ?? 0, entry.source === 'frontMatter' ? 1 : 0);
    }
    files.push({ id: doc.id, size, mtime, info, slugs, e, snap: snapshotOf(doc) });
  }
  const file: CacheFile = { format: 'ml-notes-library', v: SNAPSHOT_VERSION, key, terms, files };
  return JSON.stringify(file);
}

/** What a cache read back holds for `key`, and why it was not used when it was not (damaged, another version…). */
export interface DecodedCache {
  notes: Map<string, CachedNote>;
  ignored?: Msg;
  /** The cache is whole but for something else (another format version, other folders or settings): not damage. */
  stale?: boolean;
}

/**
 * The notes kept under `key`. A text that is not such a cache (damaged, cut short), a cache of another format version,
 * or one kept for other notes folders, settings or extension version gives no notes and says why; a file entry of the
 * wrong shape is left out (that file is read and parsed again).
 */
export function decodeLibraryCache(json: string, key: string): DecodedCache {
  const out = new Map<string, CachedNote>();
  let file: CacheFile;
  try {
    file = JSON.parse(json) as CacheFile;
  } catch (e) {
    return { notes: out, ignored: msg('it is damaged ({0}).', e instanceof Error ? e.message : String(e)) };
  }
  if (!file || typeof file !== 'object' || file.format !== 'ml-notes-library' || !Array.isArray(file.files) || !Array.isArray(file.terms)) {
    return { notes: out, ignored: msg('it is not an index of notes.') };
  }
  if (file.v !== SNAPSHOT_VERSION) return { notes: out, stale: true, ignored: msg('it was written in format {0}, this version reads format {1}.', String(file.v), SNAPSHOT_VERSION) };
  if (file.key !== key) return { notes: out, stale: true, ignored: msg('it was kept for other notes folders, settings or extension version.') };
  let bad = 0;
  for (const f of file.files) {
    if (!isFileEntry(f) || !isSnapshot(f.snap)) {
      bad++;
      continue;
    }
    const entries: TermEntry[] = [];
    for (let i = 0; i + 3 < f.e.length; i += 4) {
      const term = file.terms[f.e[i]];
      const slug = f.slugs[f.e[i + 1]];
      const point = f.e[i + 2];
      if (typeof term !== 'string' || typeof slug !== 'string' || !Number.isInteger(point) || point < 0) continue;
      // The term index keeps one target per section or point (TermIndex.setFile): no sharing needed here.
      entries.push({ term, target: point === 0 ? { file: f.id, slug } : { file: f.id, slug, point }, source: f.e[i + 3] === 1 ? 'frontMatter' : 'heading' });
    }
    out.set(f.id, { size: f.size, mtime: f.mtime, info: f.info, entries, snapshot: f.snap });
  }
  return bad ? { notes: out, ignored: msg('{0} of its {1} notes are damaged; those are read again.', bad, file.files.length) } : { notes: out };
}

function isFileEntry(f: unknown): f is CacheFile['files'][number] {
  if (!f || typeof f !== 'object') return false;
  const x = f as Record<string, unknown>;
  return (
    typeof x.id === 'string' &&
    typeof x.size === 'number' &&
    typeof x.mtime === 'number' &&
    !!x.info &&
    typeof x.info === 'object' &&
    Array.isArray(x.slugs) &&
    Array.isArray(x.e) &&
    x.e.every((n) => typeof n === 'number')
  );
}
