import { termEntriesOf, type NoteFileInfo } from './library';
import { isSnapshot, SNAPSHOT_VERSION, snapshotOf, type NoteSnapshot } from './snapshot';
import { msg, type Msg } from '../message';
import { TermTable, type KeptTerms, type TermEntry, type TermIndex } from '../terms/termIndex';
import type { NoteDocument } from './types';

/**
 * What a host keeps of its notes between sessions: per file, what it was when read (size, modification time), its
 * term entries (hovers answer from them before any file is read again) and its snapshot (an unchanged file is rebuilt
 * from its text without being parsed). One text of JSON lines: first the index (term texts and slugs listed once,
 * every file's entries), then one line per file with its snapshot, in the same order. Only the first line is decoded
 * before hovers can answer; a snapshot is decoded when its file is read (a tenth of the work, for most of the bytes).
 */
export interface CachedNote {
  size: number;
  mtime: number;
  info: NoteFileInfo;
  /** Its term entries, as kept (the term index registers them without making them). */
  terms: KeptTerms;
  /** The file's snapshot, decoded now; undefined when its line is damaged (the file is then parsed). */
  snapshot(): NoteSnapshot | undefined;
}

/** The layout of the kept text; a text of another one is not used. 3: JSON lines (snapshots apart). */
export const LIBRARY_CACHE_FORMAT = 3;

interface CacheFile {
  format: 'ml-notes-library';
  v: number;
  /** The snapshots' format (snapshot.ts). */
  sv: number;
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
  }[];
}

/**
 * The kept text of `notes`, as UTF-8 bytes. Written a line at a time into one growing buffer: the whole text is never a
 * string, nor are all the snapshots' lines at once (a 1,000-note vault's 9 MB of them, kept alive until joined, stayed
 * resident in the extension host long after it was written).
 */
export function encodeLibraryCache(
  key: string,
  notes: readonly { doc: NoteDocument; info: NoteFileInfo; size: number; mtime: number }[],
  /** The term index the notes are in: their entries are taken from it instead of being made again. */
  index?: TermIndex,
): Uint8Array {
  const termIndex = new Map<string, number>();
  const terms: string[] = [];
  const files: CacheFile['files'] = [];
  for (const { doc, info, size, mtime } of notes) {
    const slugIndex = new Map<string, number>();
    const slugs: string[] = [];
    const e: number[] = [];
    const add = (term: string, slug: string, point: number, source: TermEntry['source']) => {
      let t = termIndex.get(term);
      if (t === undefined) termIndex.set(term, (t = terms.push(term) - 1));
      let s = slugIndex.get(slug);
      if (s === undefined) slugIndex.set(slug, (s = slugs.push(slug) - 1));
      e.push(t, s, point, source === 'frontMatter' ? 1 : 0);
    };
    if (!index?.forEachEntry(doc.id, add)) for (const entry of termEntriesOf(doc)) add(entry.term, entry.target.slug, entry.target.point ?? 0, entry.source);
    files.push({ id: doc.id, size, mtime, info, slugs, e });
  }
  const file: CacheFile = { format: 'ml-notes-library', v: LIBRARY_CACHE_FORMAT, sv: SNAPSHOT_VERSION, key, terms, files };
  const out = new ByteSink();
  out.write(JSON.stringify(file));
  // JSON.stringify escapes every line break inside strings: one line per snapshot.
  for (const { doc } of notes) out.write(`\n${JSON.stringify(snapshotOf(doc))}`);
  return out.bytes();
}

/** A buffer that grows in place up to `maxByteLength` (ES2024; the project's library is ES2022). */
interface GrowableBuffer extends ArrayBuffer {
  readonly maxByteLength: number;
  resize(byteLength: number): void;
}

/** Room reserved (address space, not memory) for a kept index that grows in place. */
const GROWABLE_MAX = 256 * 1024 * 1024;

/**
 * UTF-8 bytes appended to one buffer. Where the runtime has resizable buffers, the buffer grows in place: only the
 * pages written take memory, and writing a vault's 9 MB left none behind (it was 32 MB of buffers, each doubling's
 * smaller copy kept until the collector ran, while the extension sat idle after loading). Elsewhere (or past
 * GROWABLE_MAX) it doubles when full.
 */
class ByteSink {
  private growable: GrowableBuffer | undefined;
  private buf: Uint8Array;
  private length = 0;
  private readonly encoder = new TextEncoder();

