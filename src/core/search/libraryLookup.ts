import type { NoteLibrary } from '../notes/library';
import { LookupIndex } from './lookupIndex';
import type { LookupResult } from './types';

/** Time a host gives the background indexing at a time (one slice, then other work goes first). */
export const BACKGROUND_SLICE_MS = 8;

/**
 * Keeps a LookupIndex in step with a NoteLibrary. Changes are only noted when they happen (hovers never pay for
 * lookup indexing); the next search, or a host's background slices (`syncFor`), re-index just the files that changed
 * or were removed since.
 */
export class LibraryLookup {
  readonly index = new LookupIndex();
  private readonly pending = new Set<string>();
  private readonly subscription: { dispose(): void };

  constructor(private readonly library: NoteLibrary) {
    for (const id of library.fileIds()) this.pending.add(id);
    this.subscription = library.onDidChange((id) => this.pending.add(id));
  }

  /** Files changed since the last sync. */
  get pendingFiles(): number {
    return this.pending.size;
  }

  /** Brings the index up to date with the library (re-indexing only changed files). */
  sync(): void {
    this.syncFor(Infinity);
  }

  /**
   * Re-indexes pending files until `budgetMs` has passed (at least one file per call), so that a host can build the
   * index in the background in short slices. True when the index is up to date.
   */
  syncFor(budgetMs: number, now: () => number = () => performance.now()): boolean {
    if (!this.pending.size) return true;
    const start = now();
    for (const id of this.pending) {
      this.pending.delete(id);
      const doc = this.library.get(id);
      if (doc) this.index.updateFile(doc, { bundled: !!this.library.info(id)?.bundled });
      else this.index.removeFile(id);
      if (now() - start >= budgetMs) break;
    }
    if (this.pending.size) return false;
    this.index.flush();
    return true;
  }

  search(query: string, limit = 50): LookupResult[] {
    this.sync();
    return this.index.search(query, limit);
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
