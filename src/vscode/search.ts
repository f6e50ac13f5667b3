import { Disposable, KeyedDebouncer } from './dispose';
import { logFailure, type Log } from './log';
import { LibraryLookup } from '../core/search/libraryLookup';
import { SLICE_MS } from '../core/slices';
import type { NoteLibrary } from '../core/notes/library';
import type { SearchResultEntry } from '../webview/protocol';

/** Quiet time after a change before the background indexing starts (a burst of saves or a reload settles first). */
const SETTLE_MS = 1500;

/** Look Up's search as the pickers and the panel's search box use it (NotesSearch). */
export interface NoteSearch {
  /**
   * The best `limit` rows for `query`; starts the index if it was not. `budgetMs`: how long it may index notes read
   * since the last search (a Look Up while notes are read, or while the index is built, answers from those indexed so
   * far; see LibraryLookup.search); by default all of them.
   */
  search(query: string, limit: number, budgetMs?: number): SearchResultEntry[];
  /** While notes read are not in the index yet: how many are, of how many. */
  readonly indexing: { done: number; total: number } | undefined;
  /** Starts building the index in the background, if it is not built yet. */
  start(): void;
}

/**
 * Lookup for the QuickPick and the panel's search box. The lookup index is built only once it is wanted (the first
 * Look Up, the panel opening): a window whose user only hovers never holds it (for a 1,000-note vault, tens of MB of
 * the extension host). It is built in the background, in short slices, and kept up to date once the notes stop
 * changing; no slice holds up the editor.
 */
export class NotesSearch extends Disposable implements NoteSearch {
  private readonly lookup: LibraryLookup;
  private readonly debouncer: KeyedDebouncer;
  private started = false;

  constructor(
    private readonly library: NoteLibrary,
    log: Log,
  ) {
    super();
    this.lookup = this.register(new LibraryLookup(library));
    this.debouncer = this.register(new KeyedDebouncer((e) => logFailure(log, 'Indexing the notes for Look Up', e)));
    this.register(library.onDidChange(() => this.started && this.schedule(SETTLE_MS)));
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  get indexing(): { done: number; total: number } | undefined {
    const pending = this.lookup.pendingFiles;
    if (!pending) return undefined;
    const total = this.library.fileCount;
    return { done: Math.max(0, total - pending), total };
  }

  private schedule(delay: number): void {
    this.debouncer.run('index', delay, () => {
      if (!this.lookup.syncFor(SLICE_MS)) this.schedule(0);
    });
  }

  search(query: string, limit: number, budgetMs?: number): SearchResultEntry[] {
    this.start();
    return this.lookup.search(query, limit, budgetMs).map((r) => ({
      docId: r.file,
      slug: r.slug,
      point: r.point,
      title: r.title,
      // A point is placed by its section; a section by its file and parents.
      breadcrumb: r.point !== undefined ? r.breadcrumb[r.breadcrumb.length - 1] ?? '' : r.breadcrumb.join(' › '),
      detail: r.firstLine,
    }));
  }
}
