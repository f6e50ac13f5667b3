import type { LocalizableText } from '../rules/types';
import type { CachedNote } from './libraryCache';
import type { NoteLibrary } from './library';
import { collectNoteFiles, forEachInOrder, readNoteFile, type LoadProblem, type NoteFileSystem } from './loader';
import { slicePause, SLICE_MS } from '../slices';
import type { NoteDocument } from './types';
import { parseNote } from './parse';
import { restoreNote } from './snapshot';

/** A notes folder (or note file) to load: its location, as the note ids are written. */
export interface LoaderRoot {
  loc: string;
  bundled: boolean;
}

/** What the loader tells its host: problems to report, and the label a file is shown with. */
export interface LoaderHost {
  fs: NoteFileSystem;
  /** The size limit of a note file, in bytes. */
  maxBytes(): number;
  label(loc: string): string;
  /** A problem listing a root (a missing folder, a link loop…). */
  problem(root: LoaderRoot, p: LoadProblem): void;
  /** A file that was not read (too large, binary, unreadable), or read with a warning (encoding, front matter…). */
  fileIssue(loc: string, issue: { message: string; l10n?: LocalizableText; line?: number; skipped?: boolean }): void;
}

/** Files read at a time: enough to keep the file system busy while notes are parsed. */
const CONCURRENCY = 16;

/** A file read (and parsed, or rebuilt from its snapshot), not yet in the library. */
type Fetched = { res: Awaited<ReturnType<typeof readNoteFile>>; doc?: NoteDocument; restored?: boolean };

/**
 * Loads the notes of some roots into a NoteLibrary, fast: files are read and parsed concurrently, and go into the
 * library in the order they are listed (so that the order of the notes, and of equally ranked matches, is the same on
 * every start and the same as the CLI's); with a
 * cache of an earlier session (libraryCache.ts), every file's terms are registered before any is read (hovers answer
 * at once, reading the files they need first), and an unchanged file (same size and modification time) is rebuilt from
 * its snapshot instead of being parsed.
 */
export class LibraryLoader {
  private readonly inFlight = new Map<string, Promise<void>>();
  private cache = new Map<string, CachedNote>();
  private rootOf = new Map<string, LoaderRoot>();
  /** What each file was when read: for the next cache. */
  readonly stamps = new Map<string, { size: number; mtime: number }>();
  /** Files read so far in the current load, of how many. */
  readonly progress = { done: 0, total: 0 };
  /** How many files the last load rebuilt from the cache and parsed. */
  readonly counts = { restored: 0, parsed: 0 };
  /** Files read since the current load started (a hover may have read some before the load reaches them). */
  private readonly readThisLoad = new Set<string>();
  /** The size limit during a load, asked of the host once (a change of it reloads everything anyway). */
  private loadMaxBytes: number | undefined;
  /** Ends the rest after the kept terms (see `restMs`) now; set while the loader rests. */
  private endRest: (() => void) | undefined;

  constructor(
    private readonly library: NoteLibrary,
    private readonly host: LoaderHost,
    /** Milliseconds of loading after which the loader lets the event loop run (slices.ts). */
    private readonly sliceMs = SLICE_MS,
    /**
     * With a kept index: how long the loader waits, once the kept terms are registered, before it lists the folders and
     * reads the notes again (0: no wait). A host that has just started shares the machine with the window starting
     * around it; hovers answer from the kept terms meanwhile, and `hurry` ends the wait when every note is wanted.
     */
    private readonly restMs = 0,
  ) {}

  /** Whether the loader is waiting after the kept terms (see `restMs`): the notes are known by those terms only. */
  get resting(): boolean {
    return this.endRest !== undefined;
  }

  /** Ends the wait after the kept terms, if the loader is in it: something needs every note now. */
  hurry(): void {
    this.endRest?.();
  }

