import { Disposable, KeyedDebouncer } from './dispose';
import { logFailure, type Log } from './log';
import { BACKGROUND_SLICE_MS, LibraryLookup } from '../core/search/libraryLookup';
import type { NoteLibrary } from '../core/notes/library';
import type { SearchResultEntry } from '../webview/protocol';

/** Quiet time after a change before the background indexing starts (a burst of saves or a reload settles first). */
const SETTLE_MS = 1500;

/**
 * Lookup for the QuickPick and the panel's search box. The lookup index is built in the background, in short slices,
 * once the notes stop changing: the first Look Up does not wait for it, and no slice holds up the editor.
 */
export class NotesSearch extends Disposable {
  private readonly lookup: LibraryLookup;
  private readonly debouncer: KeyedDebouncer;

  constructor(library: NoteLibrary, log: Log) {
    super();
    this.lookup = this.register(new LibraryLookup(library));
    this.debouncer = this.register(new KeyedDebouncer((e) => logFailure(log, 'Indexing the notes for Look Up', e)));
    this.register(library.onDidChange(() => this.schedule(SETTLE_MS)));
    this.schedule(SETTLE_MS);
  }

  private schedule(delay: number): void {
    this.debouncer.run('index', delay, () => {
      if (!this.lookup.syncFor(BACKGROUND_SLICE_MS)) this.schedule(0);
    });
  }

  /** `budgetMs`: see LibraryLookup.search (a Look Up while the notes are read answers from those indexed so far). */
  search(query: string, limit: number, budgetMs?: number): SearchResultEntry[] {
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