  constructor() {
    if (typeof (ArrayBuffer.prototype as Partial<GrowableBuffer>).resize === 'function') {
      this.growable = new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => GrowableBuffer)(0, { maxByteLength: GROWABLE_MAX });
      // A view without a length follows the buffer as it grows.
      this.buf = new Uint8Array(this.growable);
    } else this.buf = new Uint8Array(1 << 16);
  }

  write(text: string): void {
    // At most 3 bytes per UTF-16 unit.
    const need = this.length + 3 * text.length;
    if (need > this.buf.length) this.grow(need);
    this.length += this.encoder.encodeInto(text, this.buf.subarray(this.length)).written;
  }

  private grow(need: number): void {
    const size = Math.max(need, 2 * this.buf.length, 1 << 16);
    if (this.growable && size <= this.growable.maxByteLength) return this.growable.resize(size);
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
    this.growable = undefined;
  }

  bytes(): Uint8Array {
    if (!this.growable) return this.buf.subarray(0, this.length);
    // Shrunk to what was written: the pages past it are given back.
    this.growable.resize(this.length);
    return new Uint8Array(this.growable, 0, this.length);
  }
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
 * wrong shape is left out (that file is read and parsed again). Given the bytes as read, only the index's line is
 * decoded now; each snapshot's bytes when its file is read.
 */
export function decodeLibraryCache(kept: string | Uint8Array, key: string): DecodedCache {
  const out = new Map<string, CachedNote>();
  // Bytes as read are decoded a line at a time: the index now, each snapshot when its file is read.
  const text = typeof kept === 'string' ? textLines(kept) : byteLines(kept);
  const firstBreak = text.next(-1);
  let file: CacheFile;
  try {
    file = JSON.parse(text.slice(0, firstBreak < 0 ? text.length : firstBreak)) as CacheFile;
  } catch (e) {
    return { notes: out, ignored: msg('it is damaged ({0}).', e instanceof Error ? e.message : String(e)) };
  }
  if (!file || typeof file !== 'object' || file.format !== 'ml-notes-library' || !Array.isArray(file.files) || !Array.isArray(file.terms)) {
    return { notes: out, ignored: msg('it is not an index of notes.') };
  }
  if (file.v !== LIBRARY_CACHE_FORMAT || file.sv !== SNAPSHOT_VERSION) {
    const written = file.v === LIBRARY_CACHE_FORMAT ? `${file.v}.${String(file.sv)}` : String(file.v);
    return { notes: out, stale: true, ignored: msg('it was written in format {0}, this version reads format {1}.', written, `${LIBRARY_CACHE_FORMAT}.${SNAPSHOT_VERSION}`) };
  }
  if (file.key !== key) return { notes: out, stale: true, ignored: msg('it was kept for other notes folders, settings or extension version.') };
  // Where each snapshot's line is: found now (a scan for line breaks), decoded when its file is read.
  const lines: [number, number][] = [];
  for (let at = firstBreak; at >= 0 && lines.length < file.files.length; ) {
    const next = text.next(at);
    lines.push([at + 1, next < 0 ? text.length : next]);
    at = next;
  }
  if (lines.length !== file.files.length) return { notes: out, ignored: msg('it is damaged ({0}).', `${lines.length} of ${file.files.length} snapshots`) };
  let bad = 0;
  const table = new TermTable(file.terms);
  file.files.forEach((f, i) => {
    if (!isFileEntry(f)) {
      bad++;
      return;
    }
    const [from, to] = lines[i];
    out.set(f.id, { size: f.size, mtime: f.mtime, info: f.info, terms: { table, slugs: f.slugs, e: f.e }, snapshot: () => snapshotAt(text, from, to) });
  });
  return bad ? { notes: out, ignored: msg('{0} of its {1} notes are damaged; those are read again.', bad, file.files.length) } : { notes: out };
}

/** A kept text, as a string or as UTF-8 bytes (a line break is one byte there, never inside a character). */
interface Lines {
  length: number;
  /** The position of the first line break after `at`, or -1. */
  next(at: number): number;
  slice(from: number, to: number): string;
}

function textLines(text: string): Lines {
  return { length: text.length, next: (at) => text.indexOf('\n', at + 1), slice: (from, to) => text.slice(from, to) };
}

function byteLines(bytes: Uint8Array): Lines {
  const decoder = new TextDecoder();
  return { length: bytes.length, next: (at) => bytes.indexOf(10, at + 1), slice: (from, to) => decoder.decode(bytes.subarray(from, to)) };
}

/** The snapshot on one line of a kept text; undefined when it is damaged. */
function snapshotAt(text: Lines, from: number, to: number): NoteSnapshot | undefined {
  try {
    const snap: unknown = JSON.parse(text.slice(from, to));
    return isSnapshot(snap) ? snap : undefined;
  } catch {
    // A damaged line: the file is parsed instead.
    return undefined;
  }
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