  private rest(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.endRest = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.restMs);
      this.endRest = done;
    });
  }

  /**
   * Lists the roots and loads every note file in them (files no longer listed leave the library). `termsReady` is
   * called once hovers can answer: at once from a cache of an earlier session (the terms it kept), else when every
   * file is read. A hover that finds nothing before the load ends should wait for it (a note new since the cache).
   */
  async loadAll(roots: readonly LoaderRoot[], cache: Map<string, CachedNote>, termsReady: () => void): Promise<void> {
    this.cache = cache;
    this.loadMaxBytes = this.host.maxBytes();
    this.counts.restored = this.counts.parsed = 0;
    this.readThisLoad.clear();

    // Terms first, from the cache, before the folders are even listed: a hover needs nothing else (it reads the file
    // of its match, which tells whether it changed). A file gone since leaves once the listing shows it gone.
    // In slices (a vault's terms take the better part of a second): the host goes on answering meanwhile, so that a hover
    // asked now reaches its provider, which waits for the terms, instead of finding none registered yet.
    const rootByLoc = new Map(roots.map((r) => [r.loc, r]));
    const pause = slicePause(this.sliceMs);
    for (const [loc, c] of cache) {
      const root = typeof c.info.root === 'string' ? rootByLoc.get(c.info.root) : undefined;
      if (!root || this.library.has(loc)) continue;
      this.rootOf.set(loc, root);
      this.library.setPending(loc, c.terms);
      await pause();
    }
    if (cache.size) {
      termsReady();
      if (this.restMs > 0) await this.rest();
    }

    const listed: { loc: string; root: LoaderRoot }[] = [];
    const rootOf = new Map<string, LoaderRoot>();
    for (const root of roots) {
      const { files, attachments, problems } = await collectNoteFiles(this.host.fs, [root.loc]);
      this.library.setAttachments(root.loc, attachments);
      for (const p of problems) this.host.problem(root, p);
      for (const f of files) {
        if (rootOf.has(f)) continue;
        rootOf.set(f, root);
        listed.push({ loc: f, root });
      }
    }
    for (const id of this.library.fileIds()) if (!rootOf.has(id)) this.library.removeFile(id);
    for (const id of cache.keys()) if (!rootOf.has(id) && this.library.isPending(id)) this.library.removeFile(id);
    // Files a hover read meanwhile keep their root (a reload may have listed them under another).
    this.rootOf = rootOf;
    for (const id of [...this.stamps.keys()]) if (!rootOf.has(id)) this.stamps.delete(id);

    this.progress.done = 0;
    this.progress.total = listed.length;
    await forEachInOrder(
      listed,
      CONCURRENCY,
      // A file a hover asked for (or a save) may be read already in this load: that read is the one kept.
      ({ loc, root }) => (this.readThisLoad.has(loc) ? Promise.resolve(undefined) : this.fetch(loc, root, true)),
      ({ loc, root }, fetched) => {
        if (fetched && !this.readThisLoad.has(loc)) {
          this.readThisLoad.add(loc);
          this.commit(loc, root, fetched);
        }
        this.progress.done++;
      },
      this.sliceMs,
    );
    this.cache = new Map();
    this.loadMaxBytes = undefined;
    termsReady();
  }

  /**
   * A note its host indexed from other text than the file's (an editor's unsaved text): it is not kept for the next
   * session under the file's size and time, and the load under way leaves it as it is, instead of putting the file's
   * version over it when it gets there.
   */
  keepIndexed(loc: string): void {
    this.stamps.delete(loc);
    this.readThisLoad.add(loc);
  }

  /** Reads (and parses) one file again: a file saved or changed on disk. */
  reloadFile(loc: string, root: LoaderRoot): Promise<void> {
    this.rootOf.set(loc, root);
    return this.loadFile(loc, root, false);
  }

  /** Loads the files among `ids` that are known by their terms only (a hover matched them), now. */
  async ensure(ids: readonly string[]): Promise<void> {
    await Promise.all(
      ids.map((id) => {
        if (!this.library.isPending(id)) return this.inFlight.get(id);
        const root = this.rootOf.get(id);
        return root ? this.loadFile(id, root, true) : undefined;
      }),
    );
  }

  /** One read of a file at a time: a second call while the first runs waits for it and reads again after. */
  private loadFile(loc: string, root: LoaderRoot, useCache: boolean): Promise<void> {
    const prev = this.inFlight.get(loc);
    if (prev && useCache) return prev;
    const next = (prev ?? Promise.resolve()).then(() => this.read(loc, root, useCache));
    this.inFlight.set(loc, next);
    void next.finally(() => {
      if (this.inFlight.get(loc) === next) this.inFlight.delete(loc);
    });
    return next;
  }

  private async read(loc: string, root: LoaderRoot, useCache: boolean): Promise<void> {
    this.readThisLoad.add(loc);
    this.commit(loc, root, await this.fetch(loc, root, useCache));
  }

  /** Reads a file and makes its note (rebuilt from the cache when the file is as it was kept), without keeping it. */
  private async fetch(loc: string, root: LoaderRoot, useCache: boolean): Promise<Fetched> {
    const res = await readNoteFile(this.host.fs, loc, this.loadMaxBytes ?? this.host.maxBytes());
    if (!res.ok) return { res };
    const cached = useCache ? this.cache.get(loc) : undefined;
    const fresh = cached && res.mtime !== undefined && cached.size === res.size && cached.mtime === res.mtime;
    const snapshot = fresh ? cached.snapshot() : undefined;
    const restored = snapshot ? restoreNote(snapshot, loc, res.text) : undefined;
    return { res, doc: restored ?? parseNote(res.text, loc), restored: !!restored };
  }

  /** Puts a fetched file's note into the library (or takes it out, when it could not be read). */
  private commit(loc: string, root: LoaderRoot, { res, doc, restored }: Fetched): void {
    if (!res.ok || !doc) {
      this.library.removeFile(loc);
      this.stamps.delete(loc);
      if (!res.ok) this.host.fileIssue(loc, { message: res.reason, l10n: res.reasonL10n, skipped: true });
      return;
    }
    if (res.warning) this.host.fileIssue(loc, { message: res.warning, l10n: res.warningL10n });
    if (restored) this.counts.restored++;
    else this.counts.parsed++;
    const warnings = this.library.setDocument(doc, { bundled: root.bundled, label: this.host.label(loc), root: root.loc });
    if (res.size !== undefined && res.mtime !== undefined) this.stamps.set(loc, { size: res.size, mtime: res.mtime });
    else this.stamps.delete(loc);
    for (const w of warnings) this.host.fileIssue(loc, { message: w.message, l10n: w.l10n, line: w.line });
  }
}
